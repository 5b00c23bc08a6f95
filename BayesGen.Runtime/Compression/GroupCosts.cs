using BayesGen.Graph;
using BayesGen.Layers;

namespace BayesGen.Compression;

/// <summary>
/// What removing one group of a layer saves: its weights (what the artifact stores, and the compression rate counts),
/// or the multiply-adds one example costs through them (what a deployment computes, and its speed follows). The two
/// differ by how often a weight is used: once per example in a fully connected layer, once per output position in a
/// convolution, so a channel of a 28×28 convolution costs sixteen times what a channel of the same size at 7×7 does.
/// </summary>
public static class GroupCosts
{
    /// <summary>What one group's removal buys under <paramref name="objective"/>: weights for size, multiply-adds for speed.</summary>
    public static long Gain(BayesianNetwork model, string name, PruningObjective objective)
        => objective == PruningObjective.Speed ? MultiplyAdds(model, name) : Weights(model.Layer(name));

    /// <summary>The weights one group of <paramref name="layer"/> holds (at least 1).</summary>
    public static long Weights(BayesianLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return Math.Max(1, layer.WeightMu.numel() / layer.Groups);
    }

    /// <summary>
    /// The multiply-adds one group of the layer <paramref name="name"/> costs an example (at least 1): its weights times
    /// the positions each is applied at, summed over every place the network's graph applies the layer (output
    /// positions of a convolution, tokens of a fully connected layer over a sequence, 1 for a plain one).
    /// </summary>
    /// <exception cref="KeyNotFoundException">The network has no Bayesian layer of that name.</exception>
    /// <exception cref="ArgumentException">The graph never applies the layer.</exception>
    public static long MultiplyAdds(BayesianNetwork model, string name)
    {
        ArgumentNullException.ThrowIfNull(model);
        var layer = model.Layer(name);
        long positions = AppliedPositions(model, name);
        if (positions == 0) throw new ArgumentException($"The network's graph never applies layer '{name}'.", nameof(name));
        return Math.Max(1, Weights(layer) * positions);
    }

    /// <summary>
    /// What the network <paramref name="masks"/> leave still costs under <paramref name="objective"/>: the weights every
    /// Bayesian layer keeps (kept outputs × kept inputs × kernel, the block compression stores; a grouped convolution keeps
    /// whole filters), or for speed those weights times the positions each is applied at.
    /// </summary>
    /// <remarks>
    /// A threshold search weighs a move by how much this falls, because a group's own weights are not what its removal
    /// saves once masks propagate: a convolution filter takes the next layer's input slice with it, and a Linear input
    /// group holds only as many weights as the layer still has outputs (LeNet-5's fc1 input holds 500 weights dense and
    /// 12 when fc2 keeps 12 inputs).
    /// </remarks>
    public static long Kept(BayesianNetwork model, NetworkMasks masks, PruningObjective objective)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(masks);
        long total = 0;
        foreach (var (name, layerMasks) in masks.Layers)
        {
            long weights = KeptWeights(model.Layer(name), layerMasks.KeptInputs, layerMasks.KeptOutputs);
            total += objective == PruningObjective.Speed ? weights * AppliedPositions(model, name) : weights;
        }
        return total;
    }

    /// <summary>
    /// The weights <paramref name="layer"/> keeps with <paramref name="keptInputs"/> input and <paramref name="keptOutputs"/>
    /// output units: a grouped convolution keeps each kept filter whole (its input slice is its group's), every other layer
    /// the block of kept rows and columns.
    /// </summary>
    public static long KeptWeights(BayesianLayer layer, long keptInputs, long keptOutputs)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var shape = layer.WeightMu.shape;
        bool grouped = layer is BayesianConvolution { Geometry.Groups: > 1 };
        long kept = keptOutputs * (grouped ? shape[1] : keptInputs);
        for (int i = 2; i < shape.Length; i++) kept *= shape[i];
        return kept;
    }

    /// <summary>How many positions per example the graph applies layer <paramref name="name"/>'s weights at, over every place it is applied.</summary>
    private static long AppliedPositions(BayesianNetwork model, string name)
    {
        var layer = model.Layer(name);
        long positions = 0;
        foreach (var node in model.Graph.Nodes)
            if (node.Op is LayerOp op && op.Layer == name)
                positions += Positions(node.Shape, layer.OutputUnits);
        return positions;
    }

    /// <summary>
    /// The multiply-adds of every Bayesian layer of <paramref name="model"/> for one example with every unit kept: each
    /// layer's weights times the positions the graph applies them at (BatchNorms, activations and the like not counted).
    /// </summary>
    public static long DenseMultiplyAdds(BayesianNetwork model)
    {
        ArgumentNullException.ThrowIfNull(model);
        long total = 0;
        foreach (var node in model.Graph.Nodes)
            if (node.Op is LayerOp op)
            {
                var layer = model.Layer(op.Layer);
                total += layer.WeightMu.numel() * Positions(node.Shape, layer.OutputUnits);
            }
        return total;
    }

    /// <summary>
    /// How many times per example a layer's weights are applied, from its output's shape (the recording batch first):
    /// every element of one example's output but the <paramref name="outputUnits"/> the weights produce at one position.
    /// </summary>
    public static long Positions(long[] outputShape, long outputUnits)
    {
        ArgumentNullException.ThrowIfNull(outputShape);
        if (outputShape.Length < 2 || outputUnits <= 0) throw new ArgumentException($"[{string.Join(", ", outputShape)}] is not a batch of layer outputs.", nameof(outputShape));
        long elements = 1;
        for (int i = 1; i < outputShape.Length; i++) elements *= outputShape[i];
        if (elements % outputUnits != 0)
            throw new ArgumentException($"A layer output of shape [{string.Join(", ", outputShape)}] does not hold a whole number of its {outputUnits} units.", nameof(outputShape));
        return elements / outputUnits;
    }
}

/// <summary>What a threshold search makes smaller first, where the error budget allows a choice.</summary>
public enum PruningObjective
{
    /// <summary>The weights stored: the artifact and the compression rate (the default).</summary>
    Size,

    /// <summary>The multiply-adds computed per example: what a deployment's time follows.</summary>
    Speed,
}
