using BayesGen.Graph;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using BayesGen.Torch;

namespace BayesGen.Deployment;

/// <summary>
/// A BatchNorm in evaluation mode is a per-channel affine map, y = (x − mean)·s + β with s = γ/√(var + ε), so after
/// a Linear layer or a convolution whose output nothing else reads it can be folded into that layer's weights:
/// W' = W·s (per output channel) and b' = (b − mean)·s + β. The deployed network then makes one pass over each
/// activation instead of two. The fold is computed from the modules' current parameters on every forward (a few
/// operations on the small weight tensors), so it never goes stale, and only while the BatchNorm is in evaluation mode.
/// </summary>
internal static class BatchNormFolding
{
    /// <summary>
    /// The foldable pairs, keyed by the BatchNorm node, valued by the layer node it follows: the layer's only reader is
    /// the BatchNorm, which reads all of it (no gather), and the layer's output is not the network's output.
    /// </summary>
    public static Dictionary<int, int> Pairs(IReadOnlyList<DeploymentNode> nodes, int output)
    {
        var readers = new int[nodes.Count];
        foreach (var node in nodes) foreach (var input in node.Inputs) readers[input]++;
        var pairs = new Dictionary<int, int>();
        for (int j = 1; j < nodes.Count; j++)
        {
            if (nodes[j].Op is not BatchNormOp || nodes[j].Inputs.Count != 1 || nodes[j].Gathers[0] is not null) continue;
            int i = nodes[j].Inputs[0];
            if (i != 0 && i != output && readers[i] == 1 && nodes[i].Op is LayerOp) pairs[j] = i;
        }
        return pairs;
    }

    /// <summary>The layer's output followed by the BatchNorm, as one layer with folded weights.</summary>
    public static Tensor Forward(nn.Module<Tensor, Tensor> layer, NormBase norm, Tensor input)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (weight, bias) = layer switch
        {
            Linear l => (l.weight!, l.bias),
            Convolution c => (c.weight!, c.bias),
            _ => throw new NotSupportedException($"A BatchNorm cannot be folded into a {layer.GetType().Name}."),
        };
        var scale = norm.weight! / norm.running_var!.AddScalar(norm.eps).sqrt();
        var shape = new long[weight.dim()];
        Array.Fill(shape, 1L);
        shape[0] = -1;
        var foldedWeight = weight * scale.view(shape);
        var foldedBias = ((bias is null ? -norm.running_mean! : bias - norm.running_mean!) * scale).Plus(norm.bias!);
        var output = layer switch
        {
            Linear => nn.functional.linear(input, foldedWeight, foldedBias),
            Conv1d c => nn.functional.conv1d(input, foldedWeight, foldedBias, c.stride[0], c.padding![0], c.dilation[0], c.groups),
            Conv2d c => nn.functional.conv2d(input, foldedWeight, foldedBias, c.stride, c.padding!, c.dilation, c.groups),
            _ => throw new NotSupportedException($"A BatchNorm cannot be folded into a {layer.GetType().Name}."),
        };
        return output.MoveToOuterDisposeScope();
    }
}
