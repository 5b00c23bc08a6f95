using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using BayesGen.Compression;
using BayesGen.Deployment;
using BayesGen.Tests.Generated;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Deployment;

/// <summary>
/// The artifact file: its size is what the compression rate says, and no damage — wrong magic, another
/// version, truncation anywhere, flipped bits, a manifest at odds with its payload, absurd sizes — gets past
/// the reader as anything but an InvalidDataException that says what is wrong.
/// </summary>
public sealed class ArtifactFormatTests
{
    private static readonly Lazy<(CompressedModel Model, CompressionResult Result, byte[] Bytes)> Sample = new(() =>
    {
        // Every value seeded: the plain network's own initialisation uses the global generator, which parallel tests share.
        using var plain = new ConvBnNet();
        using (no_grad())
            foreach (var p in plain.parameters()) p.uniform_(-0.2, 0.2, new torch.Generator(40));
        using var model = new ConvBnNet.Bayesian(plain, new BayesianOptions { InitGenerator = new torch.Generator(41) });
        BayesGen.Tests.Support.BayesianSetup.SpreadStatistics(model, 42);
        var thresholds = new PruningThresholds();
        foreach (var (name, layer) in model.BayesianLayers)
        {
            using var s = layer.Scale.PruningStatistic();
            var sorted = s.data<float>().ToArray().OrderBy(v => v).ToArray();
            thresholds.Set(name, layer.Scale.Direction == BayesGen.Layers.PruneDirection.Above ? sorted[^4] + 1e-6 : sorted[2] + 1e-6);
        }
        using var masks = model.ComputeMasks(thresholds);
        var result = NetworkCompression.Compress(model, masks, QuantizationMode.LayerScaled, thresholds);
        var compressed = CompressedModel.From(model, result);
        using var stream = new MemoryStream();
        ArtifactFormat.Write(compressed, stream);
        return (compressed, result, stream.ToArray());
    });

    private static CompressedModel Read(byte[] bytes) => ArtifactFormat.Read(new MemoryStream(bytes));

