using BayesGen.Graph;
using System.Buffers.Binary;
using System.Text.Json;
using BayesGen.Compression;
using BayesGen.Layers;

namespace BayesGen.Deployment;

/// <summary>
/// The BayesGen artifact file: a compressed network in as few bytes as its precision allows.
/// <code>
///   offset  size  content
///   0       8     magic "BAYESGEN"
///   8       2     format version (2), little-endian
///   10      2     reserved, 0
///   12      4     manifest length M
///   16      M     manifest: UTF-8 JSON (deployment graph, kept units as bitmasks, bits per layer, step exponents)
///   16+M    …     payload, per layer in manifest order: the kept weights' integer codes bit-packed at the
///                 layer's total bits (two's complement, LSB first), then the kept biases as float32;
///                 then per BatchNorm: γ, β, running mean, running variance of the kept channels, float32
///   end−4   4     CRC-32 of every byte before it
/// </code>
/// Reading checks everything before trusting it: the magic, the version, the checksum, every manifest field by
/// name and range, that the payload has exactly the length the manifest implies, that the weights are finite, and
/// that the graph, layers and input shape fit together. Memory is bounded by the file: no layer may claim more
/// weights than <see cref="MaxWeightsPerByte"/> per byte of the file (plus <see cref="WeightAllowance"/>).
/// </summary>
public static class ArtifactFormat
{
    /// <summary>The file's first eight bytes.</summary>
    public static ReadOnlySpan<byte> Magic => "BAYESGEN"u8;

    /// <summary>The format version this code writes and reads.</summary>
    public const ushort Version = 2;

    /// <summary>Bytes before the manifest.</summary>
    public const int PreambleLength = 16;

    /// <summary>The largest artifact read (64 MiB); BayesGen's networks are kilobytes to a few megabytes.</summary>
    public const long MaxFileBytes = 64L << 20;

    /// <summary>
    /// Kept weights a file may describe per byte of its own size: one bit per weight on average (a layer whose codes are
    /// all zero is stored at 0 bits, so its size alone does not bound it). Memory while reading is then bounded by about
    /// 64 times the file (a code and a float per weight) plus <see cref="WeightAllowance"/> weights.
    /// </summary>
    public const long MaxWeightsPerByte = 8;

    /// <summary>Kept weights any file may describe beyond <see cref="MaxWeightsPerByte"/> per byte.</summary>
    public const long WeightAllowance = 1L << 20;

    /// <summary>Writes <paramref name="model"/>, which must be quantised.</summary>
    public static void Write(CompressedModel model, Stream stream)
    {
        if (!model.IsQuantized)
            throw new InvalidOperationException("Only a quantised compressed model can be saved (this one holds unrounded weights for checking).");
        var manifest = JsonSerializer.SerializeToUtf8Bytes(ArtifactManifest.ToDto(model), ArtifactManifest.Json);
        using var buffer = new MemoryStream();
        buffer.Write(Magic);
        Span<byte> u16 = stackalloc byte[2];
        Span<byte> u32 = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(u16, Version); buffer.Write(u16);
        BinaryPrimitives.WriteUInt16LittleEndian(u16, 0); buffer.Write(u16);
        BinaryPrimitives.WriteInt32LittleEndian(u32, manifest.Length); buffer.Write(u32);
        buffer.Write(manifest);
        foreach (var layer in model.Layers)
        {
            buffer.Write(BitPacking.Pack(layer.Quantized!.Codes, layer.TotalBits));
            if (layer.Bias is not null) WriteFloats(buffer, layer.Bias);
        }
        foreach (var norm in model.Norms)
        {
            WriteFloats(buffer, norm.Weight);
            WriteFloats(buffer, norm.Bias);
            WriteFloats(buffer, norm.RunningMean);
            WriteFloats(buffer, norm.RunningVariance);
        }
        var body = buffer.ToArray();
        stream.Write(body);
        BinaryPrimitives.WriteUInt32LittleEndian(u32, System.IO.Hashing.Crc32.HashToUInt32(body));
        stream.Write(u32);
    }

    /// <summary>The size <see cref="Write"/> produces for <paramref name="model"/>, and of that the packed weight codes.</summary>
    public static (long Total, long WeightBytes) Size(CompressedModel model)
    {
        using var stream = new MemoryStream();
        Write(model, stream);
        long weights = model.Layers.Sum(l => BitPacking.PackedLength(l.KeptWeights, l.TotalBits));
        return (stream.Length, weights);
    }

