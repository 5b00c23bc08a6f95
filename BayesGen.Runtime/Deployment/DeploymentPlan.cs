using BayesGen.Compression;
using BayesGen.Layers;

namespace BayesGen.Deployment;

/// <summary>
/// Works out, from the network's operation chain and the kept units of every layer, how the physically
/// smaller network feeds each layer: which input features a Linear layer must gather (the first layer's
/// kept pixels, the kept positions after a flatten) and which channels every BatchNorm keeps.
/// </summary>
public static class DeploymentPlan
{
    /// <summary>The gather indices of every layer that needs one (absent: the layer reads its whole input).</summary>
    public static IReadOnlyDictionary<string, long[]> Gathers(NetworkGraph graph, IReadOnlyList<CompressedLayerData> layers)
    {
        var byName = layers.ToDictionary(l => l.Name);
        var gathers = new Dictionary<string, long[]>(StringComparer.Ordinal);
        CompressedLayerData? producer = null;
        bool flattened = false;
        foreach (var op in graph.Ops)
        {
            switch (op)
            {
                case FlattenOp:
                    flattened = true;
                    break;
                case LayerOp l:
                    if (!byName.TryGetValue(l.Layer, out var layer))
                        throw new InvalidDataException($"The operation chain names layer '{l.Layer}', which has no data.");
                    var gather = GatherFor(producer, layer, flattened);
                    if (gather is not null) gathers[layer.Name] = gather;
                    producer = layer;
                    flattened = false;
                    break;
            }
        }
        return gathers;
    }

    /// <summary>The channels each BatchNorm keeps: those of the layer before it (all, when it precedes every layer).</summary>
    public static long[] NormChannels(NetworkGraph graph, string norm, IReadOnlyList<CompressedLayerData> layers, long channels)
    {
        var byName = layers.ToDictionary(l => l.Name);
        CompressedLayerData? producer = null;
        foreach (var op in graph.Ops)
        {
            if (op is LayerOp l) producer = byName[l.Layer];
            if (op is BatchNormOp b && b.Layer == norm)
            {
                if (producer is null) return Enumerable.Range(0, (int)channels).Select(i => (long)i).ToArray();
                if (producer.OutputUnits != channels)
                    throw new InvalidDataException($"BatchNorm '{norm}' has {channels} channels but follows '{producer.Name}' with {producer.OutputUnits} outputs.");
                return producer.KeptOutputs;
            }
        }
        throw new InvalidDataException($"BatchNorm '{norm}' does not occur in the operation chain.");
    }

    private static long[]? GatherFor(CompressedLayerData? producer, CompressedLayerData layer, bool flattened)
    {
        if (producer is null)
            return IsIdentity(layer.KeptInputs, layer.InputUnits) ? null : layer.KeptInputs;
        if (layer.Kind == LayerKind.Linear && producer.Kind == LayerKind.Conv2d)
        {
            if (!flattened)
                throw new InvalidDataException($"Linear layer '{layer.Name}' reads convolution '{producer.Name}' without a flatten(1) between them.");
            long spatial = layer.InputUnits / producer.OutputUnits;
            if (spatial * producer.OutputUnits != layer.InputUnits)
                throw new InvalidDataException($"'{layer.Name}' has {layer.InputUnits} inputs, which is not a whole number of positions for the {producer.OutputUnits} channels of '{producer.Name}'.");
            var positions = FeaturesWithinKeptChannels(producer.KeptOutputs, layer.KeptInputs, spatial);
            return IsIdentity(positions, producer.KeptOutputs.LongLength * spatial) ? null : positions;
        }
        if (layer.Kind == LayerKind.Conv2d && producer.Kind == LayerKind.Linear)
            throw new InvalidDataException($"Convolution '{layer.Name}' reads Linear layer '{producer.Name}'; BayesGen cannot follow a reshape from features to channels.");
        // Unit for unit (Linear → Linear, Conv → Conv): propagation made both sides keep the same units.
        if (!layer.KeptInputs.SequenceEqual(producer.KeptOutputs))
            throw new InvalidDataException($"'{layer.Name}' keeps other input units than '{producer.Name}' keeps outputs; the masks were not propagated.");
        return null;
    }

    private static long[] FeaturesWithinKeptChannels(long[] keptChannels, long[] keptFeatures, long spatial)
    {
        var features = new HashSet<long>(keptFeatures);
        var result = new List<long>();
        for (int k = 0; k < keptChannels.Length; k++)
            for (long p = 0; p < spatial; p++)
                if (features.Contains(keptChannels[k] * spatial + p)) result.Add(k * spatial + p);
        if (result.Count != keptFeatures.Length)
            throw new InvalidDataException("Some kept features come from channels that are not kept; the masks were not propagated.");
        return result.ToArray();
    }

    private static bool IsIdentity(long[] indices, long count)
    {
        if (indices.LongLength != count) return false;
        for (long i = 0; i < count; i++) if (indices[i] != i) return false;
        return true;
    }
}
