using System.Buffers.Binary;
using System.IO.Compression;

namespace BayesGen.Data;

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

    private const byte UnsignedByte = 0x08;

    /// <summary>
    /// Reads a raw or gzip-compressed IDX file (gzip is recognised by its magic bytes, not the name).
    /// Throws <see cref="InvalidDataException"/> naming the file and what is wrong with it.
    /// </summary>
    public static IdxFile Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file '{path}' does not exist.", path);
        using var file = File.OpenRead(path);
        Span<byte> probe = stackalloc byte[2];
        int got = file.Read(probe);
        file.Position = 0;
        bool gzip = got == 2 && probe[0] == 0x1f && probe[1] == 0x8b;
        try
        {
            using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
            return Read(stream, path);
        }
        catch (InvalidDataException e) when (gzip && !e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: the gzip stream is damaged ({e.Message}).", e);
        }
    }

    /// <summary>Reads an IDX stream; <paramref name="name"/> is used in error messages.</summary>
    public static IdxFile Read(Stream stream, string name)
    {
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
        var values = new byte[count];
        int read = ReadFully(stream, values);
        if (read < count)
            throw new InvalidDataException($"{name}: truncated: the header announces {count} values ({string.Join("×", shape)}) but only {read} follow.");
        if (stream.ReadByte() >= 0)
            throw new InvalidDataException($"{name}: more data follows the {count} values the header announces; the file is corrupt.");
        return new IdxFile(shape, values);
    }

    private static int ReadFully(Stream stream, byte[] buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer, total, buffer.Length - total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>Writes an unsigned-byte IDX file (used by tests and by tools that subset data).</summary>
    public static void Write(string path, int[] shape, byte[] values)
    {
        using var file = File.Create(path);
        file.Write(new byte[] { 0, 0, UnsignedByte, (byte)shape.Length });
        Span<byte> dim = stackalloc byte[4];
        foreach (var d in shape)
        {
            BinaryPrimitives.WriteInt32BigEndian(dim, d);
            file.Write(dim);
        }
        file.Write(values);
    }
}
