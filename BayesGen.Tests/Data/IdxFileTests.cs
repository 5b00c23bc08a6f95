using System.IO.Compression;
using BayesGen.Training;
using BayesGen.Samples.Data;

namespace BayesGen.Tests.Data;

public sealed class IdxFileTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bayesgen-idx-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Header(byte type, params int[] dims)
    {
        var bytes = new List<byte> { 0, 0, type, (byte)dims.Length };
        foreach (var d in dims) bytes.AddRange(new[] { (byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d });
        return bytes.ToArray();
    }

    private static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest)) gz.Write(raw);
        return output.ToArray();
    }

    [Fact]
    public void Reads_raw_and_gzip_files()
    {
        var content = Header(0x08, 2, 3).Concat(new byte[] { 1, 2, 3, 4, 5, 6 }).ToArray();
        foreach (var path in new[] { Write("a-idx3-ubyte", content), Write("b.gz", Gzip(content)), Write("c-no-extension", Gzip(content)) })
        {
            var file = IdxFile.Read(path);
            Assert.Equal(new[] { 2, 3 }, file.Shape);
            Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, file.Values);
        }
    }

    [Fact]
    public void Round_trips_through_Write()
    {
        var path = Path.Combine(dir, "w");
        IdxFile.Write(path, new[] { 3 }, new byte[] { 7, 8, 9 });
        Assert.Equal(new byte[] { 7, 8, 9 }, IdxFile.Read(path).Values);
    }

    public static TheoryData<string, byte[], string> Malformed => new()
    {
        { "empty", Array.Empty<byte>(), "empty or not a plain file" },
        { "wrong-magic", new byte[] { 0x1f, 0x00, 0x08, 0x01, 0, 0, 0, 1, 5 }, "wrong magic" },
        { "png", new byte[] { 0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1, 0 }, "wrong magic" },
        { "float-type", Header(0x0D, 1).Concat(new byte[] { 0, 0, 0, 0 }).ToArray(), "element type 0x0d" },
        { "no-dims", new byte[] { 0, 0, 8, 0, 0, 0, 0, 1, 5 }, "0 dimensions" },
        { "four-bytes", new byte[] { 0, 0, 8, 1 }, "too short to be an IDX file" },
        { "short-header", new byte[] { 0, 0, 8, 3, 0, 0, 0, 5, 0, 0 }, "truncated in the header" },
        { "zero-dim", Header(0x08, 0, 28), "size 0" },
        { "negative-dim", Header(0x08, -5).Append((byte)0).ToArray(), "size -5" },
        { "absurd", Header(0x08, 60000, 60000, 60000), "more than 2147483647 values" },
        { "truncated", Header(0x08, 10, 2).Concat(new byte[5]).ToArray(), "only 5 follow" },
        { "trailing", Header(0x08, 2).Concat(new byte[] { 1, 2, 3 }).ToArray(), "more data follows" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_files_get_an_error_naming_the_file_and_the_problem(string name, byte[] bytes, string problem)
    {
        var path = Write(name, bytes);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Damaged_gzip_is_reported_as_such()
    {
        var gz = Gzip(Header(0x08, 100).Concat(new byte[100]).ToArray());
        var path = Write("damaged.gz", gz.Take(gz.Length / 2).ToArray());
        var e = Assert.ThrowsAny<Exception>(() => IdxFile.Read(path));
        Assert.IsType<InvalidDataException>(e);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Image_and_label_files_must_agree()
    {
        var images = Write("img", Header(0x08, 3, 2, 2).Concat(new byte[12]).ToArray());
        var labels = Write("lbl", Header(0x08, 4).Concat(new byte[] { 0, 1, 2, 3 }).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => IdxImages.FromIdx("t", images, labels));
        Assert.Contains("4 labels for 3 images", e.Message);

        var badLabels = Write("lbl2", Header(0x08, 3).Concat(new byte[] { 0, 12, 2 }).ToArray());
        var f = Assert.Throws<InvalidDataException>(() => IdxImages.FromIdx("t", images, badLabels));
        Assert.Contains("label 12 at index 1 is out of range", f.Message);
        Assert.Contains(badLabels, f.Message);

        var flat = Write("flat", Header(0x08, 3, 4).Concat(new byte[12]).ToArray());
        var g = Assert.Throws<InvalidDataException>(() => IdxImages.FromIdx("t", flat, badLabels));
        Assert.Contains("3 dimensions", g.Message);
    }

    [Fact]
    public void Images_are_scaled_to_minus_one_one()
    {
        var images = Write("img", Header(0x08, 1, 1, 3).Concat(new byte[] { 0, 255, 51 }).ToArray());
        var labels = Write("lbl", Header(0x08, 1).Concat(new byte[] { 9 }).ToArray());
        using var data = IdxImages.FromIdx("t", images, labels);
        Assert.Equal(new long[] { 1, 1, 1, 3 }, data.Images.shape);
        var values = data.Images.data<float>().ToArray();
        Assert.Equal(-1f, values[0]);
        Assert.Equal(1f, values[1]);
        Assert.Equal(51 / 127.5f - 1, values[2], 6);
        Assert.Equal(9L, data.Labels[0].item<long>());
    }
}
