using System.Text.Json;
using System.Text.Json.Serialization;
using BayesGen.Compression;
using BayesGen.Layers;

namespace BayesGen.Deployment;

/// <summary>
/// The manifest of an artifact file: the network's architecture after pruning, as JSON. Everything needed to
/// rebuild the network except the weight values, which follow in the binary payload.
/// </summary>
public static class ArtifactManifest
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    /// <summary>The short name of an operation, as the manifest and the generated classes spell it.</summary>
    public static string OpName(GraphOp op) => op switch
    {
        LayerOp l => "layer:" + l.Layer,
        BatchNormOp b => "batch_norm:" + b.Layer,
        ActivationOp { Kind: ActivationKind.Relu } => "relu",
        ActivationOp { Kind: ActivationKind.Tanh } => "tanh",
        ActivationOp { Kind: ActivationKind.Sigmoid } => "sigmoid",
        ActivationOp { Kind: ActivationKind.LeakyRelu } => "leaky_relu",
        PoolOp { Kind: PoolKind.Max } => "max_pool2d",
        PoolOp { Kind: PoolKind.Average } => "avg_pool2d",
        FlattenOp => "flatten",
        DropoutOp => "dropout",
        SoftmaxOp { Log: true } => "log_softmax",
        SoftmaxOp { Log: false } => "softmax",
        _ => throw new NotSupportedException($"Unknown operation {op}."),
    };

    internal sealed record OpDto(string Op, string? Layer = null, int? Dims = null, double? Parameter = null,
        long[]? Kernel = null, long[]? Stride = null, long[]? Padding = null, bool? CeilMode = null);

    internal sealed record LayerDto(string Name, string Kind, long[] WeightShape, string KeptInputs, string KeptOutputs,
        long[]? Geometry, int SignificandBits, int TotalBits, int StepExponent, bool Bias);

    internal sealed record NormDto(string Name, int Dims, long Channels, string Kept, double Eps);

    internal sealed record ManifestDto(string Model, string Prior, long[]? InputShape, int ExponentBits, string Quantization,
        OpDto[] Ops, LayerDto[] Layers, NormDto[] Norms);

    internal static ManifestDto ToDto(CompressedModel m) => new(
        m.Model, m.Prior, m.InputShape, m.ExponentBits, m.Quantization.ToString(),
        m.Graph.Ops.Select(ToDto).ToArray(),
        m.Layers.Select(l => new LayerDto(l.Name, l.Kind.ToString(), l.WeightShape,
            Bitmask.Encode(l.KeptInputs, l.InputUnits), Bitmask.Encode(l.KeptOutputs, l.OutputUnits),
            l.Geometry is { } g ? new[] { g.KernelH, g.KernelW, g.StrideH, g.StrideW, g.PaddingH, g.PaddingW, g.DilationH, g.DilationW, g.Groups } : null,
            l.SignificandBits, l.TotalBits, l.StepExponent, l.Bias is not null)).ToArray(),
        m.Norms.Select(n => new NormDto(n.Name, n.Dimensions, n.Channels, Bitmask.Encode(n.KeptChannels, n.Channels), n.Epsilon)).ToArray());

    private static OpDto ToDto(GraphOp op) => op switch
    {
        LayerOp l => new OpDto("layer", Layer: l.Layer),
        BatchNormOp b => new OpDto("batch_norm", Layer: b.Layer, Dims: b.Dimensions),
        ActivationOp { Kind: ActivationKind.LeakyRelu } a => new OpDto("leaky_relu", Parameter: a.Parameter),
        DropoutOp d => new OpDto("dropout", Parameter: d.Probability),
        PoolOp p => new OpDto(OpName(p), Kernel: new[] { p.KernelH, p.KernelW }, Stride: new[] { p.StrideH, p.StrideW }, Padding: new[] { p.PaddingH, p.PaddingW }, CeilMode: p.CeilMode),
        _ => new OpDto(OpName(op)),
    };

    internal static GraphOp FromDto(OpDto d) => d.Op switch
    {
        "layer" => new LayerOp(Required(d.Layer, "layer")),
        "batch_norm" => new BatchNormOp(Required(d.Layer, "layer"), d.Dims is 1 or 2 ? d.Dims.Value : throw Bad("batch_norm needs dims 1 or 2")),
        "relu" => new ActivationOp(ActivationKind.Relu),
        "tanh" => new ActivationOp(ActivationKind.Tanh),
        "sigmoid" => new ActivationOp(ActivationKind.Sigmoid),
        "leaky_relu" => new ActivationOp(ActivationKind.LeakyRelu, Finite(d.Parameter, "leaky_relu slope")),
        "dropout" => new DropoutOp(Finite(d.Parameter, "dropout probability")),
        "flatten" => new FlattenOp(),
        "log_softmax" => new SoftmaxOp(true),
        "softmax" => new SoftmaxOp(false),
        "max_pool2d" or "avg_pool2d" => new PoolOp(d.Op == "max_pool2d" ? PoolKind.Max : PoolKind.Average,
            Pair(d.Kernel, "kernel", 1)[0], Pair(d.Kernel, "kernel", 1)[1], Pair(d.Stride, "stride", 1)[0], Pair(d.Stride, "stride", 1)[1],
            Pair(d.Padding, "padding", 0)[0], Pair(d.Padding, "padding", 0)[1], d.CeilMode ?? false),
        _ => throw Bad($"unknown operation '{d.Op}'"),
    };

    private static string Required(string? value, string what) => string.IsNullOrEmpty(value) ? throw Bad($"an operation lacks its {what}") : value;

    private static double Finite(double? value, string what) => value is double v && double.IsFinite(v) ? v : throw Bad($"the {what} is missing or not finite");

    private static long[] Pair(long[]? values, string what, long min)
        => values is { Length: 2 } && values.All(v => v >= min && v <= 4096) ? values : throw Bad($"a pooling {what} must be two numbers from {min} to 4096");

    internal static InvalidDataException Bad(string message) => new($"the manifest is invalid: {message}");
}

/// <summary>Kept-unit sets as bitmasks (one bit per unit, least significant first), base64 in the manifest.</summary>
public static class Bitmask
{
    /// <summary>Encodes ascending indices below <paramref name="count"/> as a base64 bitmask.</summary>
    public static string Encode(long[] indices, long count)
    {
        var bytes = new byte[(count + 7) / 8];
        foreach (var i in indices) bytes[i >> 3] |= (byte)(1 << (int)(i & 7));
        return Convert.ToBase64String(bytes);
    }

    /// <summary>Decodes a base64 bitmask of <paramref name="count"/> units into ascending indices; rejects stray bits.</summary>
    public static long[] Decode(string text, long count, string what)
    {
        byte[] bytes;
        try { bytes = Convert.FromBase64String(text); }
        catch (FormatException) { throw ArtifactManifest.Bad($"the kept set of {what} is not base64"); }
        if (bytes.LongLength != (count + 7) / 8) throw ArtifactManifest.Bad($"the kept set of {what} has {bytes.Length} bytes for {count} units");
        var result = new List<long>();
        for (long i = 0; i < bytes.LongLength * 8; i++)
        {
            bool set = (bytes[i >> 3] & (1 << (int)(i & 7))) != 0;
            if (!set) continue;
            if (i >= count) throw ArtifactManifest.Bad($"the kept set of {what} marks unit {i} of {count}");
            result.Add(i);
        }
        return result.ToArray();
    }
}
