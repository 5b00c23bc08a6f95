using BayesGen.Deployment;
using BayesGen.Graph;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BayesGen.Tests.Deployment;

/// <summary>A BatchNorm folded into the layer before it computes what the two compute one after the other.</summary>
public sealed class BatchNormFoldingTests
{
    private static NormBase Norm(long channels, int dimensions, torch.Generator g)
    {
        NormBase norm = dimensions == 1 ? nn.BatchNorm1d(channels, eps: 1e-3) : nn.BatchNorm2d(channels, eps: 1e-3);
        using (no_grad())
        {
            norm.weight!.copy_(randn(channels, generator: g));   // negative scales too
            norm.bias!.copy_(randn(channels, generator: g));
            norm.running_mean!.copy_(randn(channels, generator: g));
            norm.running_var!.copy_(rand(channels, generator: g) * 3 + 0.01);
        }
        norm.to(float64).eval();
        return norm;
    }

    public static TheoryData<string> Layers => new() { "linear", "linear-nobias", "conv1d", "conv2d", "conv2d-grouped-strided-dilated-nobias", "conv2d-depthwise" };

    [Theory]
    [MemberData(nameof(Layers))]
    public void The_folded_layer_equals_the_layer_then_the_BatchNorm_in_float64(string kind)
    {
        var g = new torch.Generator(3);
        (nn.Module<Tensor, Tensor> layer, long channels, int dims, long[] input) = kind switch
        {
            "linear" => ((nn.Module<Tensor, Tensor>)nn.Linear(7, 5), 5L, 1, new long[] { 4, 7 }),
            "linear-nobias" => (nn.Linear(7, 5, hasBias: false), 5L, 1, new long[] { 4, 7 }),
            "conv1d" => (nn.Conv1d(3, 6, 3, padding: 1), 6L, 1, new long[] { 4, 3, 11 }),
            "conv2d" => (nn.Conv2d(3, 6, 3), 6L, 2, new long[] { 4, 3, 9, 9 }),
            "conv2d-grouped-strided-dilated-nobias" => (nn.Conv2d(4, 6, 3, stride: 2, padding: 2, dilation: 2, groups: 2, bias: false), 6L, 2, new long[] { 4, 4, 11, 11 }),
            _ => (nn.Conv2d(6, 6, 3, padding: 1, groups: 6), 6L, 2, new long[] { 4, 6, 8, 8 }),
        };
        layer.to(float64).eval();
        var norm = Norm(channels, dims, g);
        using var x = randn(input, dtype: float64, generator: g);
        using var expected = norm.forward(layer.forward(x));
        using var folded = BatchNormFolding.Forward(layer, norm, x);
        Assert.Equal(expected.shape, folded.shape);
        double max = (expected - folded).abs().max().item<double>();
        Assert.True(max < 1e-12, $"{kind}: max difference {max}");
    }

    private static DeploymentNode Node(GraphOp op, params int[] inputs) => new(op, inputs, inputs.Select(_ => (InputGather?)null).ToArray());

    [Fact]
    public void Only_a_BatchNorm_that_alone_reads_all_of_a_layer_is_folded()
    {
        var nodes = new[]
        {
            Node(new LayerOp("placeholder for the input")),                                           // 0
            Node(new LayerOp("conv1"), 0),                                                            // 1: read by bn1 alone: folded
            Node(new BatchNormOp("bn1"), 1),                                                          // 2
            Node(new LayerOp("conv2"), 2),                                                            // 3: read by bn2 and by a ReLU
            Node(new BatchNormOp("bn2"), 3),                                                          // 4
            Node(new ActivationOp(ActivationKind.Relu), 3),                                           // 5
            Node(new LayerOp("conv3"), 4),                                                            // 6: bn3 reads a gathered part of it
            new DeploymentNode(new BatchNormOp("bn3"), [6], [new InputGather(1, 6, [0, 2, 4])]),      // 7
            Node(new LayerOp("conv4"), 7),                                                            // 8: the network's output
            Node(new BatchNormOp("bn4"), 8),                                                          // 9
            Node(new BatchNormOp("bn5"), 0),                                                          // 10: reads the input
        };
        Assert.Equal(new Dictionary<int, int> { [2] = 1 }, BatchNormFolding.Pairs(nodes, output: 8));
    }
}
