using System.Buffers.Binary;
using System.IO.Compression;
using BayesGen.Training;
using BayesGen.Samples.Data;

namespace BayesGen.Hostile;

/// <summary>
/// Data directories in which one file (or the arrangement of files) is hostile: damaged headers, counts that do not
/// match, labels out of range or shifted, images of another size, swapped sets, gzip damage and bombs, pipes,
/// devices and directories where a file should be. The untouched files are links to the real MNIST files. Test-set
/// damage is given to <c>evaluate --data</c>, training-set damage to <c>train --data</c>; some cases add
/// <c>--accept-modified-data</c>, under which only structurally invalid files may be refused.
/// </summary>
public static class IdxCorpus
{
    private delegate (string Description, bool Structural) Damage(string directory, string file, byte[] content, Random random);

    private static readonly Damage[] Damages =
    [
        Header(0, 1, "magic byte"),
        Header(0x0D, 0xff, "element type"),
        Rank,
        Dimension,
        Truncated,
        Trailing,
        LabelsOutOfRange,
        ShiftedLabels,
        Reshaped,
        Swapped,
        GzipOfReal,
        GzipOfDamaged,
        GzipCut,
        GzipBomb,
        SpecialFile,
        RandomBytes,
    ];

    /// <summary>Writes <paramref name="count"/> cases under <paramref name="directory"/>, using the real files in <paramref name="mnist"/>.</summary>
    public static List<HostileCase> Generate(string mnist, Seed seed, string directory, int count, Random random)
    {
        var cases = new List<HostileCase>();
        while (cases.Count < count)
        {
            var id = $"i{cases.Count:D4}";
            var dir = Directory.CreateDirectory(Path.Combine(directory, id)).FullName;
            bool train = random.Next(4) == 0;
            var file = train ? (random.Next(2) == 0 ? DatasetInfo.TrainImages : DatasetInfo.TrainLabels)
                             : (random.Next(2) == 0 ? DatasetInfo.TestImages : DatasetInfo.TestLabels);
            foreach (var name in DatasetInfo.FileNames)
                File.CreateSymbolicLink(Path.Combine(dir, name), DatasetDirectory.Find(mnist, name)!);
            var content = File.ReadAllBytes(DatasetDirectory.Find(mnist, file)!);
            var damage = Damages[cases.Count < Damages.Length ? cases.Count : random.Next(Damages.Length)];
            var (description, structural) = damage(dir, file, content, random);
            bool accept = random.Next(10) < 3;
            var args = new List<string>(train
                ? ["train", "--model", "lenet300", "--epochs", "1", "--train-subset", "64", "--out", Path.Combine(dir, "run"), "--data", dir]
                : ["evaluate", "--artifact", seed.Artifact, "--data", dir]);
            if (accept) args.Add("--accept-modified-data");
            cases.Add(new HostileCase("idx", id, $"{file}: {description}" + (accept ? " (with --accept-modified-data)" : ""), args.ToArray(),
                accept && !structural ? Expectation.Either : description.StartsWith("gzip of the real file", StringComparison.Ordinal) ? Expectation.Accepted : Expectation.Refused)
            {
                WorkingDirectory = dir,
            });
        }
        return cases;
    }

    private static string Replace(string directory, string file, byte[] content)
    {
        var path = Path.Combine(directory, file);
        File.Delete(path);
        File.WriteAllBytes(path, content);
        return path;
    }

    private static int HeaderLength(byte[] content) => 4 + 4 * content[3];

    private static Damage Header(byte a, byte b, string what) => (dir, file, content, random) =>
    {
        var copy = (byte[])content.Clone();
        int at = what == "magic byte" ? random.Next(2) : 2;
        copy[at] = random.Next(2) == 0 ? a : b;
        if (copy[at] == content[at]) copy[at] ^= 0x01;
        Replace(dir, file, copy);
        return ($"{what} changed to 0x{copy[at]:x2}", true);
    };

    private static (string, bool) Rank(string dir, string file, byte[] content, Random random)
    {
        var copy = (byte[])content.Clone();
        copy[3] = new byte[] { 0, 2, 5, 255 }[random.Next(4)];
        Replace(dir, file, copy);
        return ($"rank byte changed to {copy[3]}", true);
    }

