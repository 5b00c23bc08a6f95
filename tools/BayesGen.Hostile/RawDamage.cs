namespace BayesGen.Hostile;

/// <summary>Accidental damage: what disks, downloads and copies do to a file. Checksums exist to catch it.</summary>
public static class RawDamage
{
    /// <summary>One random kind of damage, and its description.</summary>
    public static (byte[] Bytes, string Description) Apply(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        int at = random.Next(bytes.Length);
        switch (random.Next(7))
        {
            case 0:
                return (bytes[..at], $"truncated to {at} of {bytes.Length} bytes");
            case 1:
                int flips = 1 + random.Next(8);
                for (int i = 0; i < flips; i++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return (bytes, $"{flips} bit(s) flipped");
            case 2:
                int zeroed = Math.Min(bytes.Length - at, 1 + random.Next(4096));
                Array.Clear(bytes, at, zeroed);
                return (bytes, $"{zeroed} bytes zeroed at {at}");
            case 3:
                var inserted = new byte[1 + random.Next(64)];
                random.NextBytes(inserted);
                return (bytes[..at].Concat(inserted).Concat(bytes[at..]).ToArray(), $"{inserted.Length} random bytes inserted at {at}");
            case 4:
                int removed = Math.Min(bytes.Length - at, 1 + random.Next(256));
                return (bytes[..at].Concat(bytes[(at + removed)..]).ToArray(), $"{removed} bytes removed at {at}");
            case 5:
                var garbage = new byte[1 + random.Next(1024)];
                random.NextBytes(garbage);
                return (bytes.Concat(garbage).ToArray(), $"{garbage.Length} bytes appended");
            default:
                var noise = new byte[Math.Min(bytes.Length, 64)];
                random.NextBytes(noise);
                noise.CopyTo(bytes, 0);
                return (bytes, "first 64 bytes replaced by noise");
        }
    }
}
