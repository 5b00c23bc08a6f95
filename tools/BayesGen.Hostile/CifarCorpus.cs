using System.Formats.Tar;
using System.IO.Compression;
using BayesGen.Samples.Data;

namespace BayesGen.Hostile;

/// <summary>
/// CIFAR-10 directories in which one batch file, or the archive, is hostile: cut short, bytes appended, a label out
/// of range, random bytes, more records than the reader accepts, a batch missing, pipes, devices, directories and
/// links where a file should be; archives cut short, of random bytes, lacking a batch, holding a damaged batch, and a
/// bomb of zeros that expands to the most records the reader accepts. The data is small and in CIFAR-10's format
/// (the real set cannot be fetched everywhere), so every directory is "modified": without
/// <c>--accept-modified-data</c> every case must be refused, with it only structurally invalid ones. Test-batch damage
/// goes to <c>evaluate</c> with a VGG-CIFAR seed's artifact (half the cases with the flag), training-batch damage to
/// <c>train --model vgg-cifar</c> (without it: every batch is read and checked first).
/// </summary>
public static class CifarCorpus
{
    /// <summary>Records per batch of the small data set the corpus is made from.</summary>
    public const int Records = 8;

    private delegate (string Description, bool Structural) Damage(string directory, string file, byte[] content, Random random);

    private static readonly Damage[] BatchDamages = [Truncated, Trailing, LabelOutOfRange, RandomBytes, Oversized, Missing, SpecialFile, MoreRecords];

    private static readonly Damage[] ArchiveDamages = [ArchiveCut, ArchiveRandom, ArchiveLacking, ArchiveDamagedBatch, ArchiveBomb, ArchiveSpecial, ArchiveGood];

    /// <summary>Writes the small CIFAR-format data set (six batches in <c>cifar-10-batches-bin/</c>) and returns its directory.</summary>
    public static string WriteData(string directory, Random random)
    {
        var batches = Directory.CreateDirectory(Path.Combine(directory, "cifar-10-batches-bin")).FullName;
        foreach (var file in CifarDirectory.Files)
            File.WriteAllBytes(Path.Combine(batches, file), Batch(Records, random));
        return directory;
    }

    /// <summary>The command line that trains the corpus's seed on <paramref name="data"/>.</summary>
    public static string[] SeedTraining(string data, string output)
        => ["train", "--model", "vgg-cifar", "--dataset", "cifar-10", "--data", data, "--accept-modified-data", "--epochs", "1", "--batch-size", "8", "--out", output];

    /// <summary>Writes <paramref name="count"/> cases under <paramref name="directory"/> from the data in <paramref name="data"/>.</summary>
    public static List<HostileCase> Generate(string data, Seed seed, string directory, int count, Random random)
    {
        var cases = new List<HostileCase>();
        var batches = Path.Combine(data, "cifar-10-batches-bin");
        while (cases.Count < count)
        {
            var id = $"c{cases.Count:D4}";
            var dir = Directory.CreateDirectory(Path.Combine(directory, id)).FullName;
            bool archive = cases.Count % 2 == 1;
            bool train = random.Next(3) == 0;
            var file = train ? CifarDirectory.TrainFiles[random.Next(CifarDirectory.TrainFiles.Count)] : CifarDirectory.TestFile;
            string description;
            bool structural;
            if (archive)
            {
                var damage = ArchiveDamages[cases.Count / 2 < ArchiveDamages.Length ? cases.Count / 2 : random.Next(ArchiveDamages.Length)];
                (description, structural) = damage(dir, file, File.ReadAllBytes(Path.Combine(batches, file)), random);
                description = "archive: " + description;
            }
            else
            {
                var inner = Directory.CreateDirectory(Path.Combine(dir, "cifar-10-batches-bin")).FullName;
                foreach (var name in CifarDirectory.Files) File.CreateSymbolicLink(Path.Combine(inner, name), Path.Combine(batches, name));
                var damage = BatchDamages[cases.Count / 2 < BatchDamages.Length ? cases.Count / 2 : random.Next(BatchDamages.Length)];
                (description, structural) = damage(inner, file, File.ReadAllBytes(Path.Combine(batches, file)), random);
                description = $"{file}: {description}";
            }
            // Without --accept-modified-data the whole set is still read and checked before it is refused, so training cases go
            // without it: with it, healthy data would train the VGG (2.5 GiB, above the bound that catches input-driven memory),
            // which the command-line tests cover. A bomb accepted would be 120,000 valid images: minutes of VGG, not robustness.
            bool accept = !train && random.Next(2) == 0 && !description.Contains("a bomb", StringComparison.Ordinal);
            var args = new List<string>(train
                ? ["train", "--model", "vgg-cifar", "--epochs", "1", "--batch-size", "8", "--train-subset", "16", "--out", Path.Combine(dir, "run")]
                : ["evaluate", "--artifact", seed.Artifact]);
            args.AddRange(["--dataset", "cifar-10", "--data", dir]);
            if (accept) args.Add("--accept-modified-data");
            cases.Add(new HostileCase("cifar", id, description + (accept ? " (with --accept-modified-data)" : ""), args.ToArray(),
                accept && !structural ? Expectation.Accepted : Expectation.Refused) { WorkingDirectory = dir });
        }
        return cases;
    }