    private static (string, bool) Dimension(string dir, string file, byte[] content, Random random)
    {
        var copy = (byte[])content.Clone();
        int dim = random.Next(content[3]);
        int old = BinaryPrimitives.ReadInt32BigEndian(copy.AsSpan(4 + 4 * dim));
        int value = new[] { 0, -1, int.MaxValue, old + 1, old - 1, old * 2, 1 << 20 }[random.Next(7)];
        BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(4 + 4 * dim), value);
        Replace(dir, file, copy);
        return ($"dimension {dim} changed from {old} to {value}", true);
    }

    private static (string, bool) Truncated(string dir, string file, byte[] content, Random random)
    {
        int length = random.Next(content.Length);
        Replace(dir, file, content[..length]);
        return ($"truncated to {length} of {content.Length} bytes", true);
    }

    private static (string, bool) Trailing(string dir, string file, byte[] content, Random random)
    {
        var extra = new byte[1 + random.Next(1000)];
        random.NextBytes(extra);
        Replace(dir, file, content.Concat(extra).ToArray());
        return ($"{extra.Length} bytes appended", true);
    }

    private static (string, bool) LabelsOutOfRange(string dir, string file, byte[] content, Random random)
    {
        if (!file.Contains("labels", StringComparison.Ordinal)) return Reshaped(dir, file, content, random);
        var copy = (byte[])content.Clone();
        int at = HeaderLength(copy) + random.Next(copy.Length - HeaderLength(copy));
        copy[at] = (byte)random.Next(10, 256);
        Replace(dir, file, copy);
        return ($"label {copy[at]} at value {at - HeaderLength(copy)}", true);
    }

    private static (string, bool) ShiftedLabels(string dir, string file, byte[] content, Random random)
    {
        var copy = (byte[])content.Clone();
        int h = HeaderLength(copy);
        var values = copy.AsSpan(h);
        byte first = values[0];
        values[1..].CopyTo(values);
        values[^1] = first;
        Replace(dir, file, copy);
        return ("values shifted by one (every label moves to the wrong image)", false);
    }

    private static (string, bool) Reshaped(string dir, string file, byte[] content, Random random)
    {
        if (content[3] != 3) return ShiftedLabels(dir, file, content, random);
        var copy = (byte[])content.Clone();
        BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(8), 14);
        BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(12), 56);
        Replace(dir, file, copy);
        return ("images declared 14x56 instead of 28x28 (same bytes)", false);
    }

    private static (string, bool) Swapped(string dir, string file, byte[] content, Random random)
    {
        string Other(string f) => f switch
        {
            DatasetInfo.TrainImages => DatasetInfo.TestImages,
            DatasetInfo.TestImages => DatasetInfo.TrainImages,
            DatasetInfo.TrainLabels => DatasetInfo.TestLabels,
            _ => DatasetInfo.TrainLabels,
        };
        var a = Path.Combine(dir, file);
        var b = Path.Combine(dir, Other(file));
        var targetA = new FileInfo(a).LinkTarget!;
        var targetB = new FileInfo(b).LinkTarget!;
        File.Delete(a);
        File.Delete(b);
        File.CreateSymbolicLink(a, targetB);
        File.CreateSymbolicLink(b, targetA);
        return ($"swapped with {Other(file)}", false);
    }

    private static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest)) gz.Write(content);
        return output.ToArray();
    }

    private static (string, bool) GzipOfReal(string dir, string file, byte[] content, Random random)
    {
        File.Delete(Path.Combine(dir, file));
        File.WriteAllBytes(Path.Combine(dir, file + ".gz"), Gzip(content));
        return ("gzip of the real file (a valid .gz the published checksums do not name)", false);
    }

    private static (string, bool) GzipOfDamaged(string dir, string file, byte[] content, Random random)
    {
        var copy = (byte[])content.Clone();
        BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(4), int.MaxValue);
        File.Delete(Path.Combine(dir, file));
        File.WriteAllBytes(Path.Combine(dir, file + ".gz"), Gzip(copy[..Math.Min(copy.Length, 4096 + random.Next(4096))]));
        return ("gzip of a header announcing 2^31-1 items, cut short", true);
    }

    private static (string, bool) GzipCut(string dir, string file, byte[] content, Random random)
    {
        var gz = Gzip(content);
        File.Delete(Path.Combine(dir, file));
        File.WriteAllBytes(Path.Combine(dir, file + ".gz"), gz[..random.Next(gz.Length)]);
        return ("gzip cut short", true);
    }

    private static (string, bool) GzipBomb(string dir, string file, byte[] content, Random random)
    {
        // The right header, then zeros: a few kilobytes that expand to the full count.
        var bomb = new byte[content.Length];
        content.AsSpan(0, HeaderLength(content)).CopyTo(bomb);
        File.Delete(Path.Combine(dir, file));
        File.WriteAllBytes(Path.Combine(dir, file + ".gz"), Gzip(bomb));
        return ($"gzip bomb: {new FileInfo(Path.Combine(dir, file + ".gz")).Length} bytes expanding to {bomb.Length} zeros behind the right header", false);
    }

    private static (string, bool) SpecialFile(string dir, string file, byte[] content, Random random)
    {
        var path = Path.Combine(dir, file);
        File.Delete(path);
        SpecialFiles.Kind[] kinds = [SpecialFiles.Kind.Fifo, SpecialFiles.Kind.Directory, SpecialFiles.Kind.DevZero, SpecialFiles.Kind.Empty, SpecialFiles.Kind.Dangling];
        return (SpecialFiles.Create(path, kinds[random.Next(kinds.Length)]), true);
    }

    private static (string, bool) RandomBytes(string dir, string file, byte[] content, Random random)
    {
        var noise = new byte[1 + random.Next(100_000)];
        random.NextBytes(noise);
        Replace(dir, file, noise);
        return ($"{noise.Length} random bytes", true);
    }
}
