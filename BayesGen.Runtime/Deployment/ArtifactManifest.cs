using BayesGen.Graph;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BayesGen.Deployment;

/// <summary>
/// The manifest of an artifact file: the network's deployment graph, its layers' kept units and bits, as JSON.
/// Everything needed to rebuild the network except the weight values, which follow in the binary payload.
/// Reading validates every field by name and range and names what is wrong.
/// </summary>
internal static class ArtifactManifest
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
        MaxDepth = 16,
    };

    /// <summary>Largest unit count, kernel or dimension a manifest may name.</summary>
    internal const long MaxDimension = 1 << 24;

    /// <summary>Largest window (kernel, stride, padding) a manifest may name.</summary>
    internal const long MaxWindow = 4096;

    /// <summary>Largest resize factor a manifest may name.</summary>
    internal const double MaxScale = 64;

    internal sealed record GatherDto(int Axis, long Of, string? Kept);

    internal sealed record NodeDto(string? Op, int[]? Inputs = null, GatherDto?[]? Gathers = null, string? Layer = null,
        double? Alpha = null, double? Beta = null, string? DropoutKind = null, double? P = null,
        long[]? Kernel = null, long[]? Stride = null, long[]? Padding = null, bool? CeilMode = null, bool? CountIncludePad = null,
        long[]? OutputSize = null, int? Start = null, int? End = null, int? Dim = null, int[]? Dims = null, bool? KeepDim = null,
        string? Kind = null, double? Value = null, bool? ScalarFirst = null, long? Offset = null, long? Length = null, long? Groups = null, long[]? Indices = null,
        double[]? Scale = null, bool? AlignCorners = null, long? Factor = null);

    internal sealed record GeometryDto(long[]? Kernel, long[]? Stride, long[]? Padding, long[]? Dilation, long Groups);

    internal sealed record LayerDto(string? Name, string? Kind, long[]? WeightShape, string? KeptInputs, string? KeptOutputs,
        GeometryDto? Geometry, int SignificandBits, int TotalBits, int StepExponent, bool Bias);

    internal sealed record NormDto(string? Name, int Dims, long Channels, string? Kept, double Eps);

    internal sealed record ManifestDto(string? Model, string? Prior, long[]? InputShape, int ExponentBits, string? Quantization,
        NodeDto?[]? Nodes, int Output, LayerDto?[]? Layers, NormDto?[]? Norms);

    // ---- writing --------------------------------------------------------------------------------------

    internal static ManifestDto ToDto(CompressedModel m) => new(
        m.Model, m.Prior, m.InputShape, m.ExponentBits, m.Quantization.ToString(),
        m.Graph.Nodes.Select(n => ToDto(n, m)).ToArray(), m.Graph.Output,
        m.Layers.Select(l => new LayerDto(l.Name, l.Kind.ToString(), l.WeightShape,
            Bitmask.Encode(l.KeptInputs, l.InputUnits), Bitmask.Encode(l.KeptOutputs, l.OutputUnits),
            l.Geometry is { } g ? new GeometryDto(g.Kernel, g.Stride, g.Padding, g.Dilation, g.Groups) : null,
            l.SignificandBits, l.TotalBits, l.Quantized!.StepExponent, l.Bias is not null)).ToArray(),
        m.Norms.Select(n => new NormDto(n.Name, n.Dimensions, n.Channels, Bitmask.Encode(n.KeptChannels, n.Channels), n.Epsilon)).ToArray());

    private static NodeDto ToDto(DeploymentNode node, CompressedModel m)
    {
        var inputs = node.Inputs.Count == 0 ? null : node.Inputs.ToArray();
        var gathers = node.Gathers.Any(g => g is not null)
            ? node.Gathers.Select(g => g is null ? null : new GatherDto(g.Axis, g.Of, Bitmask.Encode(g.Indices, g.Of))).ToArray()
            : null;
        var dto = new NodeDto(node.Op.Name, inputs, gathers);
        return node.Op switch
        {
            InputOp => dto,
            LayerOp l => dto with { Layer = l.Layer },
            BatchNormOp b => dto with { Layer = b.Layer },
            ActivationOp a => dto with { Alpha = a.Alpha == 0 ? null : a.Alpha, Beta = a.Beta == 0 ? null : a.Beta },
            DropoutOp d => dto with { DropoutKind = d.Kind.ToString(), P = d.Probability },
            PoolOp p => dto with { Kernel = p.Kernel, Stride = p.Stride, Padding = p.Padding, CeilMode = p.CeilMode, CountIncludePad = p.CountIncludePad },
            AdaptivePoolOp a => dto with { OutputSize = a.OutputSize },
            FlattenOp f => dto with { Start = f.Start, End = f.End },
            UnsqueezeOp u => dto with { Dim = u.Dim },
            SqueezeOp q => dto with { Dim = q.Dim },
            PermuteOp p => dto with { Dims = p.Dims },
            SoftmaxOp s => dto with { Dim = s.Dim },
            BinaryOp => dto,
            ScalarOp s => dto with { Kind = s.Kind.ToString(), Value = s.Value, ScalarFirst = s.ScalarFirst },
            ConcatOp c => dto with { Dim = c.Dim },
            ReduceOp r => dto with { Dims = r.Dims, KeepDim = r.KeepDim },
            SliceOp sl => dto with { Dim = sl.Dim, Offset = sl.Start, Length = sl.Length },
            ChannelShuffleOp cs => dto with { Groups = cs.Groups },
            GatherOp g => dto with { Dim = g.Dim, Indices = g.Indices },
            PadOp p => dto with { Kind = p.Mode.ToString(), Padding = p.Pads, Value = p.Mode == PadMode.Constant ? p.Value : null },
            PixelShuffleOp p => dto with { Factor = p.Factor },
            LocalResponseNormOp l => dto with { Length = l.Size, Alpha = l.Alpha, Beta = l.Beta, Value = l.K },
            ResizeOp r => dto with { Kind = r.Mode.ToString(), OutputSize = r.Size, Scale = r.Scale, AlignCorners = r.Mode == ResizeMode.Linear ? r.AlignCorners : null },
            _ => throw new NotSupportedException($"Operation '{node.Op.Name}' cannot be written."),
        };
    }

    // ---- reading --------------------------------------------------------------------------------------

    /// <summary>The operation a node describes, every field checked.</summary>
    internal static GraphOp FromDto(NodeDto d, int index)
    {
        string op = d.Op ?? throw Bad($"node {index} has no operation");
        string where = $"node {index} ({op})";
        switch (op)
        {
            case "input": return new InputOp();
            case "layer": return new LayerOp(Name(d.Layer, where));
            case "batch_norm": return new BatchNormOp(Name(d.Layer, where));
            case "dropout":
                return new DropoutOp(Enum<DropoutKind>(d.DropoutKind, where), d.P is double p && p >= 0 && p <= 1 ? p : throw Bad($"{where} needs a probability from 0 to 1"));
            case "max_pool1d" or "max_pool2d" or "avg_pool1d" or "avg_pool2d":
            {
                int rank = op.EndsWith("1d", StringComparison.Ordinal) ? 1 : 2;
                var kernel = Sizes(d.Kernel, rank, 1, where, "kernel");
                var padding = Sizes(d.Padding, rank, 0, where, "padding");
                for (int i = 0; i < rank; i++)
                    if (padding[i] * 2 > kernel[i]) throw Bad($"{where} pads more than half its kernel");
                return new PoolOp(op.StartsWith("max", StringComparison.Ordinal) ? PoolKind.Max : PoolKind.Average,
                    kernel, Sizes(d.Stride, rank, 1, where, "stride"), padding, d.CeilMode ?? false, d.CountIncludePad ?? true);
            }
            case "adaptive_avg_pool1d" or "adaptive_avg_pool2d" or "adaptive_max_pool1d" or "adaptive_max_pool2d":
                return new AdaptivePoolOp(Sizes(d.OutputSize, op.EndsWith("1d", StringComparison.Ordinal) ? 1 : 2, 1, where, "output size"),
                    op.Contains("max", StringComparison.Ordinal) ? PoolKind.Max : PoolKind.Average);
            case "flatten":
                return new FlattenOp(Dim(d.Start, where), Dim(d.End, where));
            case "unsqueeze": return new UnsqueezeOp(Dim(d.Dim, where));
            case "squeeze": return new SqueezeOp(Dim(d.Dim, where));
            case "permute":
                return new PermuteOp(d.Dims is { Length: > 0 and <= 8 } dims ? dims : throw Bad($"{where} needs its dimensions"));
            case "softmax": return new SoftmaxOp(false, Dim(d.Dim, where));
            case "log_softmax": return new SoftmaxOp(true, Dim(d.Dim, where));
            case "add": return new BinaryOp(BinaryKind.Add);
            case "subtract": return new BinaryOp(BinaryKind.Subtract);
            case "multiply": return new BinaryOp(BinaryKind.Multiply);
            case "divide": return new BinaryOp(BinaryKind.Divide);
            case "scalar_add" or "scalar_subtract" or "scalar_multiply" or "scalar_divide":
            {
                var kind = Enum<BinaryKind>(d.Kind, where);
                if (op != "scalar_" + kind.ToString().ToLowerInvariant()) throw Bad($"{where} has kind {kind}");
                double value = Finite(d.Value, where, "value");
                bool first = d.ScalarFirst ?? false;
                if (kind == BinaryKind.Divide && !first && value == 0) throw Bad($"{where} divides by zero");
                return new ScalarOp(kind, value, first);
            }
            case "concat": return new ConcatOp(Dim(d.Dim, where));
            case "slice":
                return new SliceOp(Dim(d.Dim, where), d.Offset is long start && start >= 0 ? start : throw Bad($"{where} needs an offset of 0 or more"),
                    d.Length is long length && length >= 1 ? length : throw Bad($"{where} needs a length of 1 or more"));
            case "channel_shuffle":
                return new ChannelShuffleOp(d.Groups is long groups && groups >= 1 ? groups : throw Bad($"{where} needs a number of groups of 1 or more"));
            case "gather":
                return new GatherOp(Dim(d.Dim, where), d.Indices is { Length: > 0 } indices && indices.All(i => i >= 0) ? indices : throw Bad($"{where} needs indices of 0 or more"));
            case "pad":
            {
                var mode = Enum<PadMode>(d.Kind, where);
                var pads = d.Padding is { Length: 2 or 4 } given ? Sizes(given, given.Length, 0, where, "padding") : throw Bad($"{where} needs 2 or 4 paddings");
                return new PadOp(pads, mode, mode == PadMode.Constant && d.Value is not null ? Finite(d.Value, where, "value") : 0);
            }
            case "pixel_shuffle":
                return new PixelShuffleOp(d.Factor is long factor && factor >= 1 && factor <= 64 ? factor : throw Bad($"{where} needs an upscale factor from 1 to 64"));
            case "local_response_norm":
            {
                long size = d.Length is long n && n >= 1 && n <= MaxWindow ? n : throw Bad($"{where} needs a window of 1 to {MaxWindow} channels");
                double beta = Finite(d.Beta, where, "beta"), k = Finite(d.Value, where, "k");
                if (k <= 0 && beta != 0) throw Bad($"{where} needs k above 0 (it is raised to the power β)");
                return new LocalResponseNormOp(size, Finite(d.Alpha, where, "alpha"), beta, k);
            }
            case "upsample":
            {
                var mode = Enum<ResizeMode>(d.Kind, where);
                if ((d.OutputSize is null) == (d.Scale is null)) throw Bad($"{where} needs an output size or a scale, not both");
                var size = d.OutputSize is { Length: 1 or 2 } o ? Sizes(o, o.Length, 1, where, "output size") : d.OutputSize is null ? null : throw Bad($"{where} needs 1 or 2 output sizes");
                var scale = d.Scale is null ? null
                    : d.Scale is { Length: 1 or 2 } sc && sc.All(v => double.IsFinite(v) && v > 0 && v <= MaxScale) ? sc
                    : throw Bad($"{where} needs 1 or 2 scales above 0 and at most {MaxScale}");
                return new ResizeOp(mode, d.AlignCorners ?? false, size, scale);
            }
            case "mean" or "sum" or "amax":
                return new ReduceOp(op switch { "mean" => ReduceKind.Mean, "amax" => ReduceKind.Max, _ => ReduceKind.Sum },
                    d.Dims is { Length: > 0 and <= 8 } r && r.All(x => x >= 1 && x <= 8) ? r : throw Bad($"{where} needs dimensions from 1 to 8"), d.KeepDim ?? false);
        }
        if (ActivationNames.TryGetValue(op, out var activation))
        {
            double alpha = d.Alpha is null ? 0 : Finite(d.Alpha, where, "alpha");
            double beta = d.Beta is null ? 0 : Finite(d.Beta, where, "beta");
            if (activation == ActivationKind.Softplus && alpha == 0) throw Bad($"{where} needs a nonzero β");
            if (activation == ActivationKind.Celu && alpha == 0) throw Bad($"{where} needs a nonzero α");
            if (activation == ActivationKind.Hardtanh && alpha > beta) throw Bad($"{where} has its minimum above its maximum");
            return new ActivationOp(activation, alpha, beta);
        }
        throw Bad($"node {index} has unknown operation '{op}'");
    }

    private static readonly Dictionary<string, ActivationKind> ActivationNames =
        System.Enum.GetValues<ActivationKind>().ToDictionary(k => new ActivationOp(k).Name, k => k, StringComparer.Ordinal);

    /// <summary>An enum value by its name only (numbers such as "5" are not names).</summary>
    internal static T Enum<T>(string? text, string where) where T : struct, Enum
        => text is not null && System.Enum.GetNames<T>().Contains(text, StringComparer.Ordinal)
            ? System.Enum.Parse<T>(text)
            : throw Bad($"{where} has unknown {typeof(T).Name} '{text}' (one of {string.Join(", ", System.Enum.GetNames<T>())})");

    internal static string Name(string? value, string where)
        => !string.IsNullOrEmpty(value) && value.Length <= 512 && !value.Any(char.IsControl) ? value : throw Bad($"{where} lacks a valid name");

    private static int Dim(int? value, string where) => value is int d && d >= 1 && d <= 8 ? d : throw Bad($"{where} needs a dimension from 1 to 8");

    private static double Finite(double? value, string where, string what)
        => value is double v && double.IsFinite(v) ? v : throw Bad($"{where}: the {what} is missing or not finite");

    internal static long[] Sizes(long[]? values, int count, long min, string where, string what)
        => values is not null && values.Length == count && values.All(v => v >= min && v <= MaxWindow)
            ? values
            : throw Bad($"{where}: the {what} must be {count} number(s) from {min} to {MaxWindow}");

    internal static InvalidDataException Bad(string message) => new($"the manifest is invalid: {message}.");
}

