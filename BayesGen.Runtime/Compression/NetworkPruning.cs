using BayesGen.Graph;
using BayesGen.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Compression;

/// <summary>How masks are propagated: the coupling rule for channels several layers write, and the multiple kept channel counts are rounded up to.</summary>
/// <param name="Coupling">See <see cref="CouplingRule"/>.</param>
/// <param name="RoundChannelsTo">Keep a multiple of this many units in every space that loses some (1: as the thresholds say).</param>
public sealed record MaskRules(CouplingRule Coupling = CouplingRule.AnyWriterKeeps, int RoundChannelsTo = 1)
{
    /// <summary>The default: any writer keeps, no rounding.</summary>
    public static MaskRules Default { get; } = new();
}

/// <summary>
/// Pruning a trained network: each layer's threshold, its own masks, and the masks of the whole network propagated
/// along its recorded graph. Extension methods, so that pruning depends on the network and not the other way round.
/// </summary>
public static class NetworkPruning
{
    /// <summary>
    /// The threshold one layer prunes at: a run-time override, else the layer's configured threshold
    /// (attribute), else the prior's default — log α = −3 for GNJ, the histogram gap for the horseshoe.
    /// </summary>
    public static double ResolveThreshold(this BayesianNetwork network, string name, PruningThresholds? overrides = null)
    {
        var layer = network.Layer(name);
        double? configured = overrides is not null && overrides.TryGet(name, out var t) ? t : layer.Options.Threshold;
        if (configured is double value && !double.IsNaN(value)) return value;
        bool auto = configured is double v && double.IsNaN(v);
        if (!auto && layer.Scale.Prior == PriorKind.GroupNJ) return GroupNJAttribute.DefaultThreshold;
        var values = layer.Scale.PruningStatisticValues();
        return ThresholdSelection.HistogramGap(values) ?? ThresholdSelection.KeepAll(values, layer.Scale.Direction);
    }

    /// <summary>
    /// One layer's own masks before propagation: a Linear layer keeps the input columns of its kept groups and
    /// every output row; a convolution keeps its kept filters and every input channel.
    /// </summary>
    public static LayerMasks OwnMasks(this BayesianNetwork network, string name, PruningThresholds? overrides = null)
    {
        var layer = network.Layer(name);
        var kept = layer.Scale.KeptGroups(network.ResolveThreshold(name, overrides));
        return layer.Layout == Priors.GroupLayout.Columns
            ? new LayerMasks(kept, ones(layer.OutputUnits, dtype: ScalarType.Bool))
            : new LayerMasks(ones(layer.InputUnits, dtype: ScalarType.Bool), kept);
    }

    /// <summary>Refuses thresholds that name a layer this network does not have, listing the layers it has.</summary>
    /// <exception cref="ArgumentException">An unknown layer name.</exception>
    public static void RequireKnownLayers(this BayesianNetwork network, PruningThresholds? thresholds)
    {
        if (thresholds is null) return;
        var unknown = thresholds.Layers.Where(n => !network.BayesianLayers.Any(l => l.Name == n)).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException($"No layer named {string.Join(", ", unknown.Select(n => $"'{n}'"))}; the layers are {string.Join(", ", network.BayesianLayers.Select(l => l.Name))}.");
    }

