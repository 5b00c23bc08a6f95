using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace BayesGen.Hostile;

/// <summary>
/// Training checkpoints damaged by accident (checksum left alone) and edited on purpose (header fields, tensor bytes,
/// the header length; checksum recomputed). Each case is a run directory holding the seed's report and the damaged
/// checkpoint, given to <c>compress --run</c> or to <c>train --resume</c>.
/// </summary>
public static class CheckpointCorpus
{
    private const int MagicLength = 8;

    /// <summary>Writes <paramref name="count"/> cases under <paramref name="directory"/>.</summary>
    public static List<HostileCase> Generate(IReadOnlyList<Seed> seeds, string directory, int count, Random random)
    {
        var cases = new List<HostileCase>();
        while (cases.Count < count)
        {
            var seed = seeds[random.Next(seeds.Count)];
            var original = File.ReadAllBytes(seed.Checkpoint);
            var (bytes, description, expect) = cases.Count < TargetedCount ? Targeted(original, cases.Count) : Random(original, random);
            var id = $"c{cases.Count:D4}";
            var dir = Directory.CreateDirectory(Path.Combine(directory, id)).FullName;
            File.WriteAllBytes(Path.Combine(dir, "checkpoint.bgck"), bytes);
            File.Copy(seed.Report, Path.Combine(dir, "report.json"));
            bool resume = cases.Count % 4 == 3;
            string[] args = resume
                ? ["train", "--resume", "--out", dir, "--model", seed.Model, "--prior", seed.Prior, "--epochs", "2", "--train-subset", "256"]
                : ["compress", "--run", dir, "--train-subset", "512"];
            cases.Add(new HostileCase("checkpoints", id, $"{seed.Model}-{seed.Prior} ({args[0]}): {description}", args, expect)
            {
                CheckArtifact = Path.Combine(dir, "model.bgc"),
                WorkingDirectory = dir,
            });
        }
        return cases;
    }

    private const int TargetedCount = 6;

    private static (byte[], string, Expectation) Targeted(byte[] original, int which)
    {
        switch (which)
        {
            case 0:
                return (EditHeader(original, h => h["EpochsDone"] = 5), "header says 5 epochs done (resealed)", Expectation.Refused);
            case 1:
                return (ArtifactFile.Reseal(WithFloat(original, TensorStart(original) + 64, float.NaN)), "a NaN in the tensors (resealed)", Expectation.Either);
            case 2:
                var shortHeader = (byte[])original.Clone();
                BinaryPrimitives.WriteInt32LittleEndian(shortHeader.AsSpan(MagicLength), int.MaxValue);
                return (ArtifactFile.Reseal(shortHeader), "header length int.MaxValue (resealed)", Expectation.Refused);
            case 3:
                return (original[..(original.Length / 2)], "cut in half", Expectation.Refused);
            case 4:
                return (EditHeader(original, h => h["Model"] = "Another.Model"), "checkpoint of another model (resealed)", Expectation.Refused);
            default:
                var flipped = (byte[])original.Clone();
                flipped[TensorStart(original) + 100] ^= 0x10;
                return (flipped, "one tensor bit flipped", Expectation.Refused);
        }
    }

    private static (byte[], string, Expectation) Random(byte[] original, Random random)
    {
        switch (random.Next(3))
        {
            case 0:
                var (bytes, description) = RawDamage.Apply(original, random);
                return (bytes, "raw damage, checksum not recomputed: " + description, Expectation.Refused);
            case 1:
                string edit = "";
                var edited = EditHeader(original, h => edit = JsonEdits.ApplyRandom(h, random));
                return (edited, "resealed header edit: " + edit, Expectation.Either);
            default:
                int start = TensorStart(original);
                int at = start + random.Next(original.Length - 4 - start - 4);
                var value = random.Next(4) switch { 0 => float.NaN, 1 => float.PositiveInfinity, 2 => 1e38f, _ => BitConverter.Int32BitsToSingle(random.Next()) };
                return (ArtifactFile.Reseal(WithFloat(original, at, value)), $"resealed tensor bytes at {at} := {value}", Expectation.Either);
        }
    }

    private static int TensorStart(byte[] checkpoint) => MagicLength + 4 + BinaryPrimitives.ReadInt32LittleEndian(checkpoint.AsSpan(MagicLength));

    private static byte[] WithFloat(byte[] bytes, int at, float value)
    {
        var copy = (byte[])bytes.Clone();
        BitConverter.GetBytes(value).CopyTo(copy, at);
        return copy;
    }

    /// <summary>The checkpoint with its JSON header edited, the header length and the checksum recomputed.</summary>
    private static byte[] EditHeader(byte[] original, Action<JsonNode> edit)
    {
        int length = BinaryPrimitives.ReadInt32LittleEndian(original.AsSpan(MagicLength));
        var header = JsonNode.Parse(original.AsSpan(MagicLength + 4, length))!;
        edit(header);
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var rest = original.AsSpan(MagicLength + 4 + length).ToArray();
        var result = new byte[MagicLength + 4 + json.Length + rest.Length];
        original.AsSpan(0, MagicLength).CopyTo(result);
        BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(MagicLength), json.Length);
        json.CopyTo(result, MagicLength + 4);
        rest.CopyTo(result, MagicLength + 4 + json.Length);
        return ArtifactFile.Reseal(result);
    }
}
