using System.Text;
using System.Text.Json.Nodes;

namespace BayesGen.Hostile;

/// <summary>
/// Artifacts damaged by accident (checksum left as it was) and edited on purpose (checksum recomputed): random
/// structural edits of the manifest, non-finite or random payload bytes, and the targeted edits that once crashed
/// or fooled the reader. Each is run through one of inspect, evaluate and export-onnx, in turn.
/// </summary>
public static class ArtifactCorpus
{
    private static readonly string[] Commands = ["inspect", "evaluate", "export-onnx"];

    /// <summary>Writes <paramref name="count"/> cases (the targeted ones first) under <paramref name="directory"/>.</summary>
    public static List<HostileCase> Generate(IReadOnlyList<Seed> seeds, string directory, int count, Random random)
    {
        var cases = new List<HostileCase>();
        void Add(Seed seed, byte[] bytes, string description, Expectation expect, string? text = null, string? command = null)
        {
            var id = $"a{cases.Count:D4}";
            var dir = Directory.CreateDirectory(Path.Combine(directory, id)).FullName;
            var path = Path.Combine(dir, "model.bgc");
            File.WriteAllBytes(path, bytes);
            command ??= Commands[cases.Count % Commands.Length];
            var onnx = Path.Combine(dir, "model.onnx");
            string[] args = command == "export-onnx" ? [command, "--artifact", path, "--out", onnx] : [command, "--artifact", path];
            cases.Add(new HostileCase("artifacts", id, $"{seed.Model}-{seed.Prior}: {description}", args, expect)
            {
                ExpectText = text,
                CheckArtifact = path,
                CheckOnnx = command == "export-onnx" ? onnx : null,
                WorkingDirectory = dir,
            });
        }

        // The targeted edits first (at most two thirds of the corpus, so random edits always take part), then random ones.
        foreach (var seed in seeds)
            foreach (var (bytes, description, expect, text) in Targeted(File.ReadAllBytes(seed.Artifact)))
                if (cases.Count < count * 2 / 3) Add(seed, bytes, description, expect, text);

        while (cases.Count < count)
        {
            var seed = seeds[random.Next(seeds.Count)];
            var original = File.ReadAllBytes(seed.Artifact);
            int kind = random.Next(100);
            if (kind < 40)
            {
                var (bytes, description) = RawDamage.Apply(original, random);
                Add(seed, bytes, "raw damage, checksum not recomputed: " + description, Expectation.Refused);
            }
            else if (kind < 85)
            {
                var file = ArtifactFile.Parse(original);
                int edits = 1 + random.Next(3);
                var descriptions = Enumerable.Range(0, edits).Select(_ => JsonEdits.ApplyRandom(file.Manifest, random)).ToArray();
                Add(seed, file.Seal(), "resealed manifest edit: " + string.Join("; ", descriptions), Expectation.Either);
            }
            else
            {
                var file = ArtifactFile.Parse(original);
                var description = PayloadEdit(file, random);
                Add(seed, file.Seal(), "resealed payload edit: " + description, Expectation.Either);
            }
        }
        return cases;
    }

    /// <summary>Random bytes, or a non-finite float, written into the payload.</summary>
    private static string PayloadEdit(ArtifactFile file, Random random)
    {
        var payload = file.Payload;
        if (payload.Length < 4) return "payload too short to edit";
        int at = random.Next(payload.Length - 3);
        switch (random.Next(3))
        {
            case 0:
                BitConverter.GetBytes(float.NaN).CopyTo(payload, at & ~3);
                return $"NaN written at payload byte {at & ~3}";
            case 1:
                BitConverter.GetBytes(float.PositiveInfinity).CopyTo(payload, payload.Length - 4 - 4 * random.Next(Math.Max(1, Math.Min(64, payload.Length / 4))));
                return "infinity written among the last floats (biases, BatchNorm statistics)";
            default:
                int n = Math.Min(payload.Length - at, 1 + random.Next(32));
                random.NextBytes(payload.AsSpan(at, n));
                return $"{n} random payload bytes at {at}";
        }
    }

