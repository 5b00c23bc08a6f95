using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using BayesGen.Samples.Data;
using BayesGen.Samples.Models;
using TorchSharp;

namespace BayesGen.Tests.Data;

/// <summary>
/// CIFAR-10's binary version on small files the tests write in its format: the batch reader on good and malformed
/// files, the directory of extracted batches, the published archive (checked by MD5, read without extracting), the
/// mirror download and the model-to-data check.
/// </summary>
public sealed class CifarTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("bayesgen-cifar-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>Records per training batch in these tests (the published batches hold 10,000).</summary>
    private const int PerBatch = 6;

    private const int TestRecords = 4;

    /// <summary>CIFAR-10 with this test's counts, so that only the identity check distinguishes it from the published set.</summary>
    private static DatasetInfo SmallCifar(string md5) => DatasetInfo.Cifar10 with
    {
        TrainCount = PerBatch * CifarDirectory.TrainFiles.Count,
        TestCount = TestRecords,
        Archive = DatasetInfo.Cifar10.Archive! with { Md5 = md5 },
    };

    /// <summary>
    /// Record r of batch b: label (b + r) mod 10; pixel p of the record is (b · 31 + r · 7 + p) mod 256, so every
    /// value says where it came from.
    /// </summary>
    private static (byte[] Labels, byte[] Pixels) Records(int batch, int count)
    {
        var labels = new byte[count];
        var pixels = new byte[count * CifarBatch.ImageBytes];
        for (int r = 0; r < count; r++)
        {
            labels[r] = (byte)((batch + r) % 10);
            for (int p = 0; p < CifarBatch.ImageBytes; p++) pixels[r * CifarBatch.ImageBytes + p] = (byte)((batch * 31 + r * 7 + p) % 256);
        }
        return (labels, pixels);
    }

    private static byte[] BatchBytes(int batch, int count)
    {
        var (labels, pixels) = Records(batch, count);
        var content = new byte[count * CifarBatch.RecordBytes];
        for (int r = 0; r < count; r++)
        {
            content[r * CifarBatch.RecordBytes] = labels[r];
            Array.Copy(pixels, r * CifarBatch.ImageBytes, content, r * CifarBatch.RecordBytes + 1, CifarBatch.ImageBytes);
        }
        return content;
    }

    /// <summary>The six batches as (file name, content), test batch last.</summary>
    private static IEnumerable<(string Name, byte[] Content)> Batches()
        => CifarDirectory.TrainFiles.Select((f, i) => (f, BatchBytes(i + 1, PerBatch))).Append((CifarDirectory.TestFile, BatchBytes(0, TestRecords)));

    private string ExtractedDirectory()
    {
        var dir = Directory.CreateDirectory(Path.Combine(root, "extracted", "cifar-10-batches-bin")).FullName;
        foreach (var (name, content) in Batches()) File.WriteAllBytes(Path.Combine(dir, name), content);
        return Path.GetDirectoryName(dir)!;
    }

    /// <summary>A .tar.gz laid out as the published archive, holding the given entries.</summary>
    private static byte[] Archive(IEnumerable<(string Name, byte[] Content)> entries)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "cifar-10-batches-bin/"));
            foreach (var (name, content) in entries)
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"cifar-10-batches-bin/{name}") { DataStream = new MemoryStream(content) });
        }
        return buffer.ToArray();
    }

    private static string Md5(byte[] content) => Convert.ToHexString(MD5.HashData(content)).ToLowerInvariant();

    private string ArchiveDirectory(byte[] archive)
    {
        var dir = Directory.CreateDirectory(Path.Combine(root, "archive")).FullName;
        File.WriteAllBytes(Path.Combine(dir, "cifar-10-binary.tar.gz"), archive);
        return dir;
    }

    [Fact]
    public void A_batch_reads_back_label_by_label_and_byte_by_byte()
    {
        var path = Path.Combine(root, "b.bin");
        var (labels, pixels) = Records(3, 5);
        CifarBatch.Write(path, labels, pixels);
        Assert.Equal(5 * 3073, new FileInfo(path).Length);
        var batch = CifarBatch.Read(path);
        Assert.Equal(labels, batch.Labels);
        Assert.Equal(pixels, batch.Pixels);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant(), batch.ContentSha256);
    }

    [Theory]
    [InlineData(1)]       // a byte short of two records
    [InlineData(3072)]    // the last record's image missing
    public void A_batch_cut_short_is_named_with_its_size(int missing)
    {
        var path = Path.Combine(root, "short.bin");
        File.WriteAllBytes(path, BatchBytes(1, 2)[..^missing]);
        var e = Assert.Throws<InvalidDataException>(() => CifarBatch.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains($"{2 * 3073 - missing:N0} bytes is not a whole number of 3,073-byte records", e.Message);
    }

    [Fact]
    public void A_label_out_of_range_is_named_with_its_record()
    {
        var content = BatchBytes(1, 4);
        content[2 * CifarBatch.RecordBytes] = 10;
        var path = Path.Combine(root, "label.bin");
        File.WriteAllBytes(path, content);
        var e = Assert.Throws<InvalidDataException>(() => CifarBatch.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("record 2 has label 10", e.Message);
    }

    [Fact]
    public void A_batch_of_more_records_than_the_reader_accepts_is_refused_before_it_is_read()
    {
        var path = Path.Combine(root, "big.bin");
        using (var file = File.Create(path)) file.SetLength((CifarBatch.MaxRecords + 1L) * CifarBatch.RecordBytes);
        var e = Assert.Throws<InvalidDataException>(() => CifarBatch.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("above the limit", e.Message);
        var parsed = Assert.Throws<InvalidDataException>(() => CifarBatch.Parse(new byte[(CifarBatch.MaxRecords + 1) * CifarBatch.RecordBytes], "inside.bin"));
        Assert.Contains("at most 20,000", parsed.Message);
    }

    [Fact]
    public void An_empty_file_and_a_directory_are_refused_unopened()
    {
        var empty = Path.Combine(root, "empty.bin");
        File.WriteAllBytes(empty, Array.Empty<byte>());
        Assert.Contains("empty", Assert.Throws<InvalidDataException>(() => CifarBatch.Read(empty)).Message);
        Assert.Contains("directory", Assert.Throws<InvalidDataException>(() => CifarBatch.Read(root)).Message);
    }

    [Fact]
    public void Extracted_batches_load_as_colour_images_in_order_and_are_refused_unless_accepted()
    {
        var dir = ExtractedDirectory();
        var info = SmallCifar(md5: "0");
        Assert.True(DatasetDirectory.IsComplete(dir, info));

        var refusal = Assert.Throws<InvalidDataException>(() => DatasetDirectory.Load(dir, info));
        Assert.Contains("cannot be verified", refusal.Message);
        Assert.Contains("cifar-10-binary.tar.gz", refusal.Message);
        Assert.Contains("--accept-modified-data", refusal.Message);

        var loaded = DatasetDirectory.Load(dir, info, acceptModified: true);
        using var train = loaded.Train!;
        using var test = loaded.Test;
        Assert.Equal(new long[] { 5 * PerBatch, 3, 32, 32 }, train.Images.shape);
        Assert.Equal(new long[] { TestRecords, 3, 32, 32 }, test.Images.shape);
        // Training record 0 is batch 1's record 0, record PerBatch is batch 2's record 0: the batches in file order.
        var (labels1, pixels1) = Records(1, PerBatch);
        var (labels2, pixels2) = Records(2, PerBatch);
        Assert.Equal(labels1[0], train.Labels[0].item<long>());
        Assert.Equal(labels2[0], train.Labels[PerBatch].item<long>());
        // Planes red, green, blue, each row-major: pixel (channel 1, row 2, column 5) is byte 1024 + 2·32 + 5 of the image.
        Assert.Equal(pixels2[1024 + 2 * 32 + 5] / 127.5 - 1, train.Images[PerBatch, 1, 2, 5].item<float>(), 6);
        Assert.Equal(pixels1[3 * 1024 - 1] / 127.5 - 1, train.Images[0, 2, 31, 31].item<float>(), 6);
        Assert.Equal(CifarDirectory.Files.Count, loaded.Check.Files.Count);
    }

    [Fact]
    public void The_published_archive_is_verified_by_its_MD5_and_read_without_extracting()
    {
        var archive = Archive(Batches());
        var dir = ArchiveDirectory(archive);
        var info = SmallCifar(Md5(archive));
        Assert.True(DatasetDirectory.IsComplete(dir, info));
        var loaded = DatasetDirectory.Load(dir, info);
        using var train = loaded.Train!;
        using var test = loaded.Test;
        Assert.True(loaded.Check.IsPublished);
        Assert.All(loaded.Check.Files, f => Assert.Equal("published archive md5", f.Verified));
        Assert.Equal(5 * PerBatch, train.Count);
        Assert.Equal(Records(0, TestRecords).Labels.Select(l => (long)l), test.Labels.data<long>().ToArray());
        Assert.Single(Directory.GetFileSystemEntries(dir));   // nothing extracted beside it
    }

    [Fact]
    public void An_archive_with_another_MD5_is_refused_naming_both_checksums()
    {
        var archive = Archive(Batches());
        var dir = ArchiveDirectory(archive);
        var e = Assert.Throws<InvalidDataException>(() => DatasetDirectory.Load(dir, SmallCifar(new string('a', 32))));
        Assert.Contains($"MD5 {Md5(archive)} is not that of the published cifar-10-binary.tar.gz ({new string('a', 32)})", e.Message);
    }

    [Fact]
    public void An_archive_that_lacks_a_batch_names_it()
    {
        var archive = Archive(Batches().Where(b => b.Name != "data_batch_4.bin"));
        var dir = ArchiveDirectory(archive);
        var e = Assert.Throws<InvalidDataException>(() => DatasetDirectory.Load(dir, SmallCifar(Md5(archive))));
        Assert.Contains("lacks cifar-10-batches-bin/data_batch_4.bin", e.Message);
    }

    [Fact]
    public void A_truncated_archive_and_a_malformed_batch_inside_one_are_named()
    {
        var archive = Archive(Batches());
        var dir = ArchiveDirectory(archive[..(archive.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => DatasetDirectory.Load(dir, SmallCifar(Md5(archive))));
        Assert.Contains("not a readable .tar.gz archive", e.Message);
        Assert.Contains("cifar-10-binary.tar.gz", e.Message);

        Directory.Delete(dir, recursive: true);
        var bad = Archive(Batches().Select(b => b.Name == "data_batch_2.bin" ? (b.Name, b.Content[..^5]) : b));
        dir = ArchiveDirectory(bad);
        e = Assert.Throws<InvalidDataException>(() => DatasetDirectory.Load(dir, SmallCifar(Md5(bad)), acceptModified: true));
        Assert.Contains("cifar-10-batches-bin/data_batch_2.bin", e.Message);
        Assert.Contains("not a whole number of 3,073-byte records", e.Message);
    }

    [Fact]
    public void The_mirror_download_enters_the_cache_only_when_it_is_the_published_archive()
    {
        var archive = Archive(Batches());
        var cache = Path.Combine(root, "cache", "cifar-10");
        var good = new MirrorSource(() => new HttpClient(new ServingHandler(archive)));
        Assert.Equal(cache, good.TryProvide(SmallCifar(Md5(archive)), cache, TextWriter.Null, out _));
        Assert.Equal(archive, File.ReadAllBytes(Path.Combine(cache, "cifar-10-binary.tar.gz")));

        var elsewhere = Path.Combine(root, "cache2", "cifar-10");
        var refused = new MirrorSource(() => new HttpClient(new ServingHandler(archive)));
        Assert.Null(refused.TryProvide(SmallCifar(new string('b', 32)), elsewhere, TextWriter.Null, out var reason));
        Assert.Contains("is not the published cifar-10-binary.tar.gz", reason);
        Assert.False(File.Exists(Path.Combine(elsewhere, "cifar-10-binary.tar.gz")));
    }

    [Fact]
    public void A_directory_without_CIFAR_10_says_what_to_put_there()
    {
        var empty = Directory.CreateDirectory(Path.Combine(root, "none")).FullName;
        var sources = DatasetAcquisition.DefaultSources(DatasetInfo.Cifar10, empty, root);
        var e = Assert.Throws<DatasetNotFoundException>(() => new DatasetAcquisition(sources, root).Locate(DatasetInfo.Cifar10));
        Assert.Contains("cifar-10-binary.tar.gz", e.Message);
        Assert.Contains("https://www.cs.toronto.edu/~kriz/", e.Message);
    }

    [Fact]
    public void A_network_that_reads_other_images_is_refused_naming_the_one_that_fits()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelCatalog.RequireFits(ModelCatalog.Find("lenet5", "gnj"), "cifar-10", DatasetInfo.Cifar10.ExampleShape));
        Assert.Contains("reads 1×28×28 images, but cifar-10's are 3×32×32", e.Message);
        Assert.Contains("--model vgg-cifar", e.Message);
        ModelCatalog.RequireFits(ModelCatalog.Find("vgg-cifar", "gnj"), "cifar-10", DatasetInfo.Cifar10.ExampleShape);
        Assert.Throws<ArgumentException>(() => ModelCatalog.RequireFits(ModelCatalog.Find("vgg-cifar", "gnj"), "mnist", DatasetInfo.Mnist.ExampleShape));
    }

    /// <summary>Serves <c>content</c> for any request, as a mirror would serve the archive.</summary>
    private sealed class ServingHandler(byte[] content) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(content) });
    }
}
