using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace BayesGen.Samples.Plots;

/// <summary>Writes 8-bit RGB PNG files (IHDR, one zlib-compressed IDAT, IEND) with the CRC each chunk needs.</summary>
public static class Png
{
    private static readonly byte[] Signature = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };

    /// <summary>Encodes <paramref name="rgb"/> (width·height·3 bytes, row-major) as PNG.</summary>
    public static byte[] Encode(int width, int height, ReadOnlySpan<byte> rgb)
    {
        if (rgb.Length != width * height * 3) throw new ArgumentException("The pixel buffer does not match the size.", nameof(rgb));
        using var output = new MemoryStream();
        output.Write(Signature);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;   // bit depth
        header[9] = 2;   // colour type: RGB
        Chunk(output, "IHDR", header);
        using (var raw = new MemoryStream())
        {
            using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
            {
                for (int y = 0; y < height; y++)
                {
                    z.WriteByte(0);   // filter: none
                    z.Write(rgb.Slice(y * width * 3, width * 3));
                }
            }
            Chunk(output, "IDAT", raw.ToArray());
        }
        Chunk(output, "IEND", Array.Empty<byte>());
        return output.ToArray();
    }

    private static void Chunk(Stream output, string type, byte[] data)
    {
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(four, data.Length);
        output.Write(four);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        output.Write(typeBytes);
        output.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(four, Crc(typeBytes, data));
        output.Write(four);
    }

    private static uint Crc(byte[] type, byte[] data)
    {
        // PNG uses the same CRC-32 as the artifact format, over the chunk type and data.
        var all = new byte[type.Length + data.Length];
        type.CopyTo(all, 0);
        data.CopyTo(all, type.Length);
        return System.IO.Hashing.Crc32.HashToUInt32(all);
    }
}
