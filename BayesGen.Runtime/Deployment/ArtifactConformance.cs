using BayesGen.Compression;
using BayesGen.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BayesGen.Deployment;

/// <summary>
/// Whether a compressed model fits the plain network it claims to come from, layer by layer. An artifact is
/// self-describing, so one whose manifest was edited and resealed can be a consistent model of another network
/// (a convolution with another stride or padding still runs when an adaptive pool follows it); its class name
/// alone would not show that. Comparing each layer with the network's own module does.
/// </summary>
public static class ArtifactConformance
{
    /// <summary>
    /// Checks every layer and BatchNorm of <paramref name="model"/> against the module at the same path in
    /// <paramref name="network"/>: the same kind, the original (unpruned) weight shape, the same convolution
    /// kernel, stride, padding, dilation and groups, the same BatchNorm width.
    /// </summary>
    /// <exception cref="InvalidDataException">Names the first layer that differs and how.</exception>
    public static void CheckMadeFrom(this CompressedModel model, nn.Module network)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(network);
        var modules = network.named_modules().ToDictionary(m => m.name, m => m.module, StringComparer.Ordinal);
        foreach (var layer in model.Layers)
        {
            if (!modules.TryGetValue(layer.Name, out var module))
                throw Mismatch(model, layer.Name, "the network has no module at this path");
            CheckLayer(model, layer, module);
        }
        foreach (var norm in model.Norms)
        {
            if (!modules.TryGetValue(norm.Name, out var module))
                throw Mismatch(model, norm.Name, "the network has no module at this path");
            long? features = module switch { BatchNorm1d b => b.num_features, BatchNorm2d b => b.num_features, _ => null };
            if (features is null) throw Mismatch(model, norm.Name, $"the artifact holds a BatchNorm, the network a {module.GetType().Name}");
            if (features != norm.Channels) throw Mismatch(model, norm.Name, $"the artifact's BatchNorm has {norm.Channels} channels, the network's {features}");
        }
    }

    private static void CheckLayer(CompressedModel model, CompressedLayer layer, nn.Module module)
    {
        (LayerKind Kind, long[] Shape, ConvGeometry? Geometry)? actual = module switch
        {
            Linear l => (LayerKind.Linear, l.weight!.shape, null),
            Conv2d c => (LayerKind.Conv2d, c.weight!.shape, BayesianConvolution.GeometryOf(c, 2)),
            Conv1d c => (LayerKind.Conv1d, c.weight!.shape, BayesianConvolution.GeometryOf(c, 1)),
            _ => null,
        };
        if (actual is not { } a)
            throw Mismatch(model, layer.Name, $"the artifact holds a {layer.Kind} layer, the network a {module.GetType().Name}");
        if (a.Kind != layer.Kind)
            throw Mismatch(model, layer.Name, $"the artifact holds a {layer.Kind} layer, the network a {a.Kind}");
        if (!a.Shape.AsSpan().SequenceEqual(layer.WeightShape))
            throw Mismatch(model, layer.Name, $"the artifact's weights are [{string.Join(", ", layer.WeightShape)}] before pruning, the network's [{string.Join(", ", a.Shape)}]");
        if (a.Geometry is { } g && !g.Equals(layer.Geometry))
            throw Mismatch(model, layer.Name, $"the artifact's convolution is {Describe(layer.Geometry)}, the network's {Describe(g)}");
    }

    private static string Describe(ConvGeometry? g) => g is null ? "missing" :
        $"kernel {Join(g.Kernel)}, stride {Join(g.Stride)}, padding {Join(g.Padding)}, dilation {Join(g.Dilation)}, groups {g.Groups}";

    private static string Join(long[] values) => string.Join("×", values);

    private static InvalidDataException Mismatch(CompressedModel model, string path, string what)
        => new($"This compressed model does not fit {model.Model} at '{path}': {what}. It was changed after it was written, or made from another " +
               "version of the network; compress the trained run again.");
}