    /// <summary>
    /// Every layer's masks after propagation along <see cref="BayesianNetwork.Graph"/> (see <see cref="ChannelSpaces"/>): a unit
    /// removed from a tensor is removed from every layer that writes it and every layer that reads it, across
    /// residual adds, concatenations, depthwise convolutions and flattens. Layers forward never applies are left out.
    /// </summary>
    /// <param name="network">The trained network (its graph is recorded on first use).</param>
    /// <param name="thresholds">Per-layer thresholds overriding the attributes and defaults.</param>
    /// <param name="coupling">How a channel several layers write is decided (see <see cref="CouplingRule"/>).</param>
    /// <param name="roundChannelsTo">
    /// Keep a multiple of this many units in every channel space that loses some (1: as the thresholds say): the
    /// strongest removed units come back, so that CPU convolution kernels, which work in blocks of 8 or 16 channels,
    /// run full blocks (see <see cref="ChannelSpaces.Analyze"/>).
    /// </param>
    /// <exception cref="ArgumentException"><paramref name="thresholds"/> names a layer the network does not have.</exception>
    public static NetworkMasks ComputeMasks(this BayesianNetwork network, PruningThresholds? thresholds = null, CouplingRule coupling = CouplingRule.AnyWriterKeeps,
        int roundChannelsTo = 1)
    {
        network.RequireKnownLayers(thresholds);
        var g = network.Graph;
        var units = network.LayerUnitsOf(name => OwnGroups(network, name, thresholds));
        if (roundChannelsTo > 1)
            foreach (var (name, layer) in network.BayesianLayers)
                units[name] = units[name] with { Scores = SignalScores(layer) };
        var spaces = ChannelSpaces.Analyze(g, units, coupling, roundChannelsTo);
        var masks = new NetworkMasks { Spaces = spaces };
        foreach (var name in g.LayerNames)
        {
            int node = FirstNode(g, name);
            var input = spaces.LayerInputKept(node, units[name]);
            var output = spaces.KeptAt(node) ?? Enumerable.Repeat(true, (int)network.Layer(name).OutputUnits).ToArray();
            masks.Add(name, new LayerMasks(tensor(input), tensor(output)));
        }
        for (int i = 0; i < g.Nodes.Count; i++)
            if (g.Nodes[i].Op is BatchNormOp b && spaces.KeptAt(i) is { } kept && !masks.Norms.ContainsKey(b.Layer))
                masks.SetNorm(b.Layer, kept);
        return masks;
    }

    /// <summary>What the channel analysis needs of every layer, with each layer's own kept groups.</summary>
    internal static Dictionary<string, LayerUnits> LayerUnitsOf(this BayesianNetwork network, Func<string, bool[]> keptGroups)
        => network.BayesianLayers.ToDictionary(l => l.Name, l => new LayerUnits(l.Layer.Kind, l.Layer.InputUnits, l.Layer.OutputUnits,
            (l.Layer as BayesianConvolution)?.Geometry.Groups ?? 1, keptGroups(l.Name)), StringComparer.Ordinal);

    /// <summary>Each group's pruning statistic turned so that lower means more signal.</summary>
    private static double[] SignalScores(BayesianLayer layer)
    {
        var values = layer.Scale.PruningStatisticValues();
        bool above = layer.Scale.Direction == PruneDirection.Above;
        return values.Select(v => float.IsNaN(v) ? double.PositiveInfinity : above ? v : -(double)v).ToArray();
    }

    private static bool[] OwnGroups(BayesianNetwork network, string name, PruningThresholds? thresholds)
    {
        var layer = network.Layer(name);
        using var scope = NewDisposeScope();
        return layer.Scale.KeptGroups(network.ResolveThreshold(name, thresholds)).cpu().data<bool>().ToArray();
    }

    private static int FirstNode(NetworkGraph g, string layer)
    {
        for (int i = 0; i < g.Nodes.Count; i++)
            if (g.Nodes[i].Op is LayerOp l && l.Layer == layer) return i;
        throw new KeyNotFoundException($"The graph does not apply layer '{layer}'.");
    }

    /// <summary>Every layer's masks after propagation under <paramref name="rules"/> (see the other overload).</summary>
    public static NetworkMasks ComputeMasks(this BayesianNetwork network, PruningThresholds? thresholds, MaskRules rules)
        => network.ComputeMasks(thresholds, rules.Coupling, rules.RoundChannelsTo);

    /// <summary>Makes the deterministic (evaluation) forward use these masks.</summary>
    public static void ApplyMasks(this BayesianNetwork network, NetworkMasks masks)
    {
        foreach (var (name, m) in masks.Layers) network.Layer(name).SetMasks(m.Input, m.Output);
        foreach (var (name, norm) in network.BatchNorms)
        {
            using var kept = masks.Norms.TryGetValue(name, out var units) ? tensor(units) : null;
            norm.ChannelMask = kept;
        }
    }
}
