using System.Diagnostics;
using System.IO.Compression;
using BayesGen.Training;
using BayesGen.Samples.Data;
using BayesGen.Tests.Support;

namespace BayesGen.Tests.Data;

/// <summary>
/// Known data sets are checked on every load, not only on download: the real MNIST files pass, and each way a file
/// can silently differ (shifted labels, swapped training and test files, images of another size, an unknown .gz)
/// is refused with the file named, unless the user explicitly accepts modified data.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class DatasetVerificationTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("bayesgen-verify-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static string MnistDirectory()
    {
        var cache = DatasetAcquisition.DefaultCacheRoot();
        return new DatasetAcquisition(DatasetAcquisition.DefaultSources(DatasetInfo.Mnist, null, cache), cache).Locate(DatasetInfo.Mnist);
    }

    /// <summary>A copy of the real MNIST directory, as raw files, for the test to damage.</summary>
    private string CopyOfMnist(string name)
    {
        var source = MnistDirectory();
        var target = Directory.CreateDirectory(Path.Combine(root, name)).FullName;
        foreach (var file in DatasetInfo.FileNames)
        {
            using var stream = File.Create(Path.Combine(target, file));
            IdxFile.Read(DatasetDirectory.Find(source, file)!).WriteTo(stream);
        }
        return target;
    }

    private static void Replace(string directory, string file, Func<IdxFile, IdxFile> change)
    {
        var path = Path.Combine(directory, file);
        var changed = change(IdxFile.Read(path));
        using var stream = File.Create(path);
        changed.WriteTo(stream);
    }

    [Fact]
    public void The_published_MNIST_files_pass_every_check()
    {
        var loaded = DatasetDirectory.Load(MnistDirectory(), DatasetInfo.Mnist);
        using var _ = loaded.Train;
        using var __ = loaded.Test;
        Assert.True(loaded.Check.IsPublished, string.Join("; ", loaded.Check.Differences));
        Assert.All(loaded.Check.Files, f => Assert.Equal("sha256", f.Verified));
        Assert.Equal(60_000, loaded.Train!.Count);
        Assert.Equal(10_000, loaded.Test.Count);
    }

    [Fact]
    public void Shifted_labels_are_refused_unless_accepted_and_then_recorded()
    {
        var dir = CopyOfMnist("shifted");
        Replace(dir, DatasetInfo.TrainLabels, idx => idx with { Values = idx.Values.Skip(1).Append(idx.Values[0]).ToArray() });
        var e = Assert.Throws<InvalidDataException>(() => DatasetDirectory.Load(dir, DatasetInfo.Mnist));
        Assert.Contains(Path.Combine(dir, DatasetInfo.TrainLabels), e.Message);
        Assert.Contains("is not that of the published train-labels-idx1-ubyte", e.Message);
        Assert.Contains("--accept-modified-data", e.Message);
        Assert.DoesNotContain(DatasetInfo.TrainImages, e.Message);

        var accepted = DatasetDirectory.Load(dir, DatasetInfo.Mnist, acceptModified: true);
        using var _ = accepted.Train;
        using var __ = accepted.Test;
        Assert.False(accepted.Check.IsPublished);
        Assert.Single(accepted.Check.Differences);
        Assert.Null(accepted.Check.Files.Single(f => f.File == DatasetInfo.TrainLabels).Verified);
    }

    [Fact]
    public void Swapped_training_and_test_files_are_named_as_such()
    {
        var dir = CopyOfMnist("swapped");
        File.Move(Path.Combine(dir, DatasetInfo.TrainImages), Path.Combine(dir, "x"));
        File.Move(Path.Combine(dir, DatasetInfo.TestImages), Path.Combine(dir, DatasetInfo.TrainImages));
        File.Move(Path.Combine(dir, "x"), Path.Combine(dir, DatasetInfo.TestImages));
        File.Move(Path.Combine(dir, DatasetInfo.TrainLabels), Path.Combine(dir, "y"));
        File.Move(Path.Combine(dir, DatasetInfo.TestLabels), Path.Combine(dir, DatasetInfo.TrainLabels));
        File.Move(Path.Combine(dir, "y"), Path.Combine(dir, DatasetInfo.TestLabels));
        var e = Assert.Throws<InvalidDataException>(() => DatasetDirectory.Load(dir, DatasetInfo.Mnist));
        Assert.Contains("holds 10,000 images; the published training set has 60,000 (are the training and test files swapped?)", e.Message);
        Assert.Contains("holds 60,000 labels; the published test set has 10,000", e.Message);
    }

    [Fact]
    public void Images_of_another_size_are_refused_with_both_sizes()
    {
        var dir = CopyOfMnist("reshaped");
        Replace(dir, DatasetInfo.TestImages, idx => idx with { Shape = [10_000, 14, 56] });
        var e = Assert.Throws<InvalidDataException>(() => DatasetDirectory.Load(dir, DatasetInfo.Mnist));
        Assert.Contains("its images are 14×56; mnist's are 28×28", e.Message);
    }

    [Fact]
    public void A_gzip_file_is_identified_by_the_published_md5_and_a_raw_file_without_a_known_hash_is_not()
    {
        // Fashion-MNIST publishes only MD5s of its .gz files. A .gz holding MNIST is not one of them; a raw file cannot be verified.
        var dir = Directory.CreateDirectory(Path.Combine(root, "fashion")).FullName;
        var source = MnistDirectory();
        foreach (var file in DatasetInfo.FileNames)
        {
            using var output = File.Create(Path.Combine(dir, file + (file == DatasetInfo.TestLabels ? "" : ".gz")));
            using var raw = File.OpenRead(DatasetDirectory.Find(source, file)!);
            if (file == DatasetInfo.TestLabels) raw.CopyTo(output);
            else
            {
                using var gz = new GZipStream(output, CompressionLevel.Fastest);
                raw.CopyTo(gz);
            }
        }
        var e = Assert.Throws<InvalidDataException>(() => DatasetDirectory.Load(dir, DatasetInfo.FashionMnist));
        Assert.Contains("is not that of the published train-images-idx3-ubyte.gz (8d4fb7e6c68d591d4c3dfef9ec88bf0d)", e.Message);
        Assert.Contains($"{DatasetInfo.TestLabels}: it cannot be verified", e.Message);
    }

    [Fact]
    public void A_fetched_file_that_is_not_the_published_one_never_reaches_the_cache()
    {
        var cache = Directory.CreateDirectory(Path.Combine(root, "cache")).FullName;
        var real = File.ReadAllBytes(DatasetDirectory.Find(MnistDirectory(), DatasetInfo.TestLabels)!);
        var tampered = (byte[])real.Clone();
        tampered[100] = (byte)((tampered[100] + 1) % 10);
        var log = new StringWriter();
        var e = Assert.Throws<InvalidDataException>(() => DatasetFiles.WriteValidated(DatasetInfo.Mnist, cache, DatasetInfo.TestLabels, tampered, "mirror X", log));
        Assert.Contains("mirror X is not the published mnist t10k-labels-idx1-ubyte", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache));

        DatasetFiles.WriteValidated(DatasetInfo.Mnist, cache, DatasetInfo.TestLabels, real, "mirror Y", log);
        Assert.Equal(real, File.ReadAllBytes(Path.Combine(cache, DatasetInfo.TestLabels)));
        Assert.Single(Directory.EnumerateFileSystemEntries(cache));
    }

    [Fact]
    public void A_header_announcing_two_billion_labels_is_refused_before_allocating()
    {
        var header = new byte[] { 0, 0, 8, 1, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3 };
        var raw = Path.Combine(root, "huge-labels");
        File.WriteAllBytes(raw, header);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(raw));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "a raw file's header must be checked against its length before allocating");
        Assert.Contains("announces 2147483647 values (2147483647) but only 3 follow", e.Message);

        var gz = Path.Combine(root, "huge-labels.gz");
        using (var gzip = new GZipStream(File.Create(gz), CompressionLevel.Fastest)) gzip.Write(header);
        before = GC.GetAllocatedBytesForCurrentThread();
        e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(gz));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8 << 20, "a gzip file is read in chunks, so memory follows the data");
        Assert.Contains("but only 3 follow", e.Message);
    }

    [Fact]
    public void Pipes_devices_and_directories_are_refused_without_blocking()
    {
        if (OperatingSystem.IsWindows()) return;
        var fifo = Path.Combine(root, "fifo-idx");
        using (var mkfifo = Process.Start("mkfifo", fifo)) mkfifo.WaitForExit();
        var watch = Stopwatch.StartNew();
        foreach (var path in new[] { fifo, "/dev/zero", "/dev/null", root })
        {
            var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
            Assert.Contains(path, e.Message);
        }
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"refusing took {watch.Elapsed}");
    }

    [Fact]
    public void The_uncompressed_content_hash_is_the_same_for_raw_and_gzip_files()
    {
        var content = new byte[] { 0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9 };
        var raw = Path.Combine(root, "r");
        File.WriteAllBytes(raw, content);
        var gz = Path.Combine(root, "g");
        using (var gzip = new GZipStream(File.Create(gz), CompressionLevel.Optimal)) gzip.Write(content);
        var expected = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(content)).ToLowerInvariant();
        Assert.Equal(expected, IdxFile.Read(raw).ContentSha256);
        Assert.Equal(expected, IdxFile.Read(gz).ContentSha256);
        Assert.Null(IdxFile.Read(raw).GzipMd5);
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.MD5.HashData(File.ReadAllBytes(gz))).ToLowerInvariant(), IdxFile.Read(gz).GzipMd5);
    }
}
