using System.Text;

namespace BayesGen.Tests.Support;

/// <summary>Reads the version-need entries (.gnu.version_r) of a 64-bit ELF file: (library, version, flags).</summary>
public static class ElfVersionNeeds
{
    public static IReadOnlyList<(string File, string Version, ushort Flags)> Read(string path)
    {
        var b = File.ReadAllBytes(path);
        var result = new List<(string, string, ushort)>();
        long shoff = BitConverter.ToInt64(b, 0x28);
        int size = BitConverter.ToUInt16(b, 0x3A), count = BitConverter.ToUInt16(b, 0x3C);
        for (int s = 0; s < count; s++)
        {
            long sh = shoff + (long)s * size;
            if (BitConverter.ToUInt32(b, (int)sh + 4) != 0x6ffffffe) continue;
            long need = BitConverter.ToInt64(b, (int)sh + 0x18);
            int link = BitConverter.ToInt32(b, (int)sh + 0x28);
            long strtab = BitConverter.ToInt64(b, (int)(shoff + (long)link * size) + 0x18);
            while (true)
            {
                int n = BitConverter.ToUInt16(b, (int)need + 2);
                string file = Str(b, strtab + BitConverter.ToUInt32(b, (int)need + 4));
                long aux = need + BitConverter.ToUInt32(b, (int)need + 8);
                for (int a = 0; a < n; a++)
                {
                    result.Add((file, Str(b, strtab + BitConverter.ToUInt32(b, (int)aux + 8)), BitConverter.ToUInt16(b, (int)aux + 4)));
                    aux += BitConverter.ToUInt32(b, (int)aux + 12);
                }
                uint next = BitConverter.ToUInt32(b, (int)need + 12);
                if (next == 0) break;
                need += next;
            }
        }
        return result;
    }

    private static string Str(byte[] b, long at)
    {
        long end = at;
        while (b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, (int)at, (int)(end - at));
    }

    /// <summary>Whether the system's libstdc++ defines GLIBCXX_3.4.32 (as a NUL-terminated version name).</summary>
    public static bool SystemLibStdCxxHas(string version)
    {
        foreach (var dir in new[] { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib" })
        {
            var path = Path.Combine(dir, "libstdc++.so.6");
            if (!File.Exists(path)) continue;
            var needle = Encoding.ASCII.GetBytes("\0" + version + "\0");
            return File.ReadAllBytes(path).AsSpan().IndexOf(needle) >= 0;
        }
        return true;
    }
}
