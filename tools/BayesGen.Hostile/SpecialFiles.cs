using System.Diagnostics;

namespace BayesGen.Hostile;

/// <summary>Things that are not plain files, put where a corpus's command expects one.</summary>
public static class SpecialFiles
{
    /// <summary>What can stand at a file's path instead of the file.</summary>
    public enum Kind { Fifo, Directory, DevZero, Empty, Dangling }

    /// <summary>Creates <paramref name="kind"/> at <paramref name="path"/> (which must not exist) and says what it is.</summary>
    public static string Create(string path, Kind kind)
    {
        switch (kind)
        {
            case Kind.Fifo:
                using (var mkfifo = Process.Start("mkfifo", path)) mkfifo.WaitForExit();
                return "a named pipe (FIFO)";
            case Kind.Directory:
                Directory.CreateDirectory(path);
                return "a directory";
            case Kind.DevZero:
                File.CreateSymbolicLink(path, "/dev/zero");
                return "a link to /dev/zero";
            case Kind.Empty:
                File.WriteAllBytes(path, []);
                return "an empty file";
            default:
                File.CreateSymbolicLink(path, Path.Combine(Path.GetDirectoryName(path)!, "nowhere"));
                return "a dangling link";
        }
    }
}
