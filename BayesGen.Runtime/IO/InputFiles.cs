namespace BayesGen.IO;

/// <summary>
/// Opens files BayesGen reads (artifacts, checkpoints, data sets) only when they are plain files of a plausible
/// size. A pipe, a device or a directory is refused before it is opened: opening a FIFO waits for a writer, and
/// reading <c>/dev/zero</c> never ends. Such files report a length of 0 and fall below every minimum.
/// </summary>
public static class InputFiles
{
    /// <summary>Opens <paramref name="path"/> for reading if it holds between <paramref name="minBytes"/> and <paramref name="maxBytes"/> bytes.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">It is a directory, empty, not a plain file, or out of the size range.</exception>
    public static FileStream Open(string path, long minBytes, long maxBytes, string what)
    {
        if (Directory.Exists(path)) throw new InvalidDataException($"it is a directory, not {what}.");
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"{path}: no such file.", path);
        long length = info.Length;
        if (length < minBytes)
            throw new InvalidDataException(length == 0
                ? $"it is empty or not a plain file (a pipe or a device), so it cannot be {what}."
                : $"{length} bytes is too short to be {what} (at least {minBytes} bytes): it is not one, or it was cut short.");
        if (length > maxBytes) throw new InvalidDataException($"it has {length} bytes, above the limit of {maxBytes} bytes for {what}.");
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.SequentialScan);
    }
}