    private static byte[] Batch(int records, Random random)
    {
        var content = new byte[records * CifarBatch.RecordBytes];
        random.NextBytes(content);
        for (int r = 0; r < records; r++) content[r * CifarBatch.RecordBytes] = (byte)random.Next(10);
        return content;
    }

    private static void Replace(string directory, string file, byte[] content)
    {
        var path = Path.Combine(directory, file);
        File.Delete(path);
        File.WriteAllBytes(path, content);
    }

    // ---- damaged batch files among links to good ones ---------------------------------------------------

    private static (string, bool) Truncated(string dir, string file, byte[] content, Random random)
    {
        int length = 1 + random.Next(content.Length - 1);
        if (length % CifarBatch.RecordBytes == 0) length--;
        Replace(dir, file, content[..length]);
        return ($"cut to {length} of {content.Length} bytes", true);
    }

    private static (string, bool) Trailing(string dir, string file, byte[] content, Random random)
    {
        var extra = new byte[1 + random.Next(CifarBatch.RecordBytes - 1)];
        random.NextBytes(extra);
        Replace(dir, file, [.. content, .. extra]);
        return ($"{extra.Length} bytes appended", true);
    }

    private static (string, bool) LabelOutOfRange(string dir, string file, byte[] content, Random random)
    {
        var copy = (byte[])content.Clone();
        int record = random.Next(Records);
        copy[record * CifarBatch.RecordBytes] = (byte)random.Next(10, 256);
        Replace(dir, file, copy);
        return ($"record {record} labelled {copy[record * CifarBatch.RecordBytes]}", true);
    }

    private static (string, bool) RandomBytes(string dir, string file, byte[] content, Random random)
    {
        var noise = new byte[1 + random.Next(100_000)];
        random.NextBytes(noise);
        Replace(dir, file, noise);
        bool valid = noise.Length % CifarBatch.RecordBytes == 0 && Enumerable.Range(0, noise.Length / CifarBatch.RecordBytes).All(r => noise[r * CifarBatch.RecordBytes] < 10);
        return ($"{noise.Length} random bytes", !valid);
    }

    private static (string, bool) Oversized(string dir, string file, byte[] content, Random random)
    {
        var path = Path.Combine(dir, file);
        File.Delete(path);
        using (var f = File.Create(path)) f.SetLength((CifarBatch.MaxRecords + 1L + random.Next(1000)) * CifarBatch.RecordBytes);   // sparse
        return ($"{new FileInfo(path).Length:N0} bytes of zeros (more records than the reader accepts)", true);
    }

    private static (string, bool) Missing(string dir, string file, byte[] content, Random random)
    {
        File.Delete(Path.Combine(dir, file));
        return ("missing", true);
    }

    private static (string, bool) MoreRecords(string dir, string file, byte[] content, Random random)
    {
        Replace(dir, file, [.. content, .. Batch(1 + random.Next(Records), random)]);
        return ("more records than the other batches (a valid batch of another size)", false);
    }