    private static byte[] WithChecksum(byte[] body)
    {
        var bytes = new byte[body.Length + 4];
        body.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(body.Length), System.IO.Hashing.Crc32.HashToUInt32(body));
        return bytes;
    }

    /// <summary>Rewrites the manifest (and the length and checksum), so that only its content is wrong.</summary>
    private static byte[] WithManifest(byte[] original, Func<string, string> edit)
    {
        int length = BinaryPrimitives.ReadInt32LittleEndian(original.AsSpan(12));
        var manifest = Encoding.UTF8.GetString(original, 16, length);
        var edited = Encoding.UTF8.GetBytes(edit(manifest));
        Assert.NotEqual(manifest, Encoding.UTF8.GetString(edited));
        var body = new List<byte>();
        body.AddRange(original.Take(12));
        body.AddRange(BitConverter.GetBytes(edited.Length));
        body.AddRange(edited);
        body.AddRange(original.Skip(16 + length).Take(original.Length - 16 - length - 4));
        return WithChecksum(body.ToArray());
    }

    [Fact]
    public void Quantised_weights_round_trip_bit_exactly()
    {
        var (model, _, bytes) = Sample.Value;
        var read = Read(bytes);
        foreach (var (a, b) in model.Layers.Zip(read.Layers))
        {
            Assert.Equal(a.Quantized!.Codes, b.Quantized!.Codes);
            Assert.Equal(a.Weights.Select(BitConverter.SingleToInt32Bits), b.Weights.Select(BitConverter.SingleToInt32Bits));
        }
        foreach (var (a, b) in model.Norms.Zip(read.Norms))
            Assert.Equal(a.RunningVariance, b.RunningVariance);
    }

    [Fact]
    public void File_size_matches_the_precision_compression_rate_plus_the_header()
    {
        var (model, result, bytes) = Sample.Value;
        long dense = 4 * result.Layers.Sum(l => l.TotalWeights);
        double weightBytes = dense / result.PrecisionRate;           // what CR_precision says the weights take
        int manifest = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        long biases = 4 * model.Layers.Sum(l => l.Bias?.Length ?? 0) + 16L * model.Norms.Sum(n => n.KeptChannels.Length);
        long header = ArtifactFormat.PreambleLength + manifest + 4 + biases;
        Assert.InRange(bytes.Length - header, weightBytes * 0.98, weightBytes * 1.02 + model.Layers.Count);
    }

    public static IEnumerable<object[]> Truncations()
    {
        var bytes = Sample.Value.Bytes;
        foreach (var cut in new[] { 0, 1, 7, 8, 11, 15, 16, 17, 100 }.Concat(Enumerable.Range(1, 25).Select(k => k * bytes.Length / 26)).Concat(new[] { bytes.Length - 5, bytes.Length - 1 }).Distinct())
            yield return new object[] { cut };
    }

    [Theory]
    [MemberData(nameof(Truncations))]
    public void Truncation_anywhere_is_reported(int cut)
    {
        var bytes = Sample.Value.Bytes;
        var e = Assert.Throws<InvalidDataException>(() => Read(bytes.Take(cut).ToArray()));
        Assert.Matches("truncated|checksum|magic|shorter", e.Message);
    }

    [Fact]
    public void Every_single_flipped_bit_is_caught()
    {
        var bytes = Sample.Value.Bytes;
        var random = new Random(5);
        for (int k = 0; k < 300; k++)
        {
            var damaged = (byte[])bytes.Clone();
            int position = k < 100 ? k : random.Next(bytes.Length);
            damaged[position] ^= (byte)(1 << random.Next(8));
            var e = Assert.Throws<InvalidDataException>(() => Read(damaged));
            Assert.Matches("checksum|magic|version", e.Message);
        }
    }

    [Fact]
    public void Wrong_magic_and_unknown_version_say_so()
    {
        var bytes = (byte[])Sample.Value.Bytes.Clone();
        bytes[0] = (byte)'X';
        Assert.Contains("wrong magic", Assert.Throws<InvalidDataException>(() => Read(bytes)).Message);
        var newer = (byte[])Sample.Value.Bytes.Clone();
        newer[8] = 7;
        Assert.Contains("format version 7 is not supported", Assert.Throws<InvalidDataException>(() => Read(newer)).Message);
        Assert.Contains("shorter than any artifact", Assert.Throws<InvalidDataException>(() => Read("BAYESGEN"u8.ToArray())).Message);
    }

    public static TheoryData<string, string, string> ManifestDamage => new()
    {
        { "more bits than the payload holds", "\"total_bits\":", "payload is shorter|not a finite number" },
        { "a layer bigger than 2^31 weights", "\"weight_shape\":[", "too large|invalid weight shape|bytes for" },
        { "a dimension of zero", "\"weight_shape\":[", "invalid weight shape" },
        { "an unknown operation", "\"op\":\"relu\"", "unknown operation" },
        { "not JSON", "{", "not valid JSON" },
        { "a kept set with a stray bit", "\"kept_outputs\":\"", "marks unit|bytes for" },
        { "an unknown layer kind", "\"kind\":\"Conv2d\"", "unknown LayerKind 'Conv3d'" },
        { "a BatchNorm with another channel set", "\"kept\":\"", "has \\d+ channels but gets|reads \\d+ features but gets|bytes for|marks unit|payload" },
    };

    [Theory]
    [MemberData(nameof(ManifestDamage))]
    public void A_manifest_at_odds_with_its_payload_is_reported(string what, string anchor, string expected)
    {
        var bytes = WithManifest(Sample.Value.Bytes, manifest =>
        {
            int at = manifest.IndexOf(anchor, StringComparison.Ordinal);
            Assert.True(at >= 0, $"{what}: '{anchor}' not in the manifest");
            int after = at + anchor.Length;
            return what switch
            {
                "more bits than the payload holds" => Regex.Replace(manifest, "\"total_bits\":(\\d+)", m => $"\"total_bits\":{int.Parse(m.Groups[1].Value) + 1}"),
                "a layer bigger than 2^31 weights" => new Regex("\"weight_shape\":\\[\\d+,\\d+").Replace(manifest, "\"weight_shape\":[16777216,16777216", 1),
                "a dimension of zero" => manifest[..after] + "0" + manifest[manifest.IndexOf(',', after)..],
                "an unknown operation" => manifest[..at] + "\"op\":\"swish_v9\"" + manifest[after..],
                "not JSON" => "[" + manifest,
                "a kept set with a stray bit" => new Regex("\"kept_outputs\":\"[^\"]*\"").Replace(manifest, "\"kept_outputs\":\"/////w==\"", 1),
                "an unknown layer kind" => manifest[..at] + "\"kind\":\"Conv3d\"" + manifest[after..],
                _ => manifest[..after] + "AA" + manifest[(after + 2)..],
            };
        });
        var e = Assert.Throws<InvalidDataException>(() => Read(bytes));
        Assert.Matches(expected, e.Message);
    }

    [Fact]
    public void Slices_shuffles_and_gathers_round_trip_and_out_of_range_ones_are_refused()
    {
        // ShuffleNet with branch1's filter 5 removed in the first stage: its shuffle keeps 15 channels, no longer evenly
        // laid out, so it is written as a gather; the next stage's chunk becomes slices of what is there.
        using var model = new Generated.Classic.ShuffleNetV2Style.Bayesian(new Generated.Classic.ShuffleNetV2Style(), Support.BayesianSetup.Seeded(5));
        Support.BayesianSetup.PruneGnj(model.Layer("stages.0.branch1.2"), 5);
        model.eval();
        using var masks = model.ComputeMasks();
        var result = NetworkCompression.Compress(model, masks, QuantizationMode.LayerScaled);
        var compressed = CompressedModel.From(model, result);
        using var stream = new MemoryStream();
        ArtifactFormat.Write(compressed, stream);
        var bytes = stream.ToArray();
        var read = Read(bytes);
        Assert.Equal(compressed.Graph.Nodes.Select(n => n.Op), read.Graph.Nodes.Select(n => n.Op));
        var gather = Assert.Single(read.Graph.Nodes.Select(n => n.Op).OfType<BayesGen.Graph.GatherOp>());
        Assert.Equal(15, gather.Indices.Length);
        Assert.Contains(read.Graph.Nodes, n => n.Op is BayesGen.Graph.SliceOp { Length: 7 });

        var far = WithManifest(bytes, m => Regex.Replace(m, "\"indices\":\\[\\d+", "\"indices\":[99", RegexOptions.None, TimeSpan.FromSeconds(1)));
        Assert.Matches("gather.*every index must lie in 0\\.\\.14", Assert.Throws<InvalidDataException>(() => Read(far)).Message);
        var beyond = WithManifest(bytes, m => new Regex("\"offset\":\\d+").Replace(m, "\"offset\":12", 1));
        Assert.Matches("slice\\(1, 12\\.\\.\\d+\\) does not fit", Assert.Throws<InvalidDataException>(() => Read(beyond)).Message);
        var negative = WithManifest(bytes, m => new Regex("\"offset\":\\d+").Replace(m, "\"offset\":-1", 1));
        Assert.Contains("needs an offset of 0 or more", Assert.Throws<InvalidDataException>(() => Read(negative)).Message);
    }

    [Fact]
    public void Padding_and_resizing_round_trip_and_damaged_ones_are_refused_by_name()
    {
        using var model = new Generated.Resampling.StyleTransferNet.Bayesian(new Generated.Resampling.StyleTransferNet(), Support.BayesianSetup.Seeded(5));
        model.eval();
        using var masks = model.ComputeMasks();
        var compressed = CompressedModel.From(model, NetworkCompression.Compress(model, masks, QuantizationMode.LayerScaled));
        using var stream = new MemoryStream();
        ArtifactFormat.Write(compressed, stream);
        var bytes = stream.ToArray();
        var read = Read(bytes);
        Assert.Equal(compressed.Graph.Nodes.Select(n => n.Op), read.Graph.Nodes.Select(n => n.Op));
        Assert.Equal(new[] { BayesGen.Graph.PadMode.Reflect, BayesGen.Graph.PadMode.Constant, BayesGen.Graph.PadMode.Replicate, BayesGen.Graph.PadMode.Constant },
            read.Graph.Nodes.Select(n => n.Op).OfType<BayesGen.Graph.PadOp>().Select(p => p.Mode));
        Assert.Equal(0.5, read.Graph.Nodes.Select(n => n.Op).OfType<BayesGen.Graph.PadOp>().Last().Value);
        Assert.Equal(new[] { 2.0, 2.0 }, Assert.Single(read.Graph.Nodes.Select(n => n.Op).OfType<BayesGen.Graph.ResizeOp>()).Scale);

        foreach (var (edit, expected) in new (Func<string, string>, string)[]
        {
            (m => m.Replace("\"kind\":\"Reflect\"", "\"kind\":\"Circular\""), "unknown PadMode 'Circular'"),
            (m => new Regex("\"padding\":\\[2,2,2,2\\]").Replace(m, "\"padding\":[16,16,2,2]", 1), "reflection needs each pad below the size it reflects"),
            (m => new Regex("\"padding\":\\[2,2,2,2\\]").Replace(m, "\"padding\":[2,2,2]", 1), "needs 2 or 4 paddings"),
            (m => m.Replace("\"scale\":[2,2]", "\"scale\":[-2,2]"), "needs 1 or 2 scales above 0"),
            (m => m.Replace("\"scale\":[2,2]", "\"scale\":[2,2],\"output_size\":[4,4]"), "an output size or a scale, not both"),
            (m => m.Replace("\"scale\":[2,2]", "\"scale\":[0.01,0.01]"), "leaves nothing of an input"),
        })
        {
            var damaged = WithManifest(bytes, m =>
            {
                var changed = edit(m);
                Assert.NotEqual(m, changed);
                return changed;
            });
            Assert.Contains(expected, Assert.Throws<InvalidDataException>(() => Read(damaged)).Message);
        }
    }

    [Fact]
    public void Absurd_dimensions_fail_before_any_large_allocation()
    {
        var bytes = WithManifest(Sample.Value.Bytes, manifest => manifest.Replace("\"weight_shape\":[10,", "\"weight_shape\":[16000000,"));
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidDataException>(() => Read(bytes));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64L * 1024 * 1024, $"reading the damaged file allocated {allocated / 1048576} MiB");
    }

    [Fact]
    public void An_unedited_artifact_fits_the_network_it_was_made_from()
    {
        using var plain = new ConvBnNet();
        Read(Sample.Value.Bytes).CheckMadeFrom(plain);
    }

    [Fact]
    public void A_resealed_geometry_edit_that_keeps_every_shape_is_found_by_comparing_with_the_network()
    {
        // conv2: padding 2 and dilation 2 keep a 3×3 convolution's output size, so the file reads and runs;
        // only the network itself shows that this is not the convolution it was trained with.
        var bytes = WithManifest(Sample.Value.Bytes, manifest =>
        {
            var geometry = new Regex("\"padding\":\\[1,1\\],\"dilation\":\\[1,1\\]");
            var matches = geometry.Matches(manifest);
            Assert.True(matches.Count >= 2, "conv1 and conv2 are padded");
            var second = matches[1];
            return manifest[..second.Index] + "\"padding\":[2,2],\"dilation\":[2,2]" + manifest[(second.Index + second.Length)..];
        });
        var edited = Read(bytes);
        using var plain = new ConvBnNet();
        var e = Assert.Throws<InvalidDataException>(() => edited.CheckMadeFrom(plain));
        Assert.Contains("'conv2'", e.Message);
        Assert.Contains("padding 2×2, dilation 2×2", e.Message);
        Assert.Contains("padding 1×1, dilation 1×1", e.Message);
    }

    [Fact]
    public void An_artifact_compared_with_another_network_names_the_first_difference()
    {
        using var other = new TinyLeNet();
        var e = Assert.Throws<InvalidDataException>(() => Read(Sample.Value.Bytes).CheckMadeFrom(other));
        Assert.Contains("does not fit", e.Message);
        Assert.Contains("compress the trained run again", e.Message);
    }

    [Fact]
    public void A_file_of_another_network_is_refused_by_the_generated_class()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, Sample.Value.Bytes);
            var e = Assert.Throws<InvalidDataException>(() => TinyLeNet.Compressed.Load(path));
            Assert.Contains("does not fit TinyLeNet.Compressed", e.Message);
            File.WriteAllBytes(path, new byte[] { 1, 2, 3 });
            var f = Assert.Throws<InvalidDataException>(() => CompressedModel.Load(path));
            Assert.StartsWith(path, f.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
