using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using BayesGen.IO;
using BayesGen.Training;
using TorchSharp;
using static TorchSharp.torch;
using BayesGen.Torch;

namespace BayesGen.Samples.Data;

/// <summary>
/// A directory holding CIFAR-10's binary version: the published archive <c>cifar-10-binary.tar.gz</c> (kept
/// compressed, as published, and checked against its published MD5 on every load, as Fashion-MNIST's .gz files are),
/// or the six batch files extracted from it (directly or in <c>cifar-10-batches-bin/</c>), which have no published
/// checksum and are therefore used only with <c>--accept-modified-data</c>.
/// </summary>
public static class CifarDirectory
{
    /// <summary>The five training batches, in the order their records are concatenated.</summary>
    public static readonly IReadOnlyList<string> TrainFiles = new[] { "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin" };

    /// <summary>The test batch.</summary>
    public const string TestFile = "test_batch.bin";

    /// <summary>Every batch file.</summary>
    public static readonly IReadOnlyList<string> Files = TrainFiles.Append(TestFile).ToArray();

    /// <summary>The largest archive read (the published one has 170,052,171 bytes).</summary>
    private const long MaxArchiveBytes = 1L << 30;

    /// <summary>The published archive in <paramref name="directory"/>, or null.</summary>
    public static string? FindArchive(string directory, DatasetArchive archive)
    {
        var path = Path.Combine(directory, archive.FileName);
        return File.Exists(path) ? path : null;
    }

    /// <summary>The directory holding the extracted batches: <paramref name="directory"/> or its archive folder; null when neither has all six.</summary>
    public static string? FindBatches(string directory, DatasetArchive archive)
        => new[] { directory, Path.Combine(directory, archive.Folder) }.FirstOrDefault(d => Files.All(f => File.Exists(Path.Combine(d, f))));

    /// <summary>What <paramref name="directory"/> lacks: nothing when it holds the archive or all six batches.</summary>
    public static IReadOnlyList<string> Missing(string directory, DatasetArchive archive)
    {
        if (FindArchive(directory, archive) is not null || FindBatches(directory, archive) is not null) return Array.Empty<string>();
        return new[] { $"{archive.FileName} (or its {Files.Count} extracted batch files: {string.Join(", ", Files.Where(f => !File.Exists(Path.Combine(directory, f))))})" };
    }