    private static (string, bool) SpecialFile(string dir, string file, byte[] content, Random random)
    {
        var path = Path.Combine(dir, file);
        File.Delete(path);
        SpecialFiles.Kind[] kinds = [SpecialFiles.Kind.Fifo, SpecialFiles.Kind.Directory, SpecialFiles.Kind.DevZero, SpecialFiles.Kind.Dangling];
        return (SpecialFiles.Create(path, kinds[random.Next(kinds.Length)]), true);
    }

    // ---- archives ------------------------------------------------------------------------------------------

    private static string ArchivePath(string dir) => Path.Combine(dir, DatasetInfo.Cifar10.Archive!.FileName);

    /// <summary>A .tar.gz laid out as the published archive, holding <paramref name="entries"/>.</summary>
    private static byte[] Archive(IEnumerable<(string Name, byte[] Content)> entries)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip))
            foreach (var (name, content) in entries)
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"cifar-10-batches-bin/{name}") { DataStream = new MemoryStream(content) });
        return buffer.ToArray();
    }

    private static IEnumerable<(string, byte[])> Entries(string file, byte[] content, Random random, Func<string, byte[], byte[]?>? edit = null)
    {
        foreach (var name in CifarDirectory.Files)
        {
            var bytes = name == file ? content : Batch(Records, random);
            var edited = edit is null ? bytes : edit(name, bytes);
            if (edited is not null) yield return (name, edited);
        }
    }

    private static (string, bool) ArchiveGood(string dir, string file, byte[] content, Random random)
    {
        File.WriteAllBytes(ArchivePath(dir), Archive(Entries(file, content, random)));
        return ("a valid archive of the small data (not the published MD5)", false);
    }

    private static (string, bool) ArchiveCut(string dir, string file, byte[] content, Random random)
    {
        var archive = Archive(Entries(file, content, random));
        File.WriteAllBytes(ArchivePath(dir), archive[..(1 + random.Next(archive.Length - 1))]);
        return ("cut short", true);
    }

    private static (string, bool) ArchiveRandom(string dir, string file, byte[] content, Random random)
    {
        var noise = new byte[20 + random.Next(100_000)];
        random.NextBytes(noise);
        if (random.Next(2) == 0) (noise[0], noise[1]) = ((byte)0x1f, (byte)0x8b);   // a gzip magic in front of the noise
        File.WriteAllBytes(ArchivePath(dir), noise);
        return ($"{noise.Length} random bytes", true);
    }

    private static (string, bool) ArchiveLacking(string dir, string file, byte[] content, Random random)
    {
        File.WriteAllBytes(ArchivePath(dir), Archive(Entries(file, content, random, (name, bytes) => name == file ? null : bytes)));
        return ($"lacking {file}", true);
    }

    private static (string, bool) ArchiveDamagedBatch(string dir, string file, byte[] content, Random random)
    {
        var cut = content[..(content.Length - 1 - random.Next(CifarBatch.RecordBytes - 1))];
        File.WriteAllBytes(ArchivePath(dir), Archive(Entries(file, cut, random)));
        return ($"{file} inside it cut to {cut.Length} bytes", true);
    }

    private static (string, bool) ArchiveBomb(string dir, string file, byte[] content, Random random)
    {
        // Six batches of the most records the reader accepts, all zeros (label 0, black images): valid data, 2 MB of gzip.
        var zeros = new byte[CifarBatch.MaxRecords * CifarBatch.RecordBytes];
        File.WriteAllBytes(ArchivePath(dir), Archive(CifarDirectory.Files.Select(n => (n, zeros))));
        return ($"a bomb: {new FileInfo(ArchivePath(dir)).Length:N0} bytes expanding to six batches of {CifarBatch.MaxRecords:N0} zero records", false);
    }

    private static (string, bool) ArchiveSpecial(string dir, string file, byte[] content, Random random)
    {
        SpecialFiles.Kind[] kinds = [SpecialFiles.Kind.Fifo, SpecialFiles.Kind.Directory, SpecialFiles.Kind.DevZero];
        return (SpecialFiles.Create(ArchivePath(dir), kinds[random.Next(kinds.Length)]), true);
    }
}
