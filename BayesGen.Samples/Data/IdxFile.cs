using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using BayesGen.IO;

namespace BayesGen.Samples.Data;

/// <summary>
/// An IDX file (the format MNIST and Fashion-MNIST ship in): a 4-byte magic (0, 0, type, rank), the
/// dimensions as big-endian 32-bit integers, then the values. Only unsigned bytes (type 0x08) are read.
/// </summary>
/// <param name="Shape">The dimensions, outermost first.</param>
/// <param name="Values">The values, row-major.</param>
public sealed record IdxFile(int[] Shape, byte[] Values)
{
    /// <summary>The largest number of values this reader accepts (2 GiB), so a corrupt header cannot make it allocate more.</summary>
    public const long MaxValues = int.MaxValue;

    /// <summary>The largest file read (4 GiB, compressed or not).</summary>
    public const long MaxFileBytes = 4L << 30;

    private const byte UnsignedByte = 0x08;

    /// <summary>Magic, one dimension, one value: anything shorter (pipes and devices report 0 bytes) is refused unopened.</summary>
    private const long SmallestFile = 9;

    /// <summary>Values read from a gzip stream at a time: memory follows the data that really arrives, not the header's claim.</summary>
    private const int GzipChunk = 1 << 20;

    /// <summary>SHA-256 (lower-case hex) of the uncompressed content, header included: the file's identity whether it is stored raw or gzip-compressed.</summary>
    public string ContentSha256 { get; init; } = "";

    /// <summary>MD5 (lower-case hex) of the gzip file as stored, when it was one (the checksums data sets publish are of their .gz files).</summary>
    public string? GzipMd5 { get; init; }

    /// <summary>
    /// Reads a raw or gzip-compressed IDX file (gzip is recognised by its magic bytes, not the name). Only plain
    /// files are read (a pipe, a device or a directory is refused before it is opened), and a raw file's header
    /// must announce exactly the values the file holds before anything is allocated.
    /// Throws <see cref="InvalidDataException"/> naming the file and what is wrong with it.
    /// </summary>
    public static IdxFile Read(string path)
    {
        FileStream file;
        try
        {
            file = InputFiles.Open(path, SmallestFile, MaxFileBytes, "an IDX file");
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException($"IDX file '{path}' does not exist.", path, e);
        }
        using (file) return ReadDetectingGzip(file, path);
    }

    /// <summary>Reads an IDX file held in memory, raw or gzip-compressed; <paramref name="name"/> is used in error messages.</summary>
    public static IdxFile Read(byte[] content, string name)
    {
        using var stream = new MemoryStream(content, writable: false);
        return ReadDetectingGzip(stream, name);
    }