    /// <summary>
    /// Opens an artifact for reading: only a plain file no larger than <see cref="MaxFileBytes"/> (a device, a pipe
    /// or a directory is refused rather than read forever).
    /// </summary>
    public static FileStream OpenForReading(string path) => IO.InputFiles.Open(path, PreambleLength + 4, MaxFileBytes, "a BayesGen artifact");

    /// <summary>Reads an artifact; throws <see cref="InvalidDataException"/> naming what is wrong.</summary>
    public static CompressedModel Read(Stream stream)
    {
        byte[] bytes = ReadAll(stream);
        if (bytes.Length < PreambleLength + 4) throw new InvalidDataException($"truncated: {bytes.Length} bytes is shorter than any artifact.");
        if (!bytes.AsSpan(0, 8).SequenceEqual(Magic)) throw new InvalidDataException("wrong magic: not a BayesGen artifact (it must start with \"BAYESGEN\").");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        if (version != Version)
            throw new InvalidDataException(version < Version
                ? $"format version {version} is an older BayesGen's; compress the run again (compress --run DIR) to write version {Version}."
                : $"format version {version} is not supported (this BayesGen reads version {Version}).");
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4));
        uint actual = System.IO.Hashing.Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4));
        if (stored != actual) throw new InvalidDataException($"checksum mismatch (stored {stored:x8}, computed {actual:x8}): the file is damaged or truncated.");
        int manifestLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        if (manifestLength <= 0 || manifestLength > bytes.Length - PreambleLength - 4)
            throw new InvalidDataException($"the manifest length {manifestLength} does not fit the file.");
        ArtifactManifest.ManifestDto dto;
        try
        {
            dto = JsonSerializer.Deserialize<ArtifactManifest.ManifestDto>(bytes.AsSpan(PreambleLength, manifestLength), ArtifactManifest.Json)
                ?? throw ArtifactManifest.Bad("it is empty");
        }
        catch (JsonException e)
        {
            throw ArtifactManifest.Bad($"not valid JSON ({e.Message})");
        }
        var payload = new ReadOnlySpan<byte>(bytes, PreambleLength + manifestLength, bytes.Length - PreambleLength - manifestLength - 4);
        return Build(dto, payload, MaxWeightsPerByte * bytes.Length + WeightAllowance);
    }

    private static byte[] ReadAll(Stream stream)
    {
        if (stream.CanSeek && stream.Length - stream.Position > MaxFileBytes)
            throw new InvalidDataException($"it has more than {MaxFileBytes} bytes, more than any artifact.");
        using var copy = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (copy.Length + read > MaxFileBytes) throw new InvalidDataException($"it has more than {MaxFileBytes} bytes, more than any artifact.");
            copy.Write(chunk, 0, read);
        }
        return copy.ToArray();
    }

    private static CompressedModel Build(ArtifactManifest.ManifestDto dto, ReadOnlySpan<byte> payload, long weightBudget)
    {
        if (dto.Nodes is null || dto.Layers is null || dto.Norms is null || dto.Model is null || dto.Prior is null || dto.InputShape is null)
            throw ArtifactManifest.Bad("a required section is missing");
        var model = ArtifactManifest.Name(dto.Model, "the model");
        var prior = ArtifactManifest.Enum<PriorKind>(dto.Prior, "the prior").ToString();
        if (dto.InputShape.Length is 0 or > 4 || dto.InputShape.Any(d => d <= 0 || d > ArtifactManifest.MaxDimension))
            throw ArtifactManifest.Bad("the input shape has a dimension out of range");
        var mode = ArtifactManifest.Enum<QuantizationMode>(dto.Quantization, "the quantization");
        if (dto.ExponentBits is < 0 or > 8) throw ArtifactManifest.Bad($"exponent bits {dto.ExponentBits} out of range");

        var nodes = new List<DeploymentNode>();
        for (int i = 0; i < dto.Nodes.Length; i++)
            nodes.Add(Node(dto.Nodes[i] ?? throw ArtifactManifest.Bad($"node {i} is null"), i));

        int offset = 0;
        var layers = new List<CompressedLayer>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var l in dto.Layers)
        {
            var layer = Layer(l ?? throw ArtifactManifest.Bad("a layer is null"), names, ref weightBudget, payload, ref offset);
            layers.Add(layer);
        }
        var norms = new List<CompressedNorm>();
        foreach (var n in dto.Norms)
        {
            if (n is null) throw ArtifactManifest.Bad("a BatchNorm is null");
            var name = ArtifactManifest.Name(n.Name, "a BatchNorm");
            if (!names.Add(name)) throw ArtifactManifest.Bad($"the name '{name}' occurs twice");
            if (n.Dims is not (1 or 2) || n.Channels <= 0 || n.Channels > ArtifactManifest.MaxDimension || !double.IsFinite(n.Eps) || n.Eps <= 0)
                throw ArtifactManifest.Bad($"BatchNorm '{name}' has invalid settings");
            var kept = Bitmask.Decode(n.Kept, n.Channels, $"BatchNorm '{name}'");
            if (kept.LongLength * 16 > payload.Length - offset)
                throw new InvalidDataException($"the payload is shorter than the manifest says (BatchNorm '{name}').");
            var weight = ReadFloats(payload, ref offset, kept.Length);
            var bias = ReadFloats(payload, ref offset, kept.Length);
            var mean = ReadFloats(payload, ref offset, kept.Length);
            var variance = ReadFloats(payload, ref offset, kept.Length);
            if (variance.Any(v => v < 0)) throw new InvalidDataException($"BatchNorm '{name}' has a negative running variance.");
            norms.Add(new CompressedNorm(name, n.Dims, n.Channels, kept, n.Eps, weight, bias, mean, variance));
        }
        if (offset != payload.Length)
            throw new InvalidDataException($"the payload has {payload.Length - offset} bytes more than the manifest describes.");
        if (layers.Count == 0) throw ArtifactManifest.Bad("the network has no layer");
        // The constructor follows the input through the graph and refuses anything that does not fit.
        return new CompressedModel(model, prior, dto.InputShape, new DeploymentGraph(nodes, dto.Output), dto.ExponentBits, mode, layers, norms);
    }

    private static DeploymentNode Node(ArtifactManifest.NodeDto d, int index)
    {
        var op = ArtifactManifest.FromDto(d, index);
        var inputs = d.Inputs ?? Array.Empty<int>();
        if (op is not InputOp && inputs.Length == 0) throw ArtifactManifest.Bad($"node {index} has no inputs");
        if (inputs.Length > 64 || inputs.Any(i => i < 0 || i >= index)) throw ArtifactManifest.Bad($"node {index} reads a node that does not come before it");
        int expected = op switch { InputOp => 0, BinaryOp => 2, ConcatOp => -1, _ => 1 };
        if (expected >= 0 && inputs.Length != expected) throw ArtifactManifest.Bad($"node {index} ({op.Name}) has {inputs.Length} inputs, not {expected}");
        var gathers = new InputGather?[inputs.Length];
        if (d.Gathers is not null)
        {
            if (d.Gathers.Length != inputs.Length) throw ArtifactManifest.Bad($"node {index} has {d.Gathers.Length} gathers for {inputs.Length} inputs");
            for (int k = 0; k < inputs.Length; k++)
            {
                if (d.Gathers[k] is not { } g) continue;
                if (g.Axis is < 1 or > 8) throw ArtifactManifest.Bad($"node {index} gathers along dimension {g.Axis}");
                gathers[k] = new InputGather(g.Axis, g.Of, Bitmask.Decode(g.Kept, g.Of, $"node {index}'s input {k}"));
            }
        }
        return new DeploymentNode(op, inputs, gathers);
    }

    private static CompressedLayer Layer(ArtifactManifest.LayerDto l, HashSet<string> names, ref long weightBudget, ReadOnlySpan<byte> payload, ref int offset)
    {
        var name = ArtifactManifest.Name(l.Name, "a layer");
        if (!names.Add(name)) throw ArtifactManifest.Bad($"the name '{name}' occurs twice");
        var where = $"layer '{name}'";
        var kind = ArtifactManifest.Enum<LayerKind>(l.Kind, where);
        int rank = kind switch { LayerKind.Linear => 2, LayerKind.Conv1d => 3, _ => 4 };
        if (l.WeightShape is null || l.WeightShape.Length != rank || l.WeightShape.Any(d => d <= 0 || d > ArtifactManifest.MaxDimension))
            throw ArtifactManifest.Bad($"{where} has an invalid weight shape");
        ConvGeometry? geometry = null;
        if (kind != LayerKind.Linear)
        {
            var g = l.Geometry ?? throw ArtifactManifest.Bad($"{where} has no convolution geometry");
            int dims = rank - 2;
            var kernel = ArtifactManifest.Sizes(g.Kernel, dims, 1, where, "kernel");
            geometry = new ConvGeometry(kernel, ArtifactManifest.Sizes(g.Stride, dims, 1, where, "stride"),
                ArtifactManifest.Sizes(g.Padding, dims, 0, where, "padding"), ArtifactManifest.Sizes(g.Dilation, dims, 1, where, "dilation"), g.Groups);
            if (!kernel.AsSpan().SequenceEqual(l.WeightShape.AsSpan(2))) throw ArtifactManifest.Bad($"{where}: the kernel disagrees with the weight shape");
            if (g.Groups < 1 || g.Groups > ArtifactManifest.MaxDimension || l.WeightShape[0] % g.Groups != 0)
                throw ArtifactManifest.Bad($"{where} has {g.Groups} channel groups for {l.WeightShape[0]} filters");
        }
        long inputUnits = kind == LayerKind.Linear ? l.WeightShape[1] : l.WeightShape[1] * geometry!.Groups;
        if (inputUnits > ArtifactManifest.MaxDimension) throw ArtifactManifest.Bad($"{where} has too many inputs");
        // The kept block, bounded by the file (codes at few bits) before any list of units or weights is allocated.
        long keptInCount = Bitmask.Count(l.KeptInputs, inputUnits, $"{where} inputs");
        long keptOutCount = Bitmask.Count(l.KeptOutputs, l.WeightShape[0], $"{where} outputs");
        var keptShape = new[] { keptOutCount, geometry is { Groups: > 1 } ? l.WeightShape[1] : keptInCount }.Concat(l.WeightShape.Skip(2)).ToArray();
        long count = 1;
        foreach (var d in keptShape)
        {
            count *= d;
            if (count > weightBudget) throw new InvalidDataException($"{where} claims more weights than a file of this size can hold.");
        }
        weightBudget -= count;
        var keptIn = Bitmask.Decode(l.KeptInputs, inputUnits, $"{where} inputs");
        var keptOut = Bitmask.Decode(l.KeptOutputs, l.WeightShape[0], $"{where} outputs");
        if (l.TotalBits is < 0 or > 32 || l.SignificandBits is < 0 or > 23 || l.StepExponent is < -160 or > 160)
            throw ArtifactManifest.Bad($"{where} has bits or a step out of range");
        if (geometry is { Groups: > 1 } && !(geometry.Groups == inputUnits && geometry.Groups == l.WeightShape[0]
                                             ? keptIn.AsSpan().SequenceEqual(keptOut) : keptIn.LongLength == inputUnits && keptOut.LongLength == l.WeightShape[0]))
            throw ArtifactManifest.Bad($"{where}: a grouped convolution keeps its channels whole (a depthwise one, the same channels in and out)");

        long packed = BitPacking.PackedLength(count, l.TotalBits);
        long biasBytes = l.Bias ? keptOut.LongLength * 4 : 0;
        if (packed + biasBytes > payload.Length - offset)
            throw new InvalidDataException($"the payload is shorter than the manifest says ({where} needs {packed + biasBytes} more bytes, {payload.Length - offset} remain).");
        var codes = BitPacking.Unpack(payload.Slice(offset, (int)packed), count, l.TotalBits);
        offset += (int)packed;
        float[]? bias = l.Bias ? ReadFloats(payload, ref offset, keptOut.Length) : null;
        var quantized = new QuantizedLayer(codes, l.StepExponent, l.TotalBits);
        var weights = quantized.Dequantize();
        if (weights.Any(w => !float.IsFinite(w))) throw new InvalidDataException($"{where}'s step 2^{l.StepExponent} makes weights that are not finite numbers.");
        return new CompressedLayer(name, kind, l.WeightShape, keptIn, keptOut, geometry, l.SignificandBits, quantized, weights, bias);
    }

    private static void WriteFloats(Stream stream, float[] values)
    {
        Span<byte> four = stackalloc byte[4];
        foreach (var v in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(four, v);
            stream.Write(four);
        }
    }

    private static float[] ReadFloats(ReadOnlySpan<byte> payload, ref int offset, int count)
    {
        if ((long)count * 4 > payload.Length - offset) throw new InvalidDataException("the payload is shorter than the manifest says.");
        var values = new float[count];
        for (int i = 0; i < count; i++, offset += 4)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(payload.Slice(offset));
            if (!float.IsFinite(values[i])) throw new InvalidDataException("the payload holds a value that is not a finite number.");
        }
        return values;
    }
}
