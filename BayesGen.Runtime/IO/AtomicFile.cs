namespace BayesGen.IO;

/// <summary>
/// Writes a file so that readers see the old file or the new one, never half of one: the content goes to a
/// temporary file beside it, is flushed to disk, and then replaces the target in one rename. A process killed
/// mid-write leaves the old file and a temporary file, which <see cref="CleanStale"/> removes later.
/// </summary>
public static class AtomicFile
{
    /// <summary>The suffix of temporary files: <c>.name.tmp-PID</c>.</summary>
    private const string TempInfix = ".tmp-";

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, "." + Path.GetFileName(full) + TempInfix + Environment.ProcessId);
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/>, atomically.</summary>
    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes));

    /// <summary>Writes <paramref name="text"/> (UTF-8) to <paramref name="path"/>, atomically.</summary>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// Removes temporary files that writers of <paramref name="path"/> left behind when they were killed (those of
    /// processes that no longer run). Returns how many were removed.
    /// </summary>
    public static int CleanStale(string path)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory)) return 0;
        int removed = 0;
        foreach (var file in Directory.EnumerateFiles(directory, "." + Path.GetFileName(full) + TempInfix + "*"))
        {
            var suffix = file[(file.LastIndexOf(TempInfix, StringComparison.Ordinal) + TempInfix.Length)..];
            if (int.TryParse(suffix, out var pid) && pid != Environment.ProcessId && IsRunning(pid)) continue;
            if (TryDelete(file)) removed++;
        }
        return removed;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool TryDelete(string file)
    {
        try
        {
            File.Delete(file);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
