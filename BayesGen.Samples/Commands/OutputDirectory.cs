namespace BayesGen.Samples.Commands;

/// <summary>Output directories made and proven writable before any work, so a long run cannot fail at its end.</summary>
public static class OutputDirectory
{
    /// <summary>
    /// Creates <paramref name="path"/> when missing and checks that a file can be written in it.
    /// </summary>
    /// <exception cref="IOException">The path is a file, cannot be created, or is not writable; the message names the option.</exception>
    public static string Prepare(string path, string option)
    {
        if (File.Exists(path)) throw new IOException($"{option} {path} is a file; give a directory.");
        var probe = Path.Combine(path, $".bayesgen-write-test-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(path);
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{option} {path}: cannot write there ({e.Message.TrimEnd('.')}). Choose a directory you can write to.", e);
        }
        return path;
    }
}
