using BayesGen.Compression;
using BayesGen.Conversion;
using BayesGen.Deployment;
using BayesGen.Graph;
using BayesGen.Layers;
using BayesGen.Tracing;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static BayesGen.Tests.Support.GraphRecording;
using F = TorchSharp.torch.nn.functional;

namespace BayesGen.Tests.Graph;

/// <summary>
/// Padding and resizing (the padding modules, <c>Upsample</c>, <c>pad</c>, <c>interpolate</c>), local response
/// normalisation, Softmax2d and PixelShuffle: the Bayesian model's
/// counterpart of each module computes exactly what TorchSharp's module computes, the recorded operation replays it,
/// the shape it infers is the one LibTorch produces, and what cannot be deployed is refused by name.
/// </summary>
public class ResamplingRecordingTests
{
    public static TheoryData<string> Modules => new(ModuleCases.Keys);

    private static readonly Dictionary<string, (Func<nn.Module<Tensor, Tensor>> Create, long[] Input)> ModuleCases = new()
    {
        ["ZeroPad2d(1)"] = (() => nn.ZeroPad2d(1), new long[] { 2, 3, 5, 6 }),
        ["ZeroPad2d(0, 1, 2, 3)"] = (() => nn.ZeroPad2d((0, 1, 2, 3)), new long[] { 2, 3, 5, 6 }),
        ["ConstantPad2d(2, 0.5)"] = (() => nn.ConstantPad2d(2, 0.5), new long[] { 2, 3, 4, 4 }),
        ["ConstantPad1d((1, 2), -1)"] = (() => nn.ConstantPad1d((1, 2), -1), new long[] { 2, 3, 7 }),
        ["ReflectionPad2d(1, 2, 0, 1)"] = (() => nn.ReflectionPad2d((1, 2, 0, 1)), new long[] { 2, 3, 5, 6 }),
        ["ReflectionPad1d(2)"] = (() => nn.ReflectionPad1d(2), new long[] { 2, 3, 7 }),
        ["ReplicationPad2d(1)"] = (() => nn.ReplicationPad2d(1), new long[] { 2, 3, 5, 6 }),
        ["ReplicationPad1d((0, 3))"] = (() => nn.ReplicationPad1d((0, 3)), new long[] { 2, 3, 7 }),
        ["Upsample ×2 nearest"] = (() => nn.Upsample(scale_factor: new[] { 2.0, 2.0 }), new long[] { 2, 3, 5, 6 }),
        ["Upsample to 7×9 nearest"] = (() => nn.Upsample(size: new long[] { 7, 9 }), new long[] { 2, 3, 5, 6 }),
        ["Upsample ×1.5×2 bilinear"] = (() => nn.Upsample(scale_factor: new[] { 1.5, 2.0 }, mode: UpsampleMode.Bilinear, align_corners: false), new long[] { 2, 3, 4, 5 }),
        ["Upsample ×2 bilinear, corners"] = (() => nn.Upsample(scale_factor: new[] { 2.0, 2.0 }, mode: UpsampleMode.Bilinear, align_corners: true), new long[] { 2, 3, 4, 5 }),
        ["Upsample ×2.5 bilinear, recomputed"] = (() => nn.Upsample(scale_factor: new[] { 2.5, 2.5 }, mode: UpsampleMode.Bilinear, align_corners: false, recompute_scale_factor: true), new long[] { 2, 3, 3, 5 }),
        ["LocalResponseNorm(5)"] = (() => nn.LocalResponseNorm(5, alpha: 1e-3, beta: 0.75, k: 2), new long[] { 2, 7, 5, 6 }),
        ["LocalResponseNorm(4) on 1-D"] = (() => nn.LocalResponseNorm(4), new long[] { 2, 6, 9 }),
        ["Softmax2d"] = (() => nn.Softmax2d(), new long[] { 2, 3, 5, 6 }),
        ["PixelShuffle(3)"] = (() => nn.PixelShuffle(3), new long[] { 2, 18, 4, 5 }),
        ["Upsample to 11 linear, corners"] = (() => nn.Upsample(size: new long[] { 11 }, mode: UpsampleMode.Linear, align_corners: true), new long[] { 2, 3, 7 }),
    };

