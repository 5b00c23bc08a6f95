using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using BayesGen.Compression;
using BayesGen.Layers;

namespace BayesGen.Deployment;

/// <summary>
/// The BayesGen artifact file: a compressed network in as few bytes as its precision allows.
/// <code>
///   offset  size  content
///   0       8     magic "BAYESGEN"
///   8       2     format version (1), little-endian
///   10      2     reserved, 0
///   12      4     manifest length M
///   16      M     manifest: UTF-8 JSON (architecture, kept units as bitmasks, bits per layer, step exponents)
///   16+M    …     payload, per layer in manifest order: the kept weights' integer codes bit-packed at the
///                 layer's total bits (two's complement, LSB first), then the kept biases as float32;
///                 then per BatchNorm: γ, β, running mean, running variance of the kept channels, float32
///   end−4   4     CRC-32 of every byte before it
/// </code>
/// Reading checks everything before trusting it: magic, version, the checksum, the manifest's structure and
/// ranges, and that the payload has exactly the length the manifest implies, so a damaged file is reported,
/// never loaded as garbage, and never makes the reader allocate more than the file holds.
/// </summary>
public static class ArtifactFormat
{
    /// <summary>The file's first eight bytes.</summary>
    public static ReadOnlySpan<byte> Magic => "BAYESGEN"u8;

    /// <summary>The format version this code writes and reads.</summary>
    public const ushort Version = 1;

    /// <summary>Bytes before the manifest.</summary>
    public const int PreambleLength = 16;

    private const long MaxDimension = 1 << 24;
    private const long MaxElements = 1L << 31;

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
            buffer.Write(BitPacking.Pack(layer.Codes!, layer.TotalBits));
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
        BinaryPrimitives.WriteUInt32LittleEndian(u32, Crc32.Compute(body));
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

