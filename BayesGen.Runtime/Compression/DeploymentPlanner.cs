using BayesGen.Graph;
namespace BayesGen.Compression;

/// <summary>The deployment graph of a pruned network and what each layer and BatchNorm keeps, in original unit indices.</summary>
/// <param name="Graph">The graph with its gathers.</param>
/// <param name="LayerInputs">Per layer path: the input units it reads.</param>
/// <param name="LayerOutputs">Per layer path: the output units it computes.</param>
/// <param name="NormChannels">Per BatchNorm path: the channels it normalises (those its input physically has).</param>
public sealed record DeploymentPlan(
    DeploymentGraph Graph,
    IReadOnlyDictionary<string, long[]> LayerInputs,
    IReadOnlyDictionary<string, long[]> LayerOutputs,
    IReadOnlyDictionary<string, long[]> NormChannels);

/// <summary>
/// Works out which units every value of the pruned network physically holds, and where a consumer must gather
/// the ones it keeps: a layer reads its kept inputs, an element-wise join reads the units its space keeps, and
/// every other operation passes units through. A value whose producer cannot drop units (the network input, a
/// flatten of kept channels, a concatenation) holds more than some consumer keeps; that consumer gathers.
/// </summary>
public static class DeploymentPlanner
{
    /// <summary>Plans the deployment of <paramref name="graph"/> with the decisions in <paramref name="spaces"/>.</summary>
    public static DeploymentPlan Plan(NetworkGraph graph, ChannelSpaces spaces, IReadOnlyDictionary<string, LayerUnits> layers)
    {
        int count = graph.Nodes.Count;
        var physical = new long[]?[count];   // units along the node's unit axis, original indices; null: untracked
        var nodes = new DeploymentNode[count];
        var layerInputs = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var layerOutputs = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var norms = new Dictionary<string, long[]>(StringComparer.Ordinal);

        for (int i = 0; i < count; i++)
        {
            var node = graph.Nodes[i];
            var gathers = new InputGather?[node.Inputs.Count];
            var units = spaces.UnitsOf(i);
            var op = node.Op;
            switch (node.Op)
            {
                case InputOp:
                    physical[i] = units is { } u0 ? All(spaces.Size(u0.Space)) : null;
                    break;
                case LayerOp l:
                {
                    var (_, axis) = spaces.LayerInput(i);
                    var info = layers[l.Layer];
                    var required = Indices(spaces.LayerInputKept(i, info));
                    var source = node.Inputs[0];
                    var available = spaces.UnitsOf(source) is { } su && su.Axis == axis ? physical[source] : null;
                    available ??= All(graph.Nodes[source].Shape[axis]);
                    gathers[0] = Gather(axis, available, required, l.Layer);
                    physical[i] = units is { } lu ? Indices(spaces.Kept(lu.Space)) : All(info.OutputUnits);
                    layerInputs[l.Layer] = required;
                    layerOutputs[l.Layer] = physical[i]!;
                    break;
                }
                case BatchNormOp b:
                    physical[i] = physical[node.Inputs[0]];
                    norms[b.Layer] = physical[i] ?? All(node.Shape[1]);
                    break;
                case FlattenOp f:
                    physical[i] = Flattened(graph, spaces, i, f, physical[node.Inputs[0]]);
                    break;
                case BinaryOp:
                    physical[i] = Joined(graph, spaces, i, gathers, physical);
                    break;
                case ConcatOp c:
                    physical[i] = spaces.UnitsOf(node.Inputs[0]) is { } cu && cu.Axis == c.Dim && units is not null
                        ? Concatenated(graph, node, physical)
                        : Joined(graph, spaces, i, gathers, physical);
                    break;
                case SliceOp or ChannelShuffleOp when Remapped(graph, spaces, i, physical) is var (moved, held):
                    op = moved;
                    physical[i] = held;
                    break;
                default:
                    // Pass-through: pooling, activations, dropout, softmax, permutations, reductions keep the units.
                    physical[i] = units is null ? null : physical[node.Inputs[0]];
                    break;
            }
            nodes[i] = new DeploymentNode(op, node.Inputs.ToArray(), gathers);
        }

        if (spaces.UnitsOf(graph.Output) is { } output && physical[graph.Output]!.LongLength != spaces.Size(output.Space))
            throw new InvalidOperationException("The network's output lost units in planning; outputs are never pruned.");
        return new DeploymentPlan(new DeploymentGraph(nodes, graph.Output), layerInputs, layerOutputs, norms);
    }

    private static long[] Flattened(NetworkGraph graph, ChannelSpaces spaces, int index, FlattenOp f, long[]? input)
    {
        var node = graph.Nodes[index];
        var source = node.Inputs[0];
        if (spaces.UnitsOf(source) is not { } u || input is null || spaces.UnitsOf(index) is not { } v) return input!;
        if (u.Axis < f.Start || u.Axis > f.End || v.Space == u.Space) return input;
        var shape = graph.Nodes[source].Shape;
        long outer = 1, inner = 1, n = shape[u.Axis];
        for (int d = f.Start; d < u.Axis; d++) outer *= shape[d];
        for (int d = u.Axis + 1; d <= f.End; d++) inner *= shape[d];
        var result = new List<long>((int)(outer * input.LongLength * inner));
        for (long o = 0; o < outer; o++)
            foreach (var c in input)
                for (long p = 0; p < inner; p++)
                    result.Add(o * n * inner + c * inner + p);
        return result.ToArray();
    }

