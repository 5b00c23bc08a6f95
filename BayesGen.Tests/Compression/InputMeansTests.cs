using BayesGen.Compression;
using BayesGen.Deployment;
using BayesGen.Layers;
using BayesGen.Tests.Generated;
using BayesGen.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using static BayesGen.Tests.Support.BayesianSetup;

namespace BayesGen.Tests.Compression;

/// <summary>
/// Input means and the compensation of removed inputs: means checked against the layers' inputs computed by
/// hand; compensation checked where it must be exact (removed inputs that are constant) and against the
/// paper's plain removal.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class InputMeansTests
{
    private static double MaxDifference(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    [Fact]
    public void Measured_means_are_the_mean_inputs_of_every_layer()
    {
        using var model = new TinyLeNet.Bayesian(new TinyLeNet(), Seeded(1));
        using var x = randn(new long[] { 250, 1, 14, 14 }, generator: new torch.Generator(2));
        var means = InputMeans.Measure(model, x, batchSize: 64);    // several batches, the last one short
        Assert.True(model.training, "the training mode is restored");

        model.eval();
        using var _ = no_grad();
        var conv1 = model.Layer("conv1"); var conv2 = model.Layer("conv2"); var fc1 = model.Layer("fc1");
        using var h1 = nn.functional.max_pool2d(nn.functional.relu(conv1.forward(x)), 2);
        using var h2 = nn.functional.relu(conv2.forward(h1)).flatten(1);
        using var h3 = nn.functional.relu(fc1.forward(h2));
        void Check(string layer, Tensor expected)
        {
            var actual = means[layer].ToArray();
            var e = expected.to(ScalarType.Float64).data<double>().ToArray();
            Assert.Equal(e.Length, actual.Length);
            for (int i = 0; i < e.Length; i++) Assert.InRange(actual[i] - e[i], -1e-5, 1e-5);
        }
        Check("conv1", x.mean(new long[] { 0, 2, 3 }));
        Check("conv2", h1.mean(new long[] { 0, 2, 3 }));       // per channel, over examples and positions
        Check("fc1", h2.mean(new long[] { 0 }));
        Check("fc2", h3.mean(new long[] { 0 }));
    }

    [Fact]
    public void Measuring_a_pruned_network_is_refused()
    {
        using var model = new TinyLeNet.Bayesian(new TinyLeNet(), Seeded(3));
        using var masks = model.ComputeMasks();
        model.ApplyMasks(masks);
        using var x = randn(4, 1, 14, 14);
        var e = Assert.Throws<InvalidOperationException>(() => InputMeans.Measure(model, x));
        Assert.Contains("ClearMasks()", e.Message);
    }

    [Fact]
    public void Compensation_is_exact_when_removed_channels_and_features_are_constant()
    {
        using var model = new TinyLeNet.Bayesian(new TinyLeNet(), Seeded(4));
        // Filter 1 of conv1 and filter 2 of conv2 compute a constant (zero weights, positive bias), then are
        // pruned: conv2's input channel 1 and fc1's features 32..47 become constant, so their mean is exact.
        using (no_grad())
        {
            model.Layer("conv1").WeightMu[1] = 0f;
            model.Layer("conv1").BiasMu![1] = 0.7f;
            model.Layer("conv2").WeightMu[2] = 0f;
            model.Layer("conv2").BiasMu![2] = 0.4f;
        }
        PruneGnj(model.Layer("conv1"), 1);
        PruneGnj(model.Layer("conv2"), 2);
        using var x = randn(new long[] { 40, 1, 14, 14 }, generator: new torch.Generator(5));
        var means = InputMeans.Measure(model, x);
        model.eval();
        using var full = model.forward(x);

        using var masks = model.ComputeMasks();
        var plain = NetworkCompression.Compress(model, masks);
        var compensated = NetworkCompression.Compress(model, masks, inputMeans: means);
        Assert.True(compensated.Compensated);
        Assert.Equal(plain.PrecisionRate, compensated.PrecisionRate);   // biases are not counted: same size

        using var removed = TinyLeNet.Compressed.From(CompressedModel.From(model, plain, quantized: false));
        using var withMeans = TinyLeNet.Compressed.From(CompressedModel.From(model, compensated, quantized: false));
        using var yRemoved = removed.forward(x);
        using var yMeans = withMeans.forward(x);
        Assert.True(MaxDifference(yMeans, full) < 1e-4, $"compensated differs by {MaxDifference(yMeans, full)}");
        Assert.True(MaxDifference(yRemoved, full) > 1e-2, "dropping a constant input must change the output");

        // The masked Bayesian model with the compressed weights computes the same as the deployment.
        NetworkCompression.ApplyTo(model, masks, compensated, quantized: false);
        using var bayesian = model.forward(x);
        Assert.True(MaxDifference(bayesian, yMeans) < 1e-5);
    }

    [Fact]
    public void A_layer_without_bias_gains_one_that_carries_the_removed_inputs()
    {
        using var model = new NoBiasMlp.Bayesian(new NoBiasMlp(), Seeded(6));
        Assert.Null(model.Layer("fc1").BiasMu);
        // Inputs 0..4 are constant −1 (like MNIST's border pixels scaled to [−1, 1]) and pruned.
        using var x = randn(new long[] { 30, 20 }, generator: new torch.Generator(7));
        using (no_grad()) x.narrow(1, 0, 5).fill_(-1f);
        PruneGnj(model.Layer("fc1"), 0, 1, 2, 3, 4);
        var means = InputMeans.Measure(model, x);
        Assert.All(means["fc1"].Take(5), m => Assert.Equal(-1.0, m, 6));
        model.eval();
        using var full = model.forward(x);

        using var masks = model.ComputeMasks();
        var result = NetworkCompression.Compress(model, masks, inputMeans: means);
        var fc1 = result["fc1"];
        Assert.Equal(15, fc1.KeptInputs.Length);
        Assert.NotNull(fc1.Bias);
        using var expectedBias = model.Layer("fc1").WeightMean().narrow(1, 0, 5).sum(1).neg();
        Assert.Equal(expectedBias.data<float>().ToArray(), fc1.Bias!, new FloatTolerance(1e-6f));

        var compressed = CompressedModel.From(model, result, quantized: false);
        using var deployed = NoBiasMlp.Compressed.From(compressed);
        using var y = deployed.forward(x);
        Assert.True(MaxDifference(y, full) < 1e-5, $"differs by {MaxDifference(y, full)}");
    }

    [Fact]
    public void A_layer_named_by_Dropping_drops_its_removed_inputs_while_the_others_stay_compensated()
    {
        using var model = new NoBiasMlp.Bayesian(new NoBiasMlp(), Seeded(6));
        using var x = randn(new long[] { 30, 20 }, generator: new torch.Generator(7));
        PruneGnj(model.Layer("fc1"), 0, 1, 2);
        PruneGnj(model.Layer("fc2"), 0, 1);
        var means = InputMeans.Measure(model, x);
        using var masks = model.ComputeMasks();
        var both = NetworkCompression.Compress(model, masks, inputMeans: means);
        var none = NetworkCompression.Compress(model, masks);
        var onlyFc2 = NetworkCompression.Compress(model, masks, inputMeans: means.Dropping(["fc1"]));

        Assert.Equal(["fc1"], onlyFc2.UncompensatedLayers);
        Assert.Equal("mean except fc1", onlyFc2.CompensationSummary);
        Assert.Equal("mean", both.CompensationSummary);
        Assert.Equal("none", none.CompensationSummary);
        // fc1 as if nothing were compensated (no bias at all: NoBiasMlp has none), fc2 as if everything were.
        Assert.Null(onlyFc2["fc1"].Bias);
        Assert.NotNull(both["fc1"].Bias);
        Assert.Equal(both["fc2"].Bias!, onlyFc2["fc2"].Bias!);
        Assert.True(means.Dropping(["fc1"]).Compensating(["fc1"]).Compensates("fc1"));
    }

    [Fact]
    public void Means_of_the_wrong_length_are_refused_with_the_layer_name()
    {
        using var model = new NoBiasMlp.Bayesian(new NoBiasMlp(), Seeded(8));
        PruneGnj(model.Layer("fc1"), 0);
        model.RecordGraph(new long[] { 20 });   // NoBiasMlp declares no [InputShape]
        using var masks = model.ComputeMasks();
        var means = InputMeans.FromValues(new Dictionary<string, double[]> { ["fc1"] = new double[3], ["fc2"] = new double[8] });
        var e = Assert.Throws<ArgumentException>(() => NetworkCompression.Compress(model, masks, inputMeans: means));
        Assert.Contains("'fc1' has 20 input units but 3", e.Message);
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(float value) => 0;
    }

    [Fact]
    public void A_weight_no_32_bit_code_can_hold_is_refused_naming_its_layer()
    {
        // Only a damaged checkpoint or a diverged training holds such a weight; the compression says so instead of failing inside.
        using var model = new NoBiasMlp.Bayesian(new NoBiasMlp(), Seeded(8));
        using (no_grad()) model.Layer("fc1").WeightMu[0, 0] = 1.5e8f;
        model.eval();
        using (no_grad()) model.forward(zeros(2, 20)).Dispose();   // records the graph
        using var masks = model.ComputeMasks();
        var e = Assert.Throws<InvalidDataException>(() => NetworkCompression.Compress(model, masks));
        Assert.Contains("'fc1'", e.Message);
        Assert.Contains("damaged or its training diverged", e.Message);
    }
}