    /// <summary>Reads an artifact; throws <see cref="InvalidDataException"/> naming what is wrong.</summary>
    public static CompressedModel Read(Stream stream)
    {
        long length = stream.CanSeek ? stream.Length - stream.Position : -1;
        if (length > int.MaxValue) throw new InvalidDataException("the file is larger than 2 GiB; not a BayesGen artifact.");
        byte[] bytes;
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            bytes = copy.ToArray();
        }
        if (bytes.Length < PreambleLength + 4) throw new InvalidDataException($"truncated: {bytes.Length} bytes is shorter than any artifact.");
        if (!bytes.AsSpan(0, 8).SequenceEqual(Magic)) throw new InvalidDataException("wrong magic: not a BayesGen artifact (it must start with \"BAYESGEN\").");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        if (version != Version) throw new InvalidDataException($"format version {version} is not supported (this BayesGen reads version {Version}).");
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4));
        uint actual = Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4));
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
        return Build(dto, payload);
    }

    private static CompressedModel Build(ArtifactManifest.ManifestDto dto, ReadOnlySpan<byte> payload)
    {
        if (dto.Ops is null || dto.Layers is null || dto.Norms is null || dto.Model is null || dto.Prior is null)
            throw ArtifactManifest.Bad("a required section is missing");
        if (dto.InputShape is not null && dto.InputShape.Any(d => d <= 0 || d > MaxDimension))
            throw ArtifactManifest.Bad("the input shape has a dimension out of range");
        if (!Enum.TryParse<QuantizationMode>(dto.Quantization, out var mode)) throw ArtifactManifest.Bad($"unknown quantization '{dto.Quantization}'");
        if (dto.ExponentBits is < 0 or > 8) throw ArtifactManifest.Bad($"exponent bits {dto.ExponentBits} out of range");
        var ops = dto.Ops.Select(ArtifactManifest.FromDto).ToArray();
        int offset = 0;
        var layers = new List<CompressedLayerData>();
        var names = new HashSet<string>();
        foreach (var l in dto.Layers)
        {
            if (string.IsNullOrEmpty(l.Name) || !names.Add(l.Name)) throw ArtifactManifest.Bad("a layer has no name or a duplicate name");
            if (!Enum.TryParse<LayerKind>(l.Kind, out var kind)) throw ArtifactManifest.Bad($"layer '{l.Name}' has unknown kind '{l.Kind}'");
            int rank = kind == LayerKind.Linear ? 2 : 4;
            if (l.WeightShape is null || l.WeightShape.Length != rank || l.WeightShape.Any(d => d <= 0 || d > MaxDimension))
                throw ArtifactManifest.Bad($"layer '{l.Name}' has an invalid weight shape");
            ConvGeometry? geometry = null;
            if (kind == LayerKind.Conv2d)
            {
                var g = l.Geometry;
                if (g is null || g.Length != 9 || g.Any(v => v < 0 || v > 4096) || g[0] < 1 || g[1] < 1 || g[2] < 1 || g[3] < 1 || g[6] < 1 || g[7] < 1 || g[8] != 1)
                    throw ArtifactManifest.Bad($"layer '{l.Name}' has invalid convolution geometry");
                if (g[0] != l.WeightShape[2] || g[1] != l.WeightShape[3]) throw ArtifactManifest.Bad($"layer '{l.Name}': the kernel disagrees with the weight shape");
                geometry = new ConvGeometry(g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8]);
            }
            var keptIn = Bitmask.Decode(l.KeptInputs ?? "", l.WeightShape[1], $"layer '{l.Name}' inputs");
            var keptOut = Bitmask.Decode(l.KeptOutputs ?? "", l.WeightShape[0], $"layer '{l.Name}' outputs");
            if (l.TotalBits is < 0 or > 32 || l.SignificandBits is < 0 or > 23 || l.StepExponent is < -160 or > 160)
                throw ArtifactManifest.Bad($"layer '{l.Name}' has bits or a step out of range");
            long count = checked(keptOut.LongLength * keptIn.LongLength * (rank == 4 ? l.WeightShape[2] * l.WeightShape[3] : 1));
            if (count > MaxElements) throw ArtifactManifest.Bad($"layer '{l.Name}' is too large");
            long packed = BitPacking.PackedLength(count, l.TotalBits);
            long biasBytes = l.Bias ? keptOut.LongLength * 4 : 0;
            if (packed + biasBytes > payload.Length - offset)
                throw new InvalidDataException($"the payload is shorter than the manifest says (layer '{l.Name}' needs {packed + biasBytes} more bytes, {payload.Length - offset} remain).");
            var codes = BitPacking.Unpack(payload.Slice(offset, (int)packed), count, l.TotalBits);
            offset += (int)packed;
            float[]? bias = l.Bias ? ReadFloats(payload, ref offset, keptOut.Length) : null;
            double step = Math.Pow(2.0, l.StepExponent);
            var weights = new float[count];
            for (long i = 0; i < count; i++) weights[i] = (float)(codes[i] * step);
            layers.Add(new CompressedLayerData(l.Name, kind, l.WeightShape, keptIn, keptOut, geometry, l.SignificandBits, l.TotalBits, l.StepExponent, codes, weights, bias));
        }
        var norms = new List<CompressedNormData>();
        foreach (var n in dto.Norms)
        {
            if (string.IsNullOrEmpty(n.Name) || !names.Add(n.Name)) throw ArtifactManifest.Bad("a BatchNorm has no name or a duplicate name");
            if (n.Dims is not (1 or 2) || n.Channels <= 0 || n.Channels > MaxDimension || !double.IsFinite(n.Eps) || n.Eps <= 0)
                throw ArtifactManifest.Bad($"BatchNorm '{n.Name}' has invalid settings");
            var kept = Bitmask.Decode(n.Kept ?? "", n.Channels, $"BatchNorm '{n.Name}'");
            if (kept.LongLength * 16 > payload.Length - offset)
                throw new InvalidDataException($"the payload is shorter than the manifest says (BatchNorm '{n.Name}').");
            norms.Add(new CompressedNormData(n.Name, n.Dims, n.Channels, kept, n.Eps,
                ReadFloats(payload, ref offset, kept.Length), ReadFloats(payload, ref offset, kept.Length),
                ReadFloats(payload, ref offset, kept.Length), ReadFloats(payload, ref offset, kept.Length)));
        }
        if (offset != payload.Length)
            throw new InvalidDataException($"the payload has {payload.Length - offset} bytes more than the manifest describes.");
        foreach (var op in ops)
        {
            if (op is LayerOp lo && !layers.Any(x => x.Name == lo.Layer)) throw ArtifactManifest.Bad($"the chain names layer '{lo.Layer}', which has no data");
            if (op is BatchNormOp bo && !norms.Any(x => x.Name == bo.Layer)) throw ArtifactManifest.Bad($"the chain names BatchNorm '{bo.Layer}', which has no data");
        }
        if (layers.Count == 0) throw ArtifactManifest.Bad("the network has no layer");
        try
        {
            var model = new CompressedModel(dto.Model, dto.Prior, dto.InputShape, new NetworkGraph(ops), dto.ExponentBits, mode, layers, norms);
            foreach (var n in norms)
            {
                var expected = DeploymentPlan.NormChannels(model.Graph, n.Name, layers, n.Channels);
                if (!expected.SequenceEqual(n.KeptChannels)) throw ArtifactManifest.Bad($"BatchNorm '{n.Name}' keeps other channels than the layer before it");
            }
            return model;
        }
        catch (KeyNotFoundException e)
        {
            throw ArtifactManifest.Bad(e.Message);
        }
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
