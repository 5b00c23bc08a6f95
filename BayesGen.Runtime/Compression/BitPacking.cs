namespace BayesGen.Compression;

/// <summary>
/// Packs signed integers at a fixed bit width (two's complement, least significant bit first, values
/// back to back across byte boundaries) and unpacks them with sign extension.
/// </summary>
internal static class BitPacking
{
    /// <summary>Bytes needed for <paramref name="count"/> values of <paramref name="bits"/> bits.</summary>
    public static long PackedLength(long count, int bits) => checked(count * bits + 7) / 8;

    /// <summary>Packs <paramref name="values"/> at <paramref name="bits"/> bits each (0 to 32).</summary>
    public static byte[] Pack(ReadOnlySpan<int> values, int bits)
    {
        if (bits < 0 || bits > 32) throw new ArgumentOutOfRangeException(nameof(bits), bits, "A width of 0 to 32 bits.");
        var output = new byte[PackedLength(values.Length, bits)];
        if (bits == 0)
        {
            foreach (var v in values)
                if (v != 0) throw new ArgumentException("A width of 0 bits holds only zeros.", nameof(values));
            return output;
        }
        long min = -(1L << (bits - 1)), max = (1L << (bits - 1)) - 1;
        long bit = 0;
        foreach (var v in values)
        {
            if (v < min || v > max) throw new ArgumentException($"Value {v} does not fit {bits} bits.", nameof(values));
            ulong u = (ulong)(uint)v & ((bits == 32) ? 0xFFFFFFFFUL : ((1UL << bits) - 1));
            for (int k = 0; k < bits; k++, bit++)
                if (((u >> k) & 1) != 0) output[bit >> 3] |= (byte)(1 << (int)(bit & 7));
        }
        return output;
    }

    /// <summary>Unpacks <paramref name="count"/> values of <paramref name="bits"/> bits from <paramref name="data"/>.</summary>
    public static int[] Unpack(ReadOnlySpan<byte> data, long count, int bits)
    {
        if (bits < 0 || bits > 32) throw new ArgumentOutOfRangeException(nameof(bits), bits, "A width of 0 to 32 bits.");
        if (data.Length < PackedLength(count, bits)) throw new ArgumentException("Too few bytes for the values.", nameof(data));
        var values = new int[count];
        if (bits == 0) return values;
        long bit = 0;
        for (long i = 0; i < count; i++)
        {
            ulong u = 0;
            for (int k = 0; k < bits; k++, bit++)
                if ((data[(int)(bit >> 3)] & (1 << (int)(bit & 7))) != 0) u |= 1UL << k;
            if (bits < 32 && (u & (1UL << (bits - 1))) != 0) u |= ~((1UL << bits) - 1);
            values[i] = unchecked((int)(uint)u);
        }
        return values;
    }
}