    private static IdxFile ReadDetectingGzip(Stream seekable, string name)
    {
        Span<byte> probe = stackalloc byte[2];
        int got = seekable.Read(probe);
        seekable.Position = 0;
        bool gzip = got == 2 && probe[0] == 0x1f && probe[1] == 0x8b;
        if (!gzip) return Read(seekable, name, seekable.Length);
        try
        {
            string md5 = Convert.ToHexString(MD5.HashData(seekable)).ToLowerInvariant();
            seekable.Position = 0;
            using var stream = new GZipStream(seekable, CompressionMode.Decompress, leaveOpen: true);
            return Read(stream, name) with { GzipMd5 = md5 };
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(name, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{name}: the gzip stream is damaged ({e.Message}).", e);
        }
    }

    /// <summary>
    /// Reads an IDX stream; <paramref name="name"/> is used in error messages. When <paramref name="length"/> (the
    /// stream's byte count) is known, a header that announces more or fewer values than follow is refused before
    /// any allocation; otherwise values are read in chunks, so memory never runs ahead of the data.
    /// </summary>
    public static IdxFile Read(Stream stream, string name, long? length = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var header = new byte[4];
        if (ReadFully(stream, header) < 4)
            throw new InvalidDataException($"{name}: too short to be an IDX file (fewer than 4 bytes).");
        if (header[0] != 0 || header[1] != 0)
            throw new InvalidDataException($"{name}: wrong magic number 0x{header[0]:x2}{header[1]:x2}{header[2]:x2}{header[3]:x2}; an IDX file starts with two zero bytes (is it an MNIST file?).");
        if (header[2] != UnsignedByte)
            throw new InvalidDataException($"{name}: element type 0x{header[2]:x2} is not supported; MNIST-style files use unsigned bytes (0x08).");
        int rank = header[3];
        if (rank < 1 || rank > 4)
            throw new InvalidDataException($"{name}: {rank} dimensions; an IDX file of images or labels has 1 to 4.");
        var dims = new byte[4 * rank];
        if (ReadFully(stream, dims) < dims.Length)
            throw new InvalidDataException($"{name}: truncated in the header (expected {rank} dimension sizes).");
        hash.AppendData(header);
        hash.AppendData(dims);
        var shape = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(dims.AsSpan(4 * i));
            if (shape[i] <= 0)
                throw new InvalidDataException($"{name}: dimension {i} has size {shape[i]}; sizes must be positive.");
            count *= shape[i];
            if (count > MaxValues)
                throw new InvalidDataException($"{name}: the header announces more than {MaxValues} values; the file is corrupt or not an IDX file.");
        }
        long headerBytes = 4 + dims.Length;
        if (length is { } total && total - headerBytes != count)
            throw new InvalidDataException(total - headerBytes < count
                ? $"{name}: truncated: the header announces {count} values ({string.Join("×", shape)}) but only {total - headerBytes} follow."
                : $"{name}: more data follows the {count} values the header announces ({total - headerBytes} bytes); the file is corrupt.");
        var values = length is null ? ReadChunked(stream, count, shape, name) : ReadExact(stream, count, shape, name);
        if (stream.ReadByte() >= 0)
            throw new InvalidDataException($"{name}: more data follows the {count} values the header announces; the file is corrupt.");
        hash.AppendData(values);
        return new IdxFile(shape, values) { ContentSha256 = Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant() };
    }

    private static byte[] ReadExact(Stream stream, long count, int[] shape, string name)
    {
        var values = new byte[count];
        int read = ReadFully(stream, values);
        if (read < count) throw Truncated(name, count, shape, read);
        return values;
    }

    /// <summary>Reads <paramref name="count"/> values a chunk at a time, growing the buffer only as data arrives.</summary>
    private static byte[] ReadChunked(Stream stream, long count, int[] shape, string name)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[(int)Math.Min(count, GzipChunk)];
        long remaining = count;
        while (remaining > 0)
        {
            int want = (int)Math.Min(chunk.Length, remaining);
            int n = ReadFully(stream, chunk.AsSpan(0, want));
            buffer.Write(chunk, 0, n);
            remaining -= n;
            if (n < want) throw Truncated(name, count, shape, count - remaining);
        }
        return buffer.ToArray();
    }

    private static InvalidDataException Truncated(string name, long count, int[] shape, long read)
        => new($"{name}: truncated: the header announces {count} values ({string.Join("×", shape)}) but only {read} follow.");

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>Writes an unsigned-byte IDX file (used by tests and by tools that subset data).</summary>
    public static void Write(string path, int[] shape, byte[] values)
    {
        using var file = File.Create(path);
        new IdxFile(shape, values).WriteTo(file);
    }

    /// <summary>Writes this file's header and values (uncompressed) to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream)
    {
        stream.Write(new byte[] { 0, 0, UnsignedByte, (byte)Shape.Length });
        Span<byte> dim = stackalloc byte[4];
        foreach (var d in Shape)
        {
            BinaryPrimitives.WriteInt32BigEndian(dim, d);
            stream.Write(dim);
        }
        stream.Write(Values);
    }
}
