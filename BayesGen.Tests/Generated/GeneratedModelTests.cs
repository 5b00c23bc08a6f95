using BayesGen.Compression;
using BayesGen.Deployment;
using BayesGen.Layers;
using BayesGen.Tests.Support;
using BayesGen.Training;
using TorchSharp;
using static TorchSharp.torch;
using static BayesGen.Tests.Support.BayesianSetup;

namespace BayesGen.Tests.Generated;

/// <summary>
/// The generated code compiled into this assembly, run: Bayesian models train, masks follow the data flow
/// index by index, and the compressed deployment model computes exactly what the masked Bayesian model does.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class GeneratedModelTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bayesgen-gen-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static int[] Bits(Tensor mask) => mask.data<bool>().ToArray().Select(b => b ? 1 : 0).ToArray();

    [Fact]
    public void Generated_Bayesian_model_has_the_layers_in_data_flow_order_and_runs_in_both_modes()
    {
        using var model = new WideMlp.Bayesian(new WideMlp(), Seeded(1));
        Assert.Equal(new[] { "fc1", "fc2", "fc3", "fc4" }, model.BayesianLayers.Select(l => l.Name).ToArray());
        Assert.Equal(PriorKind.GroupNJ, model.Prior);
        Assert.Equal(new long[] { 1, 28, 28 }, model.InputShape);
        Assert.Equal(0.05, model.Layer("fc1").Options.MaxVariance);
        Assert.True(model.Layer("fc1").Options.ClipBiasVariance);   // the biases' too, as the reference code clips them
        Assert.Equal(-2.0, model.Layer("fc3").Options.Threshold);
        using (var weightsOnly = new WideMlp.Bayesian(new WideMlp(), Seeded(1) with { ClipBiasVariances = false }))
            Assert.False(weightsOnly.Layer("fc1").Options.ClipBiasVariance);
        using var x = randn(5, 1, 28, 28);
        model.train();
        using var a = model.forward(x);
        using var b = model.forward(x);
        Assert.False(a.allclose(b), "training forward must sample");
        model.eval();
        using var c = model.forward(x);
        using var d = model.forward(x);
        Assert.True(c.allclose(d, 0, 0), "evaluation forward must be deterministic");
        Assert.Equal(new long[] { 5, 10 }, c.shape);
    }

    [Fact]
    public void An_input_whose_sizes_do_not_fit_a_layer_is_refused_naming_the_layer_and_both_sizes()
    {
        using var model = new UserStyle.MnistStyleNet.Bayesian(new UserStyle.MnistStyleNet(), Seeded(1));
        Assert.Equal("fc1", model.Layer("fc1").Path);
        foreach (bool training in new[] { true, false })
        {
            model.train(training);
            // 32×32 images: conv2's maps pool to 14×14, so fc1 receives 12·14·14 = 2,352 features where it takes 1,728.
            using (var wide = randn(2, 1, 32, 32))
            {
                var e = Assert.Throws<ArgumentException>(() => model.forward(wide));
                Assert.Contains("Linear layer 'fc1' (1728 → 32) takes 1728 input features (its last dimension), but received a tensor of shape [2, 2352]", e.Message);
            }
            // Three channels where conv1 takes one.
            using var colour = randn(2, 3, 28, 28);
            var c = Assert.Throws<ArgumentException>(() => model.forward(colour));
            Assert.Contains("Conv2d layer 'conv1' (1 → 8) takes 1 input channels (dimension 1), but received a tensor of shape [2, 3, 28, 28]", c.Message);
        }
    }

    [Fact]
    public void Generated_KL_is_the_sum_of_the_layer_KLs()
    {
        using var model = new ConvBnNet.Bayesian(new ConvBnNet(), Seeded(2));
        using var generated = model.KL();
        double sum = model.BayesianLayers.Sum(l => { using var k = l.Layer.KL(); return (double)k.item<float>(); });
        Assert.InRange(generated.item<float>(), sum * (1 - 1e-5), sum * (1 + 1e-5));
        Assert.Equal(PriorKind.Horseshoe, model.Layer("conv1").Scale.Prior);
        Assert.Equal(PriorKind.GroupNJ, model.Layer("head").Scale.Prior);
    }

    [Fact]
    public void Run_time_horseshoe_settings_replace_the_attributes_on_horseshoe_layers_only()
    {
        using var attributes = new ConvBnNet.Bayesian(new ConvBnNet(), Seeded(2));
        var declared = (BayesGen.Layers.HorseshoeScale)attributes.Layer("conv1").Scale;
        Assert.Equal((1e-3, BayesGen.Priors.HorseshoeGlobalScale.Published, 1e-3), (declared.Tau0, declared.GlobalScale, declared.LayerGammaScale));

        using var model = new ConvBnNet.Bayesian(new ConvBnNet(), Seeded(2) with
        {
            HorseshoeTau0 = 1e-4, HorseshoeGlobalScale = BayesGen.Priors.HorseshoeGlobalScale.Exact, HorseshoeInitialization = BayesGen.Priors.HorseshoeInitialization.PriorScale,
        });
        foreach (var name in new[] { "conv1", "conv2", "conv3" })
        {
            var h = Assert.IsType<BayesGen.Layers.HorseshoeScale>(model.Layer(name).Scale);
            Assert.Equal(1e-4, h.Tau0);
            Assert.Equal(1e-8, h.LayerGammaScale, 15);   // τ0² under the exact half-Cauchy
            Assert.Equal(BayesGen.Priors.HorseshoeInitialization.PriorScale, h.Initialization);
        }
        Assert.IsType<BayesGen.Layers.GroupNJScale>(model.Layer("head").Scale);
    }

    [Fact]
    public void The_Bayesian_model_starts_from_the_plain_networks_weights()
    {
        using var plain = new TinyLeNet();
        using var model = new TinyLeNet.Bayesian(plain, Seeded(3));
        var plainState = plain.state_dict();
        Assert.True(model.Layer("conv2").WeightMu.allclose(plainState["conv2.weight"], 0, 0));
        Assert.True(model.Layer("fc1").BiasMu!.allclose(plainState["fc1.bias"], 0, 0));
    }

    [Fact]
    public void Masks_follow_conv_flatten_linear_index_by_index()
    {
        using var model = new TinyLeNet.Bayesian(new TinyLeNet(), Seeded(4));
        // conv1 loses filter 1, conv2 loses filters 0 and 5; fc1 (96 inputs = 6 channels × 16 positions) loses
        // input 20 (channel 1, position 4) and all of channel 3's positions 48..63; fc2 loses input 2.
        PruneGnj(model.Layer("conv1"), 1);
        PruneGnj(model.Layer("conv2"), 0, 5);
        PruneGnj(model.Layer("fc1"), new[] { 20 }.Concat(Enumerable.Range(48, 16)).ToArray());
        PruneGnj(model.Layer("fc2"), 2);
        using var masks = model.ComputeMasks();

        Assert.Equal(new[] { 1, 0, 1, 1 }, Bits(masks["conv1"].Output));
        Assert.Equal(new[] { 1, 0, 1, 1 }, Bits(masks["conv2"].Input));
        // Channel 3 has no feature left in fc1, so conv2 drops it too.
        Assert.Equal(new[] { 0, 1, 1, 0, 1, 0 }, Bits(masks["conv2"].Output));
        var expectedFc1 = Enumerable.Range(0, 96).Select(f => f / 16 is 1 or 2 or 4 && f != 20 ? 1 : 0).ToArray();
        Assert.Equal(expectedFc1, Bits(masks["fc1"].Input));
        Assert.Equal(new[] { 1, 1, 0, 1, 1 }, Bits(masks["fc1"].Output));
        Assert.Equal(new[] { 1, 1, 0, 1, 1 }, Bits(masks["fc2"].Input));
        Assert.Equal(new[] { 1, 1, 1 }, Bits(masks["fc2"].Output));
    }

    [Fact]
    public void BatchNorm_channels_follow_the_convolution_before_them()
    {
        using var model = new ConvBnNet.Bayesian(new ConvBnNet(), Seeded(5));
        using var statistic = model.Layer("conv1").Scale.PruningStatistic();
        // Horseshoe: prune the two groups with the lowest E[log z] by a threshold between them and the rest.
        var values = statistic.data<float>().ToArray();
        var order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        double threshold = 0.5 * (values[order[1]] + values[order[2]]);
        using var masks = model.ComputeMasks(new PruningThresholds().Set("conv1", threshold));
        var expected = Enumerable.Range(0, 8).Select(i => i == order[0] || i == order[1] ? 0 : 1).ToArray();
        Assert.Equal(expected, Bits(masks["conv1"].Output));
        Assert.Equal(expected, Bits(masks["conv2"].Input));
        model.ApplyMasks(masks);
        model.eval();
        // In evaluation, the BatchNorm output of a removed channel is zero (the channel no longer exists).
        var bn1 = model.named_modules().Single(m => m.name == "bn1").module as MaskedBatchNorm;
        Assert.Equal(expected.Select(e => (float)e).ToArray(), bn1!.ChannelMask!.data<float>().ToArray());
    }

    public static TheoryData<string> Networks => new() { "WideMlp", "ConvBnNet", "TinyLeNet" };

    private static (BayesianNetwork Model, Func<CompressedModel, nn.Module<Tensor, Tensor>> Deploy, long[] Input) Create(string name, ulong seed) => name switch
    {
        "WideMlp" => (new WideMlp.Bayesian(new WideMlp(), Seeded(seed)), m => WideMlp.Compressed.From(m), new long[] { 1, 28, 28 }),
        "ConvBnNet" => (new ConvBnNet.Bayesian(new ConvBnNet(), Seeded(seed)), m => ConvBnNet.Compressed.From(m), new long[] { 1, 28, 28 }),
        "TinyLeNet" => (new TinyLeNet.Bayesian(new TinyLeNet(), Seeded(seed)), m => TinyLeNet.Compressed.From(m), new long[] { 1, 14, 14 }),
        _ => throw new ArgumentException(name),
    };

    /// <summary>Prunes about a third of every layer's groups through its own statistic (works for both priors).</summary>
    private static PruningThresholds PruneAThird(BayesianNetwork model)
    {
        var thresholds = new PruningThresholds();
        foreach (var (name, layer) in model.BayesianLayers)
        {
            using var s = layer.Scale.PruningStatistic();
            var sorted = s.data<float>().ToArray().OrderBy(v => v).ToArray();
            int k = sorted.Length / 3;
            double cut = layer.Scale.Direction == PruneDirection.Above ? sorted[^(k + 1)] + 1e-6 : sorted[k - 1] + 1e-6;
            thresholds.Set(name, cut);
        }
        return thresholds;
    }

    /// <summary>Small conv nets default to chunks larger than a test batch; 64 makes them split one.</summary>
    private static void ChunkIn64s(nn.Module<Tensor, Tensor> deployed)
    {
        if (deployed is TinyLeNet.Compressed tiny) tiny.ChunkRows = 64;
        if (deployed is ConvBnNet.Compressed convBn) convBn.ChunkRows = 64;
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Compressed_model_equals_the_masked_Bayesian_posterior_mean(string name)
    {
        var (model, deploy, shape) = Create(name, 6);
        using var _ = model;
        // Spread the scale posteriors so that the statistics differ and a third of each layer goes.
        BayesianSetup.SpreadStatistics(model, 7);
        var thresholds = PruneAThird(model);
        using var masks = model.ComputeMasks(thresholds);
        var result = NetworkCompression.Compress(model, masks, QuantizationMode.LayerScaled, thresholds);
        // 150 inputs, and chunks of 64 set below: convolutional deployments run in chunks (and pool before their
        // ReLUs) while the Bayesian model runs the batch whole, in the source's order.
        using var x = randn(new[] { 150L }.Concat(shape).ToArray(), generator: new torch.Generator(8));

        // Unrounded weights: the deployment reproduces the Bayesian posterior-mean forward with the same masks.
        model.eval();
        model.ApplyMasks(masks);
        using var expected = model.forward(x);
        using var compressed = deploy(CompressedModel.From(model, result, quantized: false));
        ChunkIn64s(compressed);
        using var actual = compressed.forward(x);
        Assert.True(actual.allclose(expected, rtol: 0, atol: 1e-5), $"max difference {(actual - expected).abs().max().item<float>()}");

        // Quantised weights: the same, against the Bayesian model running the quantised weights.
        NetworkCompression.ApplyTo(model, masks, result, quantized: true);
        using var expectedQ = model.forward(x);
        using var compressedQ = deploy(CompressedModel.From(model, result));
        ChunkIn64s(compressedQ);
        using var actualQ = compressedQ.forward(x);
        Assert.True(actualQ.allclose(expectedQ, rtol: 0, atol: 1e-5), $"max difference {(actualQ - expectedQ).abs().max().item<float>()}");

        // The layers are physically smaller: every kept block has the kept counts.
        var parameters = compressed.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        foreach (var layer in result.Layers)
            Assert.Equal(layer.KeptShape, parameters[layer.Name + ".weight"]);
        Assert.True(result.PruningRate > 1.2, $"pruning rate {result.PruningRate}");
    }

    [Fact]
    public void Chunk_rows_keep_the_largest_convolution_output_within_the_budget()
    {
        // TinyLeNet, 1×14×14: conv1 (3×3) gives 12×12 per kept filter, pooled to 6×6; conv2 (3×3) 4×4.
        using var model = new TinyLeNet.Bayesian(new TinyLeNet(), Seeded(3));
        using var masks = model.ComputeMasks(new PruningThresholds().Set("conv1", double.MaxValue).Set("conv2", double.MaxValue));
        var compressed = CompressedModel.From(model, NetworkCompression.Compress(model, masks), quantized: false);
        Assert.Equal(4 * 12 * 12, BatchChunks.LargestConvolutionBuffer(compressed, im2col: false));
        Assert.Equal(1 * 9 * 12 * 12, BatchChunks.LargestConvolutionBuffer(compressed, im2col: true));   // conv1's unfolded input
        Assert.Equal(BatchChunks.MaxRows, BatchChunks.DefaultRows(compressed, im2col: false));   // 3 MiB / 2,304 B is over the cap
        Assert.Equal(606, BatchChunks.DefaultRows(compressed, im2col: true));                     // 3 MiB / 5,184 B
        BayesGen.Torch.LibTorchFixes.Apply();   // settle the process's convolution backend before reading the default
        using var deployed = TinyLeNet.Compressed.From(compressed);
        Assert.Equal(BatchChunks.DefaultRows(compressed), deployed.ChunkRows);

        // Without convolutions: whole batches.
        using var mlp = new WideMlp.Bayesian(new WideMlp(), Seeded(3));
        using var mlpMasks = mlp.ComputeMasks();
        Assert.Equal(0, BatchChunks.DefaultRows(CompressedModel.From(mlp, NetworkCompression.Compress(mlp, mlpMasks))));
    }

    [Fact]
    public void Chunk_rows_for_LeNet5_follow_its_kept_conv1_filters()
    {
        // conv1 5×5 on 28×28 → 24×24 per filter: all 20 kept → 3 MiB / (4 B · 20 · 576) = 68 rows; 6 kept → 227 (oneDNN).
        var entry = BayesGen.Samples.Models.ModelCatalog.Find("lenet5", "gnj");
        using var plain = entry.CreatePlain();
        using var model = entry.CreateBayesian(plain, Seeded(4));
        var keepAll = new PruningThresholds();
        foreach (var (name, _) in model.BayesianLayers) keepAll.Set(name, double.MaxValue);
        using var all = model.ComputeMasks(keepAll);
        var dense = CompressedModel.From(model, NetworkCompression.Compress(model, all, thresholds: keepAll), quantized: false);
        Assert.Equal(68, BatchChunks.DefaultRows(dense, im2col: false));
        Assert.Equal(24, BatchChunks.DefaultRows(dense, im2col: true));   // conv2 unfolds 20 · 25 · 64 values per image

        using (no_grad()) model.Layer("conv1").Scale.parameters().First().add_(randn(20, generator: new torch.Generator(5)));
        using var spread = model.Layer("conv1").Scale.PruningStatistic();
        var sorted = spread.data<float>().ToArray().Order().ToArray();
        var six = keepAll.Set("conv1", 0.5 * (sorted[5] + sorted[6]));   // GNJ keeps log α below the threshold: the six lowest
        using var pruned = model.ComputeMasks(six);
        var compressed = CompressedModel.From(model, NetworkCompression.Compress(model, pruned, thresholds: six), quantized: false);
        Assert.Equal(6, compressed.Layer("conv1").KeptOutputs.Length);
        Assert.Equal(227, BatchChunks.DefaultRows(compressed, im2col: false));
        Assert.Equal(54, BatchChunks.DefaultRows(compressed, im2col: true));   // conv1 unfolds 25 · 576 values per image
    }

    [Theory]
    [InlineData("resnet")]
    [InlineData("resnet-wide")]
    public void An_artifact_finds_the_sample_of_its_width_though_both_are_one_class(string name)
    {
        // resnet and resnet-wide are the same ResNet class at widths 8 and 16: the artifact's layer shapes tell them
        // apart, so bench and evaluate build the right dense twin and the conformance check passes.
        var entry = BayesGen.Samples.Models.ModelCatalog.Find(name, "gnj");
        using var plain = entry.CreatePlain();
        using var model = entry.CreateBayesian(plain, Seeded(3));
        var keepAll = new PruningThresholds();
        foreach (var (layer, _) in model.BayesianLayers) keepAll.Set(layer, double.MaxValue);
        using var all = model.ComputeMasks(keepAll);
        model.RecordGraph([1, 28, 28]);
        var dense = CompressedModel.From(model, NetworkCompression.Compress(model, all, thresholds: keepAll), quantized: false);
        var found = BayesGen.Samples.Models.ModelCatalog.ForArtifact(dense);
        Assert.NotNull(found);
        Assert.Equal(name, found.Name);
        Assert.Equal(name == "resnet" ? 8 : 16, dense.Layer("layers.stem").KeptOutputs.Length);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Artifact_round_trips_bit_exactly_and_the_generic_loader_agrees(string name)
    {
        var (model, deploy, shape) = Create(name, 9);
        using var _ = model;
        var thresholds = PruneAThird(model);
        using var masks = model.ComputeMasks(thresholds);
        var result = NetworkCompression.Compress(model, masks, QuantizationMode.LayerScaled, thresholds);
        // Something was pruned, so the round trip carries kept-unit sets, gathers and a smaller payload, not the dense network.
        Assert.True(result.PruningRate > 1.2, $"{name}: pruning rate {result.PruningRate}");
        Assert.Contains(result.Layers, l => l.KeptOutputs.Length < l.OutputUnits);
        var original = CompressedModel.From(model, result);
        var path = Path.Combine(dir, name + ".bgc");
        original.Save(path);
        var loaded = CompressedModel.Load(path);
        foreach (var (a, b) in original.Layers.Zip(loaded.Layers))
        {
            Assert.Equal(a.Quantized!.Codes, b.Quantized!.Codes);
            Assert.Equal(a.Weights, b.Weights);
            Assert.Equal(a.Bias, b.Bias);
            Assert.Equal(a.KeptInputs, b.KeptInputs);
            Assert.Equal(a.KeptOutputs, b.KeptOutputs);
        }
        using var x = randn(new[] { 150L }.Concat(shape).ToArray());
        using var generated = deploy(loaded);
        using var generic = loaded.CreateNetwork();
        ChunkIn64s(generated);
        if (generic.ChunkRows > 0) generic.ChunkRows = 64;   // the same chunks as the generated class: the same sums, bit for bit
        using var y1 = generated.forward(x);
        using var y2 = generic.forward(x);
        Assert.True(y1.allclose(y2, 0, 0));
    }

    [Fact]
    public void A_compressed_model_of_another_network_is_refused_with_the_difference()
    {
        using var model = new TinyLeNet.Bayesian(new TinyLeNet(), Seeded(10));
        using var masks = model.ComputeMasks();
        var compressed = CompressedModel.From(model, NetworkCompression.Compress(model, masks));
        var e = Assert.Throws<InvalidDataException>(() => WideMlp.Compressed.From(compressed));
        Assert.Contains("does not fit WideMlp.Compressed", e.Message);
        Assert.Contains("made from BayesGen.Tests.Generated.TinyLeNet", e.Message);
    }

    [Fact]
    public void A_residual_unit_goes_only_when_every_reader_of_the_sum_drops_it()
    {
        // ResidualMlp: fc2(x + relu(fc1(x))). x, fc1's output and the sum are one channel space; its readers are fc1
        // (reading x) and fc2 (reading the sum), its writers the input and fc1 (neither can judge a unit).
        using var model = new ResidualMlp.Bayesian(new ResidualMlp(), Seeded(11));
        model.RecordGraph(new long[] { 6 });
        PruneGnj(model.Layer("fc1"), 3);
        using (var masks = model.ComputeMasks())
        {
            Assert.Equal(new[] { 1, 1, 1, 0, 1, 1 }, Bits(masks["fc1"].Input));    // fc1 itself no longer reads unit 3 …
            Assert.Equal(new[] { 1, 1, 1, 1, 1, 1 }, Bits(masks["fc1"].Output));   // … but fc2 reads it in the sum
            Assert.Equal(new[] { 1, 1, 1, 1, 1, 1 }, Bits(masks["fc2"].Input));
        }
        PruneGnj(model.Layer("fc2"), 3, 5);
        using (var masks = model.ComputeMasks())
        {
            Assert.Equal(new[] { 1, 1, 1, 0, 1, 1 }, Bits(masks["fc1"].Input));
            Assert.Equal(new[] { 1, 1, 1, 0, 1, 1 }, Bits(masks["fc1"].Output));   // unit 3 leaves the stream; 5 stays for fc1
            Assert.Equal(new[] { 1, 1, 1, 0, 1, 0 }, Bits(masks["fc2"].Input));
            Assert.Equal(new[] { 1, 1 }, Bits(masks["fc2"].Output));
            var result = NetworkCompression.Compress(model, masks);
            NetworkCompression.ApplyTo(model, masks, result, quantized: false);
            model.eval();
            using var x = randn(50, 6, generator: new torch.Generator(3));
            using var expected = model.forward(x);
            using var deployed = ResidualMlp.Compressed.From(CompressedModel.From(model, result, quantized: false));
            using var actual = deployed.forward(x);
            Assert.True(actual.allclose(expected, 1e-5, 1e-5), $"max difference {(actual - expected).abs().max().item<float>()}");
        }
    }

    [Fact]
    [Trait("Category", "Training")]
    public void Generated_models_train_prune_and_deploy_on_MNIST()
    {
        using var train = Mnist.Train.Take(3_000);
        using var test = Mnist.Test.Take(1_000);
        using var model = new ConvBnNet.Bayesian(new ConvBnNet(), Seeded(12));
        var result = new BayesianTrainer(new TrainingOptions { Epochs = 2, BatchSize = 64 }).Train(model, train, test);
        Assert.All(result.History, h => Assert.True(double.IsFinite(h.Loss)));
        Assert.True(result.Last.TestErrorPercent < 30, $"test error {result.Last.TestErrorPercent} %");
        using var masks = model.ComputeMasks();
        var compression = NetworkCompression.Compress(model, masks);
        using var deployed = ConvBnNet.Compressed.From(CompressedModel.From(model, compression));
        double deployedError = Evaluation.ErrorPercent(deployed, test);
        NetworkCompression.ApplyTo(model, masks, compression);
        Assert.Equal(Evaluation.ErrorPercent(model, test), deployedError, 1);
    }
}