    /// <summary>The edits that crashed, exhausted memory or were silently accepted before the reader validated everything.</summary>
    private static IEnumerable<(byte[] Bytes, string Description, Expectation Expect, string? Text)> Targeted(byte[] original)
    {
        ArtifactFile Fresh() => ArtifactFile.Parse(original);
        JsonArray Layers(ArtifactFile f) => f.Manifest["layers"]!.AsArray();

        var f = Fresh();
        f.Manifest["layers"] = new JsonArray((JsonNode?)null);
        yield return (f.Seal(), "\"layers\": [null]", Expectation.Refused, null);

        foreach (var (rows, cols) in new[] { (65536L, 32768L), (32768L, 32768L), (1L << 24, 1L << 24) })
        {
            f = Fresh();
            var layer = Layers(f)[0]!;
            var shape = layer["weight_shape"]!.AsArray();
            shape[0] = rows;
            shape[1] = cols;
            layer["kept_outputs"] = AllOnes(rows);
            layer["kept_inputs"] = AllOnes(cols);
            layer["total_bits"] = 0;
            layer["significand_bits"] = 0;
            yield return (f.Seal(), $"first layer {rows}x{cols}, every unit kept, at 0 bits", Expectation.Refused, null);
        }

        foreach (var exponent in new[] { 128, -200, 1000, int.MaxValue })
        {
            f = Fresh();
            Layers(f)[0]!["step_exponent"] = exponent;
            yield return (f.Seal(), $"step_exponent {exponent}", Expectation.Refused, null);
        }

        foreach (var kind in new JsonNode?[] { "5", "", null, 5, "BatchNorm" })
        {
            f = Fresh();
            Layers(f)[0]!["kind"] = kind;
            yield return (f.Seal(), $"layer kind {kind?.ToJsonString() ?? "null"}", Expectation.Refused, null);
        }

        var convolution = Fresh();
        int conv = Layers(convolution).ToList().FindIndex(l => l?["geometry"] is JsonObject);
        if (conv >= 0)
            foreach (var (field, value) in new (string, JsonNode)[] { ("padding", new JsonArray(3, 3)), ("dilation", new JsonArray(2, 2)), ("stride", new JsonArray(7, 7)), ("kernel", new JsonArray(3, 3)), ("groups", 7), ("padding", new JsonArray(-1, 0)), ("dilation", new JsonArray(0, 0)) })
            {
                f = Fresh();
                var geometry = Layers(f)[conv]!["geometry"]!;
                // An edit must change something: a network whose kernels are 3×3 gets 5×5 instead.
                var changed = JsonNode.DeepEquals(geometry[field], value) ? new JsonArray(5, 5) : value.DeepClone();
                geometry[field] = changed;
                yield return (f.Seal(), $"convolution geometry {field} := {changed.ToJsonString()}", Expectation.Refused, null);
            }

        var pooled = Fresh();
        int pool = pooled.Manifest["nodes"]!.AsArray().ToList().FindIndex(n => n?["op"]?.GetValue<string>() is "maxpool" or "avgpool");
        if (pool >= 0)
            foreach (var (field, value) in new (string, JsonNode)[] { ("kernel", new JsonArray(5, 5)), ("stride", new JsonArray(1, 1)), ("padding", new JsonArray(1, 1)), ("kernel", new JsonArray(0, 0)), ("padding", new JsonArray(9, 9)), ("ceil_mode", true) })
            {
                f = Fresh();
                f.Manifest["nodes"]![pool]![field] = value.DeepClone();
                yield return (f.Seal(), $"pool node {field} := {value.ToJsonString()}", Expectation.Either, null);
            }

        foreach (var shape in new[] { new JsonArray(1, 14, 56), new JsonArray(3, 28, 28), new JsonArray(), new JsonArray(0), new JsonArray(1, 28, 28, 1), new JsonArray(1, 65536, 65536) })
        {
            f = Fresh();
            f.Manifest["input_shape"] = shape;
            yield return (f.Seal(), $"input_shape := {shape.ToJsonString()}", Expectation.Either, null);
        }

        foreach (var output in new[] { -1, 9999, 0 })
        {
            f = Fresh();
            f.Manifest["output"] = output;
            yield return (f.Seal(), $"output node := {output}", output == 0 ? Expectation.Either : Expectation.Refused, null);
        }

        f = Fresh();
        var nodes = f.Manifest["nodes"]!.AsArray();
        nodes[^1]!["inputs"] = new JsonArray(nodes.Count - 1);
        yield return (f.Seal(), "last node reads itself (a cycle)", Expectation.Refused, null);

        f = Fresh();
        nodes = f.Manifest["nodes"]!.AsArray();
        nodes[1]!["inputs"] = new JsonArray(nodes.Count - 1);
        yield return (f.Seal(), "second node reads the last (a forward reference)", Expectation.Refused, null);

        f = Fresh();
        var name = Layers(f)[0]!["name"]!.GetValue<string>();
        Layers(f)[0]!["name"] = "x[";
        foreach (var node in f.Manifest["nodes"]!.AsArray())
            if (node?["layer"]?.GetValue<string>() == name) node["layer"] = "x[";
        // No network of the catalogue has a layer 'x[': refused by the comparison with the network, the name printed as it is.
        yield return (f.Seal(), "first layer renamed 'x[' (console markup)", Expectation.Refused, "'x['");

        f = Fresh();
        BitConverter.GetBytes(float.NaN).CopyTo(f.Payload, f.Payload.Length - 4);
        yield return (f.Seal(), "last payload float NaN", Expectation.Refused, null);

        f = Fresh();
        yield return (f.Seal(Encoding.UTF8.GetBytes(f.Manifest.ToJsonString()[..^7])), "manifest JSON cut short", Expectation.Refused, "not valid JSON");

        f = Fresh();
        f.Header[8] = 1;
        yield return (f.Seal(), "format version 1", Expectation.Refused, "compress the run again");

        foreach (var bits in new[] { 0, 64, -3 })
        {
            f = Fresh();
            f.Manifest["exponent_bits"] = bits;
            yield return (f.Seal(), $"exponent_bits := {bits}", Expectation.Either, null);
        }

        f = Fresh();
        f.Manifest["model"] = "Some.Other.Network";
        yield return (f.Seal(), "model name of an unknown network (generic loader)", Expectation.Accepted, null);
    }

    private static string AllOnes(long bits)
    {
        var bytes = new byte[(bits + 7) / 8];
        Array.Fill(bytes, (byte)0xff);
        return Convert.ToBase64String(bytes);
    }
}