    /// <summary>
    /// Loads CIFAR-10 from a complete directory, from the archive when it holds one, and checks it against the
    /// published data set; refuses differences unless <paramref name="acceptModified"/> (see <see cref="DatasetDirectory.Load"/>).
    /// Malformed batches (cut short, a label out of range) are refused whatever the flag, naming the file.
    /// </summary>
    public static LoadedDataset Load(string directory, DatasetInfo info, bool acceptModified, string acceptOption, bool testOnly)
    {
        var archive = info.Archive ?? throw new ArgumentException($"{info.Name} has no archive.", nameof(info));
        var names = testOnly ? new[] { TestFile } : Files;
        var archivePath = FindArchive(directory, archive);
        var (batches, archiveDifference) = archivePath is not null
            ? ReadArchive(archivePath, archive, names, info.Classes)
            : (ReadExtracted(FindBatches(directory, archive) ?? throw new FileNotFoundException($"'{directory}' holds neither {archive.FileName} nor the six CIFAR-10 batch files."), names, info.Classes), null);
        var check = Check(info, archive, batches, fromArchive: archivePath is not null, archiveDifference);
        if (!check.IsPublished && !acceptModified) throw DatasetVerification.Refusal(info, check, acceptOption);
        var test = ToDataset($"{info.Name}/test", new[] { batches[TestFile].Batch }, info.Classes);
        if (testOnly) return new LoadedDataset(null, test, check);
        try
        {
            return new LoadedDataset(ToDataset($"{info.Name}/train", TrainFiles.Select(f => batches[f].Batch).ToArray(), info.Classes), test, check);
        }
        catch
        {
            test.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The batches inside the archive at <paramref name="path"/>, and how its MD5 differs from the published one
    /// (null when it is the published archive). An entry missing from the archive, or a malformed one, is an error.
    /// </summary>
    private static (Dictionary<string, (string Path, CifarBatch Batch)>, string?) ReadArchive(string path, DatasetArchive archive, IReadOnlyList<string> names, int classes)
    {
        using var file = OpenArchive(path);
        var md5 = Convert.ToHexString(MD5.HashData(file)).ToLowerInvariant();
        file.Position = 0;
        var found = new Dictionary<string, (string, CifarBatch)>();
        try
        {
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                var name = Path.GetFileName(entry.Name);
                if (entry.DataStream is null || entry.Name.TrimStart('.', '/') != $"{archive.Folder}/{name}" || !names.Contains(name)) continue;
                if (entry.Length > CifarBatch.MaxFileBytes)
                    throw new InvalidDataException($"{path}: {entry.Name} has {entry.Length:N0} bytes, above the limit of {CifarBatch.MaxFileBytes:N0} for a CIFAR-10 batch.");
                var content = new byte[entry.Length];
                entry.DataStream.ReadExactly(content);
                var where = $"{path}:{entry.Name}";
                found[name] = (where, CifarBatch.Parse(content, where, classes));
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            if (e.Message.StartsWith(path, StringComparison.Ordinal)) throw;   // a batch's own error, already naming it
            throw new InvalidDataException($"{path}: not a readable .tar.gz archive ({e.Message}): it was cut short or damaged; replace it with the published {archive.FileName} (MD5 {archive.Md5}).", e);
        }
        var missing = names.Where(n => !found.ContainsKey(n)).ToArray();
        if (missing.Length > 0)
            throw new InvalidDataException($"{path}: the archive lacks {string.Join(", ", missing.Select(m => $"{archive.Folder}/{m}"))}; the published {archive.FileName} holds all six batches.");
        return (found, md5 == archive.Md5 ? null : $"{path}: MD5 {md5} is not that of the published {archive.FileName} ({archive.Md5}).");
    }

    private static FileStream OpenArchive(string path)
    {
        try
        {
            return InputFiles.Open(path, 20, MaxArchiveBytes, "a .tar.gz archive");
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    private static Dictionary<string, (string Path, CifarBatch Batch)> ReadExtracted(string directory, IReadOnlyList<string> names, int classes)
        => names.ToDictionary(n => n, n =>
        {
            var path = Path.Combine(directory, n);
            return (path, CifarBatch.Read(path, classes));
        });

    private static DatasetCheck Check(DatasetInfo info, DatasetArchive archive, Dictionary<string, (string Path, CifarBatch Batch)> batches,
        bool fromArchive, string? archiveDifference)
    {
        var verified = fromArchive && archiveDifference is null ? "published archive md5" : null;
        var checks = new List<DataFileCheck>();
        var differences = new List<string>();
        if (archiveDifference is not null) differences.Add(archiveDifference);
        foreach (var name in Files.Where(batches.ContainsKey))
        {
            var (path, batch) = batches[name];
            checks.Add(new DataFileCheck(name, path, batch.ContentSha256, verified));
            if (!fromArchive)
                differences.Add($"{path}: it cannot be verified: only the published {archive.FileName} has a known checksum (MD5 {archive.Md5}); keep the archive, as published, in the directory instead of its extracted files.");
            int published = name == TestFile ? info.TestCount : info.TrainCount / TrainFiles.Count;
            if (batch.Count != published)
                differences.Add($"{path}: it holds {batch.Count:N0} images; the published {name} has {published:N0}.");
        }
        return new DatasetCheck(checks, differences);
    }

    /// <summary>
    /// The images as <c>[N, 3, 32, 32]</c> float32 scaled to [−1, 1] (as MNIST's are), with their labels. Each batch is
    /// converted into its slice of the result, so memory holds the result and one batch's conversion, never a second copy.
    /// </summary>
    private static ImageDataset ToDataset(string name, IReadOnlyList<CifarBatch> batches, int classes)
    {
        long count = batches.Sum(b => (long)b.Count);
        using var scope = NewDisposeScope();
        var images = empty(new long[] { count, CifarBatch.Channels, CifarBatch.Height, CifarBatch.Width }, dtype: ScalarType.Float32);
        var labels = empty(new long[] { count }, dtype: ScalarType.Int64);
        long at = 0;
        foreach (var batch in batches)
        {
            using var inner = NewDisposeScope();
            var shape = new long[] { batch.Count, CifarBatch.Channels, CifarBatch.Height, CifarBatch.Width };
            images.narrow(0, at, batch.Count).copy_(tensor(batch.Pixels, shape, dtype: ScalarType.Byte).to(ScalarType.Float32).DivScalar_(127.5).SubScalar_(1.0));
            labels.narrow(0, at, batch.Count).copy_(tensor(batch.Labels, new long[] { batch.Count }, dtype: ScalarType.Byte));
            at += batch.Count;
        }
        return new ImageDataset(name, images.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), classes);
    }
}
