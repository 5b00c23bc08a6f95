using BayesGen.Graph;
using BayesGen.Deployment;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Deployment;

/// <summary>The strided-maxima max pool against LibTorch's max_pool2d, and the fall-back where it cannot apply.</summary>
public class StridedMaxPoolTests
{
    private static PoolOp Max(long kh, long kw, long sh, long sw, long ph = 0, long pw = 0, bool ceil = false) =>
        new(PoolKind.Max, new[] { kh, kw }, new[] { sh, sw }, new[] { ph, pw }, ceil);

    public static TheoryData<long, long, long, long, long, long> Shapes => new()
    {
        // kernel h, w; stride h, w; input h, w
        { 2, 2, 2, 2, 24, 24 },   // LeNet-5
        { 2, 2, 2, 2, 7, 9 },     // odd sizes: the last row and column are dropped
        { 3, 3, 2, 2, 13, 11 },   // overlapping windows
        { 2, 2, 1, 1, 5, 6 },     // stride 1
        { 3, 1, 3, 1, 9, 4 },     // non-square kernel
        { 1, 1, 1, 1, 4, 4 },     // 1×1: a copy
        { 4, 4, 4, 4, 4, 4 },     // one window
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Equals_max_pool2d_exactly(long kh, long kw, long sh, long sw, long h, long w)
    {
        var pool = Max(kh, kw, sh, sw);
        Assert.True(StridedMaxPool.Handles(pool));
        using var x = randn(new long[] { 3, 5, h, w }, generator: new torch.Generator(11));
        using var expected = nn.functional.max_pool2d(x, new[] { kh, kw }, new[] { sh, sw });
        using var actual = StridedMaxPool.Apply(x, pool);
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(actual.allclose(expected, 0, 0), $"max difference {(actual - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void Output_is_not_a_view_of_the_input_for_a_1x1_window()
    {
        using var x = ones(1, 1, 2, 2);
        using var y = StridedMaxPool.Apply(x, Max(1, 1, 1, 1));
        y.add_(1);
        Assert.Equal(1f, x.max().item<float>());
    }

    [Fact]
    public void NaN_propagates_as_in_max_pool2d()
    {
        using var x = zeros(1, 1, 4, 4);
        x[0, 0, 1, 1] = tensor(float.NaN);
        using var y = StridedMaxPool.Apply(x, Max(2, 2, 2, 2));
        var values = y.data<float>().ToArray();
        Assert.True(float.IsNaN(values[0]));
        Assert.Equal(new[] { 0f, 0f, 0f }, values[1..]);
    }

    [Theory]
    [InlineData(1, 1, false)]   // padding
    [InlineData(0, 0, true)]    // ceil mode
    public void Pools_it_cannot_express_go_to_max_pool2d(long ph, long pw, bool ceil)
    {
        var pool = Max(3, 3, 2, 2, ph, pw, ceil);
        Assert.False(StridedMaxPool.Handles(pool));
        using var x = randn(2, 3, 10, 10);
        using var expected = nn.functional.max_pool2d(x, new[] { 3L, 3L }, new[] { 2L, 2L }, new[] { ph, pw }, ceil_mode: ceil);
        using var actual = StridedMaxPool.Apply(x, pool);
        Assert.True(actual.allclose(expected, 0, 0));
    }

    [Fact]
    public void A_window_larger_than_the_input_names_both_sizes()
    {
        using var x = randn(1, 1, 3, 3);
        var e = Assert.Throws<ArgumentException>(() => StridedMaxPool.Apply(x, Max(4, 4, 4, 4)));
        Assert.Contains("4×4", e.Message);
        Assert.Contains("3×3", e.Message);
    }
}
