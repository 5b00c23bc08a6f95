using System.IO.Hashing;
using System.Text;

namespace BayesGen.Tests.Deployment;

/// <summary>
/// Artifacts and checkpoints are sealed with System.IO.Hashing's CRC-32, which replaced a hand-written one: files
/// written before the switch must still verify, so the library must compute the same CRC-32 (IEEE 802.3,
/// reflected, polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF) as the bit-by-bit definition.
/// </summary>
public class ChecksumCompatibilityTests
{
    /// <summary>The definition, one bit at a time (no table), as the reference.</summary>
    private static uint BitwiseCrc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }

    [Fact]
    public void The_published_check_value_is_reproduced()
    {
        var check = Encoding.ASCII.GetBytes("123456789");
        Assert.Equal(0xCBF43926u, BitwiseCrc32(check));
        Assert.Equal(0xCBF43926u, Crc32.HashToUInt32(check));
    }

    [Fact]
    public void The_library_equals_the_definition_on_random_buffers_of_every_length_class()
    {
        var random = new Random(7);
        foreach (int length in Enumerable.Range(0, 70).Concat(new[] { 255, 256, 257, 1023, 4096, 65_537, 1_000_003 }))
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(BitwiseCrc32(data), Crc32.HashToUInt32(data));
        }
    }

    [Fact]
    public void Streaming_in_pieces_equals_hashing_at_once()
    {
        // Checkpoints are verified while they are read in chunks.
        var data = new byte[200_000];
        new Random(3).NextBytes(data);
        var crc = new Crc32();
        for (int offset = 0; offset < data.Length; offset += 8191)
            crc.Append(data.AsSpan(offset, Math.Min(8191, data.Length - offset)));
        Assert.Equal(BitwiseCrc32(data), crc.GetCurrentHashAsUInt32());
    }
}
