using BayesGen.Compression;
using BayesGen.Deployment;
using BayesGen.Layers;
using BayesGen.Tests.Generated.Classic;
using BayesGen.Tests.Generated.Everyday;
using BayesGen.Tests.Generated.Resampling;
using BayesGen.Tests.Generated.UserStyle;
using BayesGen.Tests.Support;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using TorchSharp;
using static TorchSharp.torch;
using static BayesGen.Tests.Support.BayesianSetup;

namespace BayesGen.Tests.Generated;

/// <summary>
/// Networks written as users write them (<see cref="UserStyle"/>, and PyTorch's classic architectures as ported in
/// <see cref="Classic"/>), end to end: each trains a few steps, prunes with
/// masks propagated across its layers, and its compressed deployment computes what the masked Bayesian model
/// computes, within 1e-5, from memory, after Save/Load, and through ONNX Runtime.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class UserStyleNetworkTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bayesgen-users-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private sealed record Case(Func<BayesianNetwork> Create, Func<CompressedModel, CompressedNetwork> Load, Func<string, CompressedNetwork> LoadFile, long[] Input);

    private static Case Of<TNet>(Func<TNet> plain, Func<TNet, BayesianOptions, BayesianNetwork> bayesian, Func<CompressedModel, CompressedNetwork> from,
        Func<string, CompressedNetwork> load, params long[] input)
        => new(() => bayesian(plain(), Seeded(5)), from, load, input);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["MnistStyleNet"] = Of(() => new MnistStyleNet(), (p, o) => new MnistStyleNet.Bayesian(p, o), MnistStyleNet.Compressed.From, MnistStyleNet.Compressed.Load, 1, 28, 28),
        ["SequentialMlp"] = Of(() => new SequentialMlp(), (p, o) => new SequentialMlp.Bayesian(p, o), SequentialMlp.Compressed.From, SequentialMlp.Compressed.Load, 1, 28, 28),
        ["VggStyleNet"] = Of(() => new VggStyleNet(), (p, o) => new VggStyleNet.Bayesian(p, o), VggStyleNet.Compressed.From, VggStyleNet.Compressed.Load, 1, 28, 28),
        ["M5StyleNet"] = Of(() => new M5StyleNet(), (p, o) => new M5StyleNet.Bayesian(p, o), M5StyleNet.Compressed.From, M5StyleNet.Compressed.Load, 1, 400),
        ["ResNetStyleNet"] = Of(() => new ResNetStyleNet(), (p, o) => new ResNetStyleNet.Bayesian(p, o), ResNetStyleNet.Compressed.From, ResNetStyleNet.Compressed.Load, 1, 12, 12),
        ["MobileNetStyleNet"] = Of(() => new MobileNetStyleNet(), (p, o) => new MobileNetStyleNet.Bayesian(p, o), MobileNetStyleNet.Compressed.From, MobileNetStyleNet.Compressed.Load, 1, 12, 12),
        ["ConcatNet"] = Of(() => new ConcatNet(), (p, o) => new ConcatNet.Bayesian(p, o), ConcatNet.Compressed.From, ConcatNet.Compressed.Load, 1, 8, 8),
        ["AlexNetStyleNet"] = Of(() => new AlexNetStyleNet(), (p, o) => new AlexNetStyleNet.Bayesian(p, o), AlexNetStyleNet.Compressed.From, AlexNetStyleNet.Compressed.Load, 3, 16, 16),
        ["PropertyNet"] = Of(() => new PropertyNet(), (p, o) => new PropertyNet.Bayesian(p, o), PropertyNet.Compressed.From, PropertyNet.Compressed.Load, 20),
        ["ActivationZoo"] = Of(() => new ActivationZoo(), (p, o) => new ActivationZoo.Bayesian(p, o), ActivationZoo.Compressed.From, ActivationZoo.Compressed.Load, 2, 8, 8),
        ["BottleneckResNet"] = Of(() => new BottleneckResNet(), (p, o) => new BottleneckResNet.Bayesian(p, o), BottleneckResNet.Compressed.From, BottleneckResNet.Compressed.Load, 3, 16, 16),
        ["InvertedResidualNet"] = Of(() => new InvertedResidualNet(), (p, o) => new InvertedResidualNet.Bayesian(p, o), InvertedResidualNet.Compressed.From, InvertedResidualNet.Compressed.Load, 1, 16, 16),
        ["DenseBlockNet"] = Of(() => new DenseBlockNet(), (p, o) => new DenseBlockNet.Bayesian(p, o), DenseBlockNet.Compressed.From, DenseBlockNet.Compressed.Load, 1, 12, 12),
        ["FunctionalNet"] = Of(() => new FunctionalNet(), (p, o) => new FunctionalNet.Bayesian(p, o), FunctionalNet.Compressed.From, FunctionalNet.Compressed.Load, 1, 28, 28),
        ["DisposingNet"] = Of(() => new DisposingNet(), (p, o) => new DisposingNet.Bayesian(p, o), DisposingNet.Compressed.From, DisposingNet.Compressed.Load, 1, 28, 28),
        ["ResidualBlocksMlp"] = Of(() => new ResidualBlocksMlp(), (p, o) => new ResidualBlocksMlp.Bayesian(p, o), ResidualBlocksMlp.Compressed.From, ResidualBlocksMlp.Compressed.Load, 20),
        ["SqueezeExciteNet"] = Of(() => new SqueezeExciteNet(), (p, o) => new SqueezeExciteNet.Bayesian(p, o), SqueezeExciteNet.Compressed.From, SqueezeExciteNet.Compressed.Load, 3, 16, 16),
        ["ScopedHelperNet"] = Of(() => new ScopedHelperNet(), (p, o) => new ScopedHelperNet.Bayesian(p, o), ScopedHelperNet.Compressed.From, ScopedHelperNet.Compressed.Load, 1, 12, 12),
        ["TupleArgsNet"] = Of(() => new TupleArgsNet(), (p, o) => new TupleArgsNet.Bayesian(p, o), TupleArgsNet.Compressed.From, TupleArgsNet.Compressed.Load, 3, 15, 15),
        ["TokenMlp"] = Of(() => new TokenMlp(), (p, o) => new TokenMlp.Bayesian(p, o), TokenMlp.Compressed.From, TokenMlp.Compressed.Load, 7, 10),
        ["TwoTowerMlp"] = Of(() => new TwoTowerMlp(), (p, o) => new TwoTowerMlp.Bayesian(p, o), TwoTowerMlp.Compressed.From, TwoTowerMlp.Compressed.Load, 6),
        ["GlobalPoolNet"] = Of(() => new GlobalPoolNet(), (p, o) => new GlobalPoolNet.Bayesian(p, o), GlobalPoolNet.Compressed.From, GlobalPoolNet.Compressed.Load, 2, 12, 12),
        ["DerivedNet"] = Of(() => new DerivedNet(), (p, o) => new DerivedNet.Bayesian(p, o), DerivedNet.Compressed.From, DerivedNet.Compressed.Load, 6),
        ["SwitchNet"] = Of(() => new SwitchNet(), (p, o) => new SwitchNet.Bayesian(p, o), SwitchNet.Compressed.From, SwitchNet.Compressed.Load, 6),
        ["ComposedNet"] = Of(() => new ComposedNet(), (p, o) => new ComposedNet.Bayesian(p, o), ComposedNet.Compressed.From, ComposedNet.Compressed.Load, 10),
        ["BlockHelperNet"] = Of(() => new BlockHelperNet(), (p, o) => new BlockHelperNet.Bayesian(p, o), BlockHelperNet.Compressed.From, BlockHelperNet.Compressed.Load, 8),
        ["TupleListNet"] = Of(() => new TupleListNet(), (p, o) => new TupleListNet.Bayesian(p, o), TupleListNet.Compressed.From, TupleListNet.Compressed.Load, 2, 64),
        ["ShuffleNetV2Style"] = Of(() => new ShuffleNetV2Style(), (p, o) => new ShuffleNetV2Style.Bayesian(p, o), ShuffleNetV2Style.Compressed.From, ShuffleNetV2Style.Compressed.Load, 1, 12, 12),
        ["ShuffleNetV1Style"] = Of(() => new ShuffleNetV1Style(), (p, o) => new ShuffleNetV1Style.Bayesian(p, o), ShuffleNetV1Style.Compressed.From, ShuffleNetV1Style.Compressed.Load, 1, 12, 12),
        ["InceptionResidualNet"] = Of(() => new InceptionResidualNet(), (p, o) => new InceptionResidualNet.Bayesian(p, o), InceptionResidualNet.Compressed.From, InceptionResidualNet.Compressed.Load, 1, 12, 12),
        ["StochasticDepthNet"] = Of(() => new StochasticDepthNet(), (p, o) => new StochasticDepthNet.Bayesian(p, o), StochasticDepthNet.Compressed.From, StochasticDepthNet.Compressed.Load, 1, 12, 12),
        ["SqueezeNetStyle"] = Of(() => new SqueezeNetStyle(), (p, o) => new SqueezeNetStyle.Bayesian(p, o), SqueezeNetStyle.Compressed.From, SqueezeNetStyle.Compressed.Load, 1, 16, 16),
        ["GatedConvNet"] = Of(() => new GatedConvNet(), (p, o) => new GatedConvNet.Bayesian(p, o), GatedConvNet.Compressed.From, GatedConvNet.Compressed.Load, 2, 12, 12),
        ["LinqBranchNet"] = Of(() => new LinqBranchNet(), (p, o) => new LinqBranchNet.Bayesian(p, o), LinqBranchNet.Compressed.From, LinqBranchNet.Compressed.Load, 1, 12, 12),
        ["SelfNormalizingMlp"] = Of(() => new SelfNormalizingMlp(), (p, o) => new SelfNormalizingMlp.Bayesian(p, o), SelfNormalizingMlp.Compressed.From, SelfNormalizingMlp.Compressed.Load, 20),
        ["ConcatPoolNet"] = Of(() => new ConcatPoolNet(), (p, o) => new ConcatPoolNet.Bayesian(p, o), ConcatPoolNet.Compressed.From, ConcatPoolNet.Compressed.Load, 1, 12, 12),
        ["SignalMaxPoolNet"] = Of(() => new SignalMaxPoolNet(), (p, o) => new SignalMaxPoolNet.Bayesian(p, o), SignalMaxPoolNet.Compressed.From, SignalMaxPoolNet.Compressed.Load, 2, 32),
        ["RangeSliceNet"] = Of(() => new RangeSliceNet(), (p, o) => new RangeSliceNet.Bayesian(p, o), RangeSliceNet.Compressed.From, RangeSliceNet.Compressed.Load, 1, 12, 12),
        ["NamedArgumentsNet"] = Of(() => new NamedArgumentsNet(), (p, o) => new NamedArgumentsNet.Bayesian(p, o), NamedArgumentsNet.Compressed.From, NamedArgumentsNet.Compressed.Load, 1, 28, 28),
        ["DeviceAwareNet"] = Of(() => new DeviceAwareNet("mnist", 10), (p, o) => new DeviceAwareNet.Bayesian(p, o), DeviceAwareNet.Compressed.From, DeviceAwareNet.Compressed.Load, 1, 28, 28),
        ["AutoEncoderMlp"] = Of(() => new AutoEncoderMlp(), (p, o) => new AutoEncoderMlp.Bayesian(p, o), AutoEncoderMlp.Compressed.From, AutoEncoderMlp.Compressed.Load, 64),
        ["ConvBlockFactoryNet"] = Of(() => new ConvBlockFactoryNet(), (p, o) => new ConvBlockFactoryNet.Bayesian(p, o), ConvBlockFactoryNet.Compressed.From, ConvBlockFactoryNet.Compressed.Load, 1, 16, 16),
        ["CollectionExpressionNet"] = Of(() => new CollectionExpressionNet(), (p, o) => new CollectionExpressionNet.Bayesian(p, o), CollectionExpressionNet.Compressed.From, CollectionExpressionNet.Compressed.Load, 3, 12, 12),
        ["LocalFunctionNet"] = Of(() => new LocalFunctionNet(), (p, o) => new LocalFunctionNet.Bayesian(p, o), LocalFunctionNet.Compressed.From, LocalFunctionNet.Compressed.Load, 2, 16, 16),
        ["ShapeCheckNet"] = Of(() => new ShapeCheckNet(), (p, o) => new ShapeCheckNet.Bayesian(p, o), ShapeCheckNet.Compressed.From, ShapeCheckNet.Compressed.Load, 1, 28, 28),
        ["ConvertingNet"] = Of(() => new ConvertingNet(), (p, o) => new ConvertingNet.Bayesian(p, o), ConvertingNet.Compressed.From, ConvertingNet.Compressed.Load, 1, 28, 28),
        ["NullConditionalResNet"] = Of(() => new NullConditionalResNet(), (p, o) => new NullConditionalResNet.Bayesian(p, o), NullConditionalResNet.Compressed.From, NullConditionalResNet.Compressed.Load, 3, 16, 16),
        ["EncoderClassifier"] = Of(() => new EncoderClassifier(), (p, o) => new EncoderClassifier.Bayesian(p, o), EncoderClassifier.Compressed.From, EncoderClassifier.Compressed.Load, 16),
        ["ListBuiltNet"] = Of(() => new ListBuiltNet(), (p, o) => new ListBuiltNet.Bayesian(p, o), ListBuiltNet.Compressed.From, ListBuiltNet.Compressed.Load, 1, 12, 12),
        ["LrnStemNet"] = Of(() => new LrnStemNet(), (p, o) => new LrnStemNet.Bayesian(p, o), LrnStemNet.Compressed.From, LrnStemNet.Compressed.Load, 3, 24, 24),
        ["SegmentationHeadNet"] = Of(() => new SegmentationHeadNet(), (p, o) => new SegmentationHeadNet.Bayesian(p, o), SegmentationHeadNet.Compressed.From, SegmentationHeadNet.Compressed.Load, 2, 10, 10),
        ["SuperResolutionNet"] = Of(() => new SuperResolutionNet(), (p, o) => new SuperResolutionNet.Bayesian(p, o), SuperResolutionNet.Compressed.From, SuperResolutionNet.Compressed.Load, 1, 8, 8),
        ["UNetStyleNet"] = Of(() => new UNetStyleNet(), (p, o) => new UNetStyleNet.Bayesian(p, o), UNetStyleNet.Compressed.From, UNetStyleNet.Compressed.Load, 1, 16, 16),
        ["StyleTransferNet"] = Of(() => new StyleTransferNet(), (p, o) => new StyleTransferNet.Bayesian(p, o), StyleTransferNet.Compressed.From, StyleTransferNet.Compressed.Load, 3, 16, 16),
        ["SignalResamplingNet"] = Of(() => new SignalResamplingNet(), (p, o) => new SignalResamplingNet.Bayesian(p, o), SignalResamplingNet.Compressed.From, SignalResamplingNet.Compressed.Load, 2, 32),
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void Trains_prunes_across_layers_and_deploys_what_the_masked_model_computes(string name)
    {
        var c = Cases[name];
        using var model = c.Create();
        using var x = randn(new[] { 24L }.Concat(c.Input).ToArray(), generator: new torch.Generator(9));
        TrainAFewSteps(model, x);

        Spread(model);
        var thresholds = PruneAThird(model);
        using var masks = model.ComputeMasks(thresholds);
        Assert.Contains(masks.Layers, l => l.Masks.KeptInputs < l.Masks.Input.shape[0] || l.Masks.KeptOutputs < l.Masks.Output.shape[0]);
        var result = NetworkCompression.Compress(model, masks, QuantizationMode.LayerScaled, thresholds);
        Assert.True(result.PruningRate > 1, $"{name}: pruning rate {result.PruningRate}");

        // Unrounded weights: the deployment is the masked posterior-mean forward.
        model.eval();
        NetworkCompression.ApplyTo(model, masks, result, quantized: false);
        using var expected = model.forward(x);
        using var deployed = c.Load(CompressedModel.From(model, result, quantized: false));
        using var actual = deployed.forward(x);
        AssertClose(expected, actual, name);
        // BatchNorms after a layer are folded into its weights by default; unfolded, the same outputs.
        Assert.Equal(name is "VggStyleNet" or "M5StyleNet" or "ResNetStyleNet" or "MobileNetStyleNet" or "BottleneckResNet" or "InvertedResidualNet" or "TupleListNet" or "TupleArgsNet" or "ShuffleNetV2Style" or "ShuffleNetV1Style" or "StochasticDepthNet" or "NamedArgumentsNet" or "ConvBlockFactoryNet" or "LocalFunctionNet" or "NullConditionalResNet" or "UNetStyleNet", deployed.FoldableBatchNorms > 0);
        deployed.FoldBatchNorm = false;
        using (var unfolded = deployed.forward(x)) AssertClose(expected, unfolded, name + " (BatchNorm not folded)");
        deployed.FoldBatchNorm = true;

        // Profiling times every node of the graph, names the layers, gives each node's shape per example, and leaves
        // the outputs as they were.
        var profile = deployed.Profile(x, rounds: 2);
        Assert.Equal(deployed.Model.Graph.Nodes.Count - 1, profile.Count);
        Assert.All(profile, n => Assert.True(n.Milliseconds >= 0, $"{name}: node {n.Node} took {n.Milliseconds} ms"));
        Assert.Equal(actual.shape.Skip(1), profile.Single(n => n.Node == deployed.Model.Graph.Output).Shape);
        Assert.Equal(deployed.Model.Layers.Select(l => l.Name).Order(), profile.Where(n => n.Operation == "layer").Select(n => n.Layer!).Distinct().Order());
        using (var again = deployed.forward(x)) AssertClose(actual, again, name + " (after profiling)");
        Assert.Equal("rounds", Assert.Throws<ArgumentOutOfRangeException>(() => deployed.Profile(x, rounds: 0)).ParamName);

        // Quantised weights, through the file: Save, Load with the generated class, and ONNX Runtime.
        NetworkCompression.ApplyTo(model, masks, result, quantized: true);
        using var expectedQ = model.forward(x);
        var path = Path.Combine(dir, name + ".bgc");
        var compressed = CompressedModel.From(model, result);
        compressed.Save(path);
        using var loaded = c.LoadFile(path);
        using var actualQ = loaded.forward(x);
        AssertClose(expectedQ, actualQ, name + " (loaded)");
        var exported = OnnxExport.Export(compressed);
        OnnxChecker.Check(exported, name);
        var onnx = RunOnnx(exported, x);
        AssertClose(expectedQ, onnx, name + " (ONNX Runtime)");
    }

    private static void TrainAFewSteps(BayesianNetwork model, Tensor x)
    {
        model.train();
        using var optimizer = optim.Adam(model.parameters(), 1e-2);
        var first = model.BayesianLayers[0].Layer.WeightMu.detach().clone();
        for (int step = 0; step < 3; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = model.forward(x).square().mean() + model.KL() / 1000;
            Assert.True(double.IsFinite(loss.item<float>()), "the objective must be finite");
            loss.backward();
            optimizer.step();
            model.ClipVariances();
        }
        Assert.False(first.allclose(model.BayesianLayers[0].Layer.WeightMu), "training must move the weights");
    }

    /// <summary>Spreads the scale posteriors so that the statistics differ and a third of each layer can go.</summary>
    private static void Spread(BayesianNetwork model)
    {
        using var _ = no_grad();
        using var generator = new torch.Generator(7);
        foreach (var (_, layer) in model.BayesianLayers)
            foreach (var p in layer.Scale.parameters()) p.add_(randn(p.shape, generator: generator) * 0.5);
    }

    private static PruningThresholds PruneAThird(BayesianNetwork model)
    {
        var thresholds = new PruningThresholds();
        foreach (var (name, layer) in model.BayesianLayers)
        {
            using var s = layer.Scale.PruningStatistic();
            var sorted = s.data<float>().ToArray().OrderBy(v => v).ToArray();
            int k = Math.Max(1, sorted.Length / 3);
            double cut = layer.Scale.Direction == PruneDirection.Above ? sorted[^(k + 1)] + 1e-6 : sorted[k - 1] + 1e-6;
            thresholds.Set(name, cut);
        }
        return thresholds;
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        double max = (expected - actual).abs().max().item<float>();
        Assert.True(max <= 1e-5, $"{what}: max difference {max}");
    }

    private static Tensor RunOnnx(byte[] model, Tensor x)
    {
        using var session = new InferenceSession(model);
        var input = new DenseTensor(x.contiguous().data<float>().ToArray(), x.shape.Select(d => (int)d).ToArray());
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.First(), input) });
        var output = results.First().AsTensor<float>();
        return tensor(output.ToArray(), output.Dimensions.ToArray().Select(d => (long)d).ToArray());
    }
}
