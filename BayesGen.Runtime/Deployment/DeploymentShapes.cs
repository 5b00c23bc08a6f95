using BayesGen.Graph;
using BayesGen.Compression;
using BayesGen.Layers;
using BayesGen.Shared;

namespace BayesGen.Deployment;

/// <summary>
/// Follows the input shape through a compressed model's graph: every gather, layer, BatchNorm and operation must fit
/// what reaches it. This is how a model read from a file is checked before anything runs (or allocates): a model
/// whose parts disagree is refused with the node and the mismatch named.
/// </summary>
internal static class DeploymentShapes
{
    /// <summary>The most elements one example's value may have at any node (2^31): larger means a hostile file.</summary>
    public const long MaxElements = 1L << 31;

    /// <summary>The shape of every node's value for one example (batch 1).</summary>
    /// <exception cref="InvalidDataException">Something does not fit; the message names the node.</exception>
    public static IReadOnlyList<long[]> Infer(CompressedModel model)
    {
        var graph = model.Graph;
        if (graph.Nodes.Count == 0 || graph.Nodes[0].Op is not InputOp)
            throw new InvalidDataException("the graph does not start with its input.");
        if (model.InputShape.Length == 0 || model.InputShape.Any(d => d <= 0))
            throw new InvalidDataException($"the input shape [{string.Join(", ", model.InputShape)}] is not a shape.");
        if (graph.Output <= 0 || graph.Output >= graph.Nodes.Count)
            throw new InvalidDataException($"the graph's output is node {graph.Output}, which it does not have.");
        var layers = model.Layers.ToDictionary(l => l.Name, StringComparer.Ordinal);
        var norms = model.Norms.ToDictionary(n => n.Name, StringComparer.Ordinal);
        var shapes = new long[graph.Nodes.Count][];
        shapes[0] = new long[] { 1 }.Concat(model.InputShape).ToArray();
        for (int i = 1; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            try
            {
                if (node.Op is InputOp) throw new InvalidDataException("a second input.");
                if (node.Gathers.Count != node.Inputs.Count) throw new InvalidDataException("its gathers do not match its inputs.");
                var inputs = new long[node.Inputs.Count][];
                for (int k = 0; k < inputs.Length; k++)
                {
                    int source = node.Inputs[k];
                    if (source < 0 || source >= i) throw new InvalidDataException($"it reads node {source}, which does not come before it.");
                    inputs[k] = Gathered(shapes[source], node.Gathers[k]);
                }
                shapes[i] = node.Op switch
                {
                    LayerOp l => Layer(layers.TryGetValue(l.Layer, out var data) ? data : throw new InvalidDataException($"layer '{l.Layer}' has no data."), inputs),
                    BatchNormOp b => Norm(norms.TryGetValue(b.Layer, out var norm) ? norm : throw new InvalidDataException($"BatchNorm '{b.Layer}' has no data."), inputs),
                    _ => node.Op.InferShape(inputs),
                };
                long elements = shapes[i].Aggregate(1L, (a, d) => d <= 0 || a > MaxElements ? long.MaxValue : a * d);
                if (elements <= 0 || elements > MaxElements) throw new InvalidDataException($"its value would have {elements} elements per example.");
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"node {i} ({node.Op.Describe()}): {e.Message}", e);
            }
        }
        var unused = model.Layers.Select(l => l.Name).Except(graph.Nodes.Select(n => n.Op).OfType<LayerOp>().Select(o => o.Layer)).ToArray();
        if (unused.Length > 0) throw new InvalidDataException($"layer(s) {string.Join(", ", unused)} are not in the graph.");
        return shapes;
    }

    private static long[] Gathered(long[] shape, InputGather? gather)
    {
        if (gather is null) return shape;
        if (gather.Axis < 1 || gather.Axis >= shape.Length || shape[gather.Axis] != gather.Of)
            throw new InvalidDataException($"a gather of {gather.Of} units along dimension {gather.Axis} meets an input of shape [{string.Join(", ", shape)}].");
        long previous = -1;
        foreach (var index in gather.Indices)
        {
            if (index <= previous || index >= gather.Of) throw new InvalidDataException($"a gather index {index} is out of order or range (of {gather.Of}).");
            previous = index;
        }
        var result = (long[])shape.Clone();
        result[gather.Axis] = gather.Indices.LongLength;
        return result;
    }

    private static long[] Layer(CompressedLayer layer, long[][] inputs)
    {
        if (inputs.Length != 1) throw new InvalidDataException("a layer takes one input.");
        var x = inputs[0];
        var kept = layer.KeptShape;
        if (layer.Kind == LayerKind.Linear)
        {
            if (x.Length < 2 || x[^1] != kept[1])
                throw new InvalidDataException($"Linear layer '{layer.Name}' reads {kept[1]} features but gets [{string.Join(", ", x)}].");
            var result = (long[])x.Clone();
            result[^1] = kept[0];
            return result;
        }
        var g = layer.Geometry ?? throw new InvalidDataException($"convolution '{layer.Name}' has no geometry.");
        long inChannels = kept[1] * layer.DeployedGroups;
        if (x.Length != g.Dimensions + 2 || x[1] != inChannels)
            throw new InvalidDataException($"convolution '{layer.Name}' reads {inChannels} channels of {g.Dimensions} dimension(s) but gets [{string.Join(", ", x)}].");
        var output = new long[x.Length];
        output[0] = x[0];
        output[1] = kept[0];
        for (int d = 0; d < g.Dimensions; d++)
        {
            output[2 + d] = SlidingWindow.OutputSize(x[2 + d], g.Kernel[d], g.Stride[d], g.Padding[d], g.Dilation[d]);
            if (output[2 + d] < 1) throw new InvalidDataException($"convolution '{layer.Name}' does not fit an input of size {x[2 + d]}.");
        }
        return output;
    }

    private static long[] Norm(CompressedNorm norm, long[][] inputs)
    {
        if (inputs.Length != 1) throw new InvalidDataException("a BatchNorm takes one input.");
        var x = inputs[0];
        if (x.Length < 2 || x[1] != norm.KeptChannels.LongLength)
            throw new InvalidDataException($"BatchNorm '{norm.Name}' has {norm.KeptChannels.Length} channels but gets [{string.Join(", ", x)}].");
        return x;
    }
}