/// <summary>Kept-unit sets as bitmasks (one bit per unit, least significant first), base64 in the manifest.</summary>
internal static class Bitmask
{
    /// <summary>Encodes ascending indices below <paramref name="count"/> as a base64 bitmask.</summary>
    public static string Encode(long[] indices, long count)
    {
        var bytes = new byte[(count + 7) / 8];
        foreach (var i in indices) bytes[i >> 3] |= (byte)(1 << (int)(i & 7));
        return Convert.ToBase64String(bytes);
    }

    /// <summary>How many units a base64 bitmask of <paramref name="count"/> units keeps, without listing them; rejects stray bits.</summary>
    public static long Count(string? text, long count, string what)
    {
        var bytes = Bytes(text, count, what);
        long kept = 0;
        foreach (var b in bytes) kept += System.Numerics.BitOperations.PopCount(b);
        return kept;
    }

    /// <summary>Decodes a base64 bitmask of <paramref name="count"/> units into ascending indices; rejects stray bits.</summary>
    public static long[] Decode(string? text, long count, string what)
    {
        var bytes = Bytes(text, count, what);
        var result = new List<long>();
        for (long i = 0; i < bytes.LongLength * 8; i++)
        {
            if ((bytes[i >> 3] & (1 << (int)(i & 7))) == 0) continue;
            if (i >= count) throw ArtifactManifest.Bad($"the kept set of {what} marks unit {i} of {count}");
            result.Add(i);
        }
        return result.ToArray();
    }

    private static byte[] Bytes(string? text, long count, string what)
    {
        if (count < 0 || count > ArtifactManifest.MaxDimension) throw ArtifactManifest.Bad($"{what} has {count} units");
        byte[] bytes;
        try { bytes = Convert.FromBase64String(text ?? throw ArtifactManifest.Bad($"the kept set of {what} is missing")); }
        catch (FormatException) { throw ArtifactManifest.Bad($"the kept set of {what} is not base64"); }
        if (bytes.LongLength != (count + 7) / 8) throw ArtifactManifest.Bad($"the kept set of {what} has {bytes.Length} bytes for {count} units");
        if (count % 8 != 0 && bytes.Length > 0 && bytes[^1] >> (int)(count % 8) != 0)
            throw ArtifactManifest.Bad($"the kept set of {what} marks a unit beyond its {count}");
        return bytes;
    }
}