    private static long[]? Joined(NetworkGraph graph, ChannelSpaces spaces, int index, InputGather?[] gathers, long[]?[] physical)
    {
        var node = graph.Nodes[index];
        if (spaces.UnitsOf(index) is not { } units) return null;
        var required = Indices(spaces.Kept(units.Space));
        long size = node.Shape[units.Axis];
        for (int k = 0; k < node.Inputs.Count; k++)
        {
            var input = node.Inputs[k];
            if (graph.Nodes[input].Shape[units.Axis] != size) continue;   // broadcast along the unit axis
            var available = spaces.UnitsOf(input) is { } iu && iu.Axis == units.Axis ? physical[input] : null;
            gathers[k] = Gather(units.Axis, available ?? All(size), required, node.Op.Name);
        }
        return required;
    }

    /// <summary>
    /// A slice or channel shuffle along its input's units, in the pruned network: the units it keeps (its space's) are
    /// found among those its input physically holds, and the operation becomes the slice of that run, or a gather when
    /// they are not one run (a shuffle, a slice of kept units another reader also needed). Null along another axis,
    /// where no unit moves and the operation stays as recorded.
    /// </summary>
    private static (GraphOp Op, long[] Held)? Remapped(NetworkGraph graph, ChannelSpaces spaces, int index, long[]?[] physical)
    {
        var node = graph.Nodes[index];
        var source = node.Inputs[0];
        int dim = node.Op is SliceOp s ? s.Dim : 1;
        if (spaces.UnitsOf(index) is not { } units || units.Axis != dim || spaces.UnitsOf(source) is not { } su || su.Axis != dim) return null;
        var available = physical[source] ?? All(graph.Nodes[source].Shape[dim]);
        var held = Indices(spaces.Kept(units.Space));
        if (held.Length == 0)
            throw new InvalidOperationException(
                $"The pruning thresholds remove every unit of '{node.Op.Describe()}' (node {index}), a piece of a tensor the network splits: " +
                "give the layers that write and read it thresholds that keep some units (--threshold LAYER=VALUE).");
        long channels = graph.Nodes[source].Shape[dim];
        var sources = held.Select(u => node.Op is SliceOp slice ? slice.SourceOf(u) : ((ChannelShuffleOp)node.Op).SourceOf(u, channels)).ToArray();
        var positions = PositionsIn(available, sources, node.Op.Describe());
        bool run = positions.Length > 0 && positions.Select((p, k) => p - k).Distinct().Count() == 1;
        GraphOp op = node.Op is ChannelShuffleOp && held.LongLength == channels && available.LongLength == channels ? node.Op
            : run ? new SliceOp(dim, positions[0], positions.Length)
            : new GatherOp(dim, positions);
        return (op, held);
    }

    private static long[] Concatenated(NetworkGraph graph, GraphNode node, long[]?[] physical)
    {
        var result = new List<long>();
        long offset = 0;
        var dim = ((ConcatOp)node.Op).Dim;
        foreach (var input in node.Inputs)
        {
            result.AddRange(physical[input]!.Select(p => p + offset));
            offset += graph.Nodes[input].Shape[dim];
        }
        return result.ToArray();
    }

    /// <summary>The positions of <paramref name="required"/> within <paramref name="available"/>, or null when they are all of it.</summary>
    private static InputGather? Gather(int axis, long[] available, long[] required, string consumer)
    {
        if (available.AsSpan().SequenceEqual(required)) return null;
        return new InputGather(axis, available.LongLength, PositionsIn(available, required, consumer));
    }

    /// <summary>Where each of <paramref name="units"/> (original indices) lies within <paramref name="available"/>.</summary>
    private static long[] PositionsIn(long[] available, long[] units, string consumer)
    {
        var position = new Dictionary<long, long>(available.Length);
        for (long k = 0; k < available.LongLength; k++) position[available[k]] = k;
        var result = new long[units.Length];
        for (int k = 0; k < units.Length; k++)
            result[k] = position.TryGetValue(units[k], out var at) ? at
                : throw new InvalidOperationException($"'{consumer}' keeps unit {units[k]}, which its input no longer has; the masks are inconsistent.");
        return result;
    }

    internal static long[] Indices(bool[] kept)
    {
        var result = new List<long>(kept.Length);
        for (int i = 0; i < kept.Length; i++) if (kept[i]) result.Add(i);
        return result.ToArray();
    }

    private static long[] All(long n)
    {
        var result = new long[n];
        for (long i = 0; i < n; i++) result[i] = i;
        return result;
    }
}
