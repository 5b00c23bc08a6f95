using TorchSharp;
using BayesGen.Tests.Support;
using BayesGen.Torch;
using static TorchSharp.torch;

namespace BayesGen.Tests.Torch;

/// <summary>
/// <see cref="HeldScalar"/>: the arithmetic it does, and that it holds its Scalar through the LibTorch call while another
/// thread collects garbage and runs finalizers without pause (what finalised an on-the-fly Scalar mid-call in a training
/// run: LibTorch then read freed memory and failed with "Expected false to be true").
/// </summary>
// Alone: its collecting thread would otherwise hit the on-the-fly Scalars of tests running beside it.
[Collection(HeavyCollection.Name)]
public sealed class HeldScalarTests
{
    [Fact]
    public void Each_method_computes_what_its_name_says()
    {
        using var t = tensor(new[] { 1.0, -2.0, 4.0 });
        using var a = tensor(new[] { 2.0, 3.0, 0.5 });
        using var b = tensor(new[] { 4.0, 1.0, 2.0 });
        static double[] V(Tensor x) => x.data<double>().ToArray();
        Assert.Equal(new[] { 1.5, -1.5, 4.5 }, V(t.AddScalar(0.5)));
        Assert.Equal(new[] { 0.5, -2.5, 3.5 }, V(t.SubScalar(0.5)));
        Assert.Equal(new[] { 3.0, -6.0, 12.0 }, V(t.MulScalar(3)));
        Assert.Equal(new[] { 0.5, -1.0, 2.0 }, V(t.DivScalar(2)));
        Assert.Equal(new[] { 17.0, 4.0, 6.0 }, V(t.AddProduct(a, b, 2)));             // t + 2·a·b
        Assert.Equal(new[] { 1.0, -2.0, 2.5 }, V(t.clone().ClampMax_(2.5)));
        Assert.Equal(new[] { 1.0, -1.5, 2.5 }, V(t.ClampBetween(-1.5, 2.5)));
        Assert.Equal(new[] { 5.0, 4.0, 5.0 }, V(t.clone().AddScaled_(a, 2)));         // t + 2·a
        Assert.Equal(new[] { 2.0, 4.0, 4.5 }, V(t.clone().AddQuotient_(a, b, 2)));    // t + 2·a/b
        Assert.Equal(new[] { 7.0, 7.0, 7.0 }, V(t.clone().FillScalar_(7)));
        Assert.Equal(new[] { 3.0, 1.0, 4.5 }, V(t.Plus(a)));                            // t + a, its alpha held
        Assert.Equal(new[] { 3.0, 1.0, 4.5 }, V(t.clone().Plus_(a)));
        using (var half = 0.5.ToScalar())
        {
            Assert.Equal(new[] { 1.5, -1.5, 4.5 }, V(t.Plus(half)));
            Assert.Equal(new[] { 1.5, -1.5, 4.5 }, V(t.clone().Plus_(half)));
        }
        using var c = t.clone();
        c.AddScalar_(1).MulScalar_(2).SubScalar_(4).DivScalar_(2).AddProduct_(a, b, 1);   // ((t+1)·2−4)/2 + a·b
        Assert.Equal(new[] { 8.0, 0.0, 4.0 }, V(c));
    }

    [Fact]
    public void A_held_scalar_outlives_a_collecting_thread()
    {
        using var t = ones(256, dtype: ScalarType.Float32);
        using var a = full(256, 2f);
        using var b = full(256, 3f);
        bool stop = false;
        var collector = new Thread(() => { while (!Volatile.Read(ref stop)) { GC.Collect(); GC.WaitForPendingFinalizers(); } }) { IsBackground = true };
        collector.Start();
        try
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; watch.Elapsed < TimeSpan.FromSeconds(3); i++)
            {
                using var r = t.AddProduct(a, b, 0.5);   // 1 + 0.5·2·3 = 4
                using var sum = a.Plus(b);                // the alpha of tensor + tensor, held too: 5
                if (i % 1000 == 0)
                {
                    Assert.Equal(4f, r[i % 256].item<float>());
                    Assert.Equal(5f, sum[i % 256].item<float>());
                }
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            collector.Join();
        }
    }
}