    [Theory]
    [MemberData(nameof(Modules))]
    public void The_counterpart_of_each_module_computes_what_TorchSharp_computes_and_its_record_replays_it(string name)
    {
        var (create, shape) = ModuleCases[name];
        using var module = create();
        using var counterpart = new ModuleConverter(new PriorSettings(PriorKind.GroupNJ)).Module(module, "m");
        Assert.IsType<OpModule>(counterpart);
        using var x = randn(shape, generator: new torch.Generator(3));
        using var expected = module.forward(x);
        using var actual = counterpart.forward(x);
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.allclose(actual, rtol: 0, atol: 0), $"{name}: max difference {(expected - actual).abs().max().item<float>()}");

        var graph = Record(x, t => counterpart.forward(t));
        var node = Assert.Single(graph.Nodes.Skip(1));
        Assert.Equal(expected.shape, node.Shape);
        Assert.Equal(expected.shape, node.Op.InferShape(new[] { x.shape }));
        using var replayed = OpKernels.Run(node.Op, new[] { x }, training: false);
        Assert.True(expected.allclose(replayed, rtol: 0, atol: 0), $"{name}: the recorded {node.Op.Describe()} computes something else");
    }

    [Fact]
    public void F_pad_forms_record_the_pads_TorchSharp_applies()
    {
        using var x = randn(new long[] { 1, 2, 4, 5 }, generator: new torch.Generator(4));
        foreach (var (label, call, expectedPads) in new (string, Func<Tensor, Tensor>, long[])[]
        {
            ("array", t => Ops.Pad(t, new long[] { 1, 0, 2, 1 }, PaddingModes.Replicate), new long[] { 1, 0, 2, 1 }),
            ("pair", t => Ops.Pad(t, (2, 1), PaddingModes.Constant, 2), new long[] { 2, 1 }),
            ("quadruple", t => Ops.Pad(t, (0, 1, 1, 0), PaddingModes.Constant, 3), new long[] { 0, 1, 1, 0 }),
        })
        {
            var graph = Record(x, call);
            var pad = Assert.IsType<PadOp>(Assert.Single(graph.Nodes.Skip(1)).Op);
            Assert.Equal(expectedPads, pad.Pads);
            using var replayed = OpKernels.Run(pad, new[] { x }, training: false);
            using var direct = call(x);
            Assert.True(direct.allclose(replayed, rtol: 0, atol: 0), label);
        }
        // A single size: TorchSharp pads every dimension with it, the batch and the channels included, which is refused.
        using (var torchSharp = F.pad(x, 1L)) Assert.Equal(new long[] { 3, 4, 6, 7 }, torchSharp.shape);
        Assert.Contains("pads 4 dimension(s) of [1, 2, 4, 5]", Assert.Throws<GraphRecordingException>(() => Record(x, t => Ops.Pad(t, 1L))).Message);
    }

    [Theory]
    [InlineData("circular", "pads circularly")]
    [InlineData("channels", "pads 3 dimension(s)")]
    [InlineData("crop", "negative amount")]
    [InlineData("bicubic", "Bicubic")]
    [InlineData("antialiased", "Area")]
    public void What_cannot_be_deployed_is_refused_by_name(string what, string expected)
    {
        using var x = randn(1, 2, 6, 6);
        Func<Tensor, Tensor> forward = what switch
        {
            "circular" => t => Ops.Pad(t, new long[] { 1, 1, 1, 1 }, PaddingModes.Circular),
            "channels" => t => Ops.Pad(t, new long[] { 1, 1, 1, 1, 1, 1 }),
            "crop" => t => Ops.Pad(t, new long[] { -1, -1, 0, 0 }),
            "bicubic" => t => Ops.Interpolate(t, scale: new[] { 2.0, 2.0 }, mode: InterpolationMode.Bicubic),
            _ => t => Ops.Interpolate(t, size: new long[] { 3, 3 }, mode: InterpolationMode.Area),
        };
        var e = Assert.Throws<GraphRecordingException>(() => Record(x, forward));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_removed_channel_goes_through_padding_and_resizing_but_padding_the_units_axis_pins_it()
    {
        // conv (4 → 6 channels on [N, C, L]) → pad L → upsample L → pool → flatten → fc: conv's removed filters go
        // from the pooled features fc reads, as through any positional operation.
        var kept = new[] { true, false, true, true, false, true };
        var layers = new Dictionary<string, LayerUnits>
        {
            ["conv"] = new(LayerKind.Conv1d, 4, 6, 1, kept),
            ["fc"] = new(LayerKind.Linear, 6, 3, 1, Enumerable.Repeat(true, 6).ToArray()),
        };
        var graph = new NetworkGraph(new GraphNode[]
        {
            new(new InputOp(), Array.Empty<int>(), new long[] { 1, 4, 6 }),
            new(new LayerOp("conv"), new[] { 0 }, new long[] { 1, 6, 6 }),
            new(new PadOp(new long[] { 1, 1 }, PadMode.Reflect), new[] { 1 }, new long[] { 1, 6, 8 }),
            new(new ResizeOp(ResizeMode.Linear, false, null, new[] { 2.0 }), new[] { 2 }, new long[] { 1, 6, 16 }),
            new(new AdaptivePoolOp(new long[] { 1 }), new[] { 3 }, new long[] { 1, 6, 1 }),
            new(new FlattenOp(1, 2), new[] { 4 }, new long[] { 1, 6 }),
            new(new LayerOp("fc"), new[] { 5 }, new long[] { 1, 3 }),
        }, 6);
        var spaces = ChannelSpaces.Analyze(graph, layers);
        Assert.Equal(kept, spaces.KeptAt(3));
        Assert.Equal(kept, spaces.LayerInputKept(6, layers["fc"]));

        // fc1 writes the last axis of [N, T, F] and the padding widens that axis: its units are positions of the pad
        // now, so they are pinned, and fc1's groups (its inputs) are all the pruning there is.
        var tokens = new Dictionary<string, LayerUnits>
        {
            ["fc1"] = new(LayerKind.Linear, 4, 6, 1, new[] { true, false, true, true }),
            ["fc2"] = new(LayerKind.Linear, 8, 2, 1, new[] { true, false, true, false, true, true, true, true }),
        };
        var padded = new NetworkGraph(new GraphNode[]
        {
            new(new InputOp(), Array.Empty<int>(), new long[] { 1, 5, 4 }),
            new(new LayerOp("fc1"), new[] { 0 }, new long[] { 1, 5, 6 }),
            new(new PadOp(new long[] { 1, 1 }, PadMode.Constant), new[] { 1 }, new long[] { 1, 5, 8 }),
            new(new LayerOp("fc2"), new[] { 2 }, new long[] { 1, 5, 2 }),
        }, 3);
        var tokenSpaces = ChannelSpaces.Analyze(padded, tokens);
        Assert.True(tokenSpaces.IsPinned(tokenSpaces.UnitsOf(1)!.Value.Space));
        Assert.All(tokenSpaces.KeptAt(1)!, Assert.True);
        Assert.Null(tokenSpaces.UnitsOf(2));
    }

    [Fact]
    public void Local_response_normalisation_keeps_the_channels_it_mixes()
    {
        var layers = new Dictionary<string, LayerUnits>
        {
            ["conv"] = new(LayerKind.Conv2d, 3, 4, 1, new[] { true, false, true, false }),
            ["fc"] = new(LayerKind.Linear, 4, 2, 1, Enumerable.Repeat(true, 4).ToArray()),
        };
        var graph = new NetworkGraph(new GraphNode[]
        {
            new(new InputOp(), Array.Empty<int>(), new long[] { 1, 3, 5, 5 }),
            new(new LayerOp("conv"), new[] { 0 }, new long[] { 1, 4, 5, 5 }),
            new(new LocalResponseNormOp(3), new[] { 1 }, new long[] { 1, 4, 5, 5 }),
            new(new AdaptivePoolOp(new long[] { 1, 1 }), new[] { 2 }, new long[] { 1, 4, 1, 1 }),
            new(new FlattenOp(1, 3), new[] { 3 }, new long[] { 1, 4 }),
            new(new LayerOp("fc"), new[] { 4 }, new long[] { 1, 2 }),
        }, 5);
        var spaces = ChannelSpaces.Analyze(graph, layers);
        Assert.True(spaces.IsPinned(spaces.UnitsOf(1)!.Value.Space));
        Assert.All(spaces.KeptAt(2)!, Assert.True);
        Assert.All(spaces.LayerInputKept(5, layers["fc"]), Assert.True);
    }

    [Fact]
    public void Pixel_shuffle_keeps_its_input_channels_and_its_output_channels_are_new()
    {
        var layers = new Dictionary<string, LayerUnits>
        {
            ["conv1"] = new(LayerKind.Conv2d, 1, 8, 1, new[] { true, false, true, true, false, true, true, true }),
            ["conv2"] = new(LayerKind.Conv2d, 2, 3, 1, new[] { true, false, true }),
        };
        var graph = new NetworkGraph(new GraphNode[]
        {
            new(new InputOp(), Array.Empty<int>(), new long[] { 1, 1, 4, 4 }),
            new(new LayerOp("conv1"), new[] { 0 }, new long[] { 1, 8, 4, 4 }),
            new(new PixelShuffleOp(2), new[] { 1 }, new long[] { 1, 2, 8, 8 }),
            new(new LayerOp("conv2"), new[] { 2 }, new long[] { 1, 3, 8, 8 }),
            new(new ReduceOp(ReduceKind.Mean, new[] { 2, 3 }, false), new[] { 3 }, new long[] { 1, 3 }),
        }, 4);
        var spaces = ChannelSpaces.Analyze(graph, layers);
        Assert.True(spaces.IsPinned(spaces.UnitsOf(1)!.Value.Space));
        Assert.All(spaces.KeptAt(1)!, Assert.True);
        Assert.Null(spaces.UnitsOf(2));
        Assert.All(spaces.Kept(spaces.LayerInput(3).Space), Assert.True);
    }

    [Theory]
    [InlineData(new long[] { 1, 1 }, "Reflect", new long[] { 1, 3, 4 }, null)]
    [InlineData(new long[] { 4, 0 }, "Reflect", new long[] { 1, 3, 4 }, "reflection needs each pad below")]
    [InlineData(new long[] { 1, 1, 1, 1 }, "Constant", new long[] { 1, 3 }, "lacks beyond its batch and channels")]
    [InlineData(new long[] { 1, 1, 1 }, "Constant", new long[] { 1, 3, 4, 4 }, "pairs")]
    [InlineData(new long[] { 1, 1 }, "Replicate", new long[] { 1, 3, 4, 4 }, "needs 4 pads")]
    public void Padding_shapes_are_checked(long[] pads, string mode, long[] input, string? error)
    {
        var op = new PadOp(pads, Enum.Parse<PadMode>(mode));
        if (error is null) Assert.Equal(new long[] { 1, 3, 6 }, op.InferShape(new[] { input }));
        else Assert.Contains(error, Assert.Throws<InvalidDataException>(() => op.InferShape(new[] { input })).Message);
    }
}
