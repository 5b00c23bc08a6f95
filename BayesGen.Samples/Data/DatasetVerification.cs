namespace BayesGen.Samples.Data;

/// <summary>How one loaded file compares with the published data set.</summary>
/// <param name="File">The file's name in the data set, e.g. <c>train-labels-idx1-ubyte</c>.</param>
/// <param name="Path">Where it was read from.</param>
/// <param name="ContentSha256">SHA-256 of its uncompressed content.</param>
/// <param name="Verified">How it was identified ("sha256", "published .gz md5"), or null when it was not.</param>
public sealed record DataFileCheck(string File, string Path, string ContentSha256, string? Verified);

/// <summary>The outcome of checking a loaded data set against the published one.</summary>
/// <param name="Files">Each file's identity.</param>
/// <param name="Differences">What differs from the published data set (empty when every check passed).</param>
public sealed record DatasetCheck(IReadOnlyList<DataFileCheck> Files, IReadOnlyList<string> Differences)
{
    /// <summary>Whether every file is the published one, with the published counts and image size.</summary>
    public bool IsPublished => Differences.Count == 0;
}

/// <summary>
/// Checks the four files of a known data set on every load: each file's identity against the published checksums
/// (SHA-256 of the uncompressed content, or the published MD5 of a <c>.gz</c> file), and the image counts and size.
/// Shifted labels, swapped training and test files, or images of another size are caught here, before training.
/// </summary>
public static class DatasetVerification
{
    /// <summary>Compares the files read with what <paramref name="info"/> publishes.</summary>
    /// <param name="info">The data set the files claim to be.</param>
    /// <param name="files">The files read (all four, or the test pair), by data-set file name, with the path each came from.</param>
    public static DatasetCheck Check(DatasetInfo info, IReadOnlyDictionary<string, (string Path, IdxFile Idx)> files)
    {
        var checks = new List<DataFileCheck>();
        var differences = new List<string>();
        foreach (var name in DatasetInfo.FileNames.Where(files.ContainsKey))
        {
            var (path, idx) = files[name];
            var verified = Identify(info, name, idx);
            checks.Add(new DataFileCheck(name, path, idx.ContentSha256, verified));
            if (verified is null) differences.Add(Unidentified(info, name, path, idx));
            if (ShapeDifference(info, name, idx.Shape) is { } shape) differences.Add($"{path}: {shape}");
        }
        return new DatasetCheck(checks, differences);
    }

    /// <summary>The error to raise for a check that found differences, naming each file and both fixes.</summary>
    public static InvalidDataException Refusal(DatasetInfo info, DatasetCheck check, string optionName)
        => new($"These files are not the published {info.Name}:{Environment.NewLine}" +
               string.Join(Environment.NewLine, check.Differences.Select(d => "  - " + d)) + Environment.NewLine +
               $"Fix: use the published files (delete these and BayesGen fetches them again), or pass {optionName} to use them anyway; the run's report then records these differences.");

    private static string? Identify(DatasetInfo info, string name, IdxFile idx)
    {
        if (info.Sha256.TryGetValue(name, out var sha) && sha == idx.ContentSha256) return "sha256";
        if (idx.GzipMd5 is not null && info.GzipMd5.TryGetValue(name, out var md5) && md5 == idx.GzipMd5) return "published .gz md5";
        return null;
    }

    private static string Unidentified(DatasetInfo info, string name, string path, IdxFile idx)
    {
        if (info.Sha256.TryGetValue(name, out var sha))
            return $"{path}: SHA-256 {idx.ContentSha256} is not that of the published {name} ({sha}).";
        if (idx.GzipMd5 is not null && info.GzipMd5.TryGetValue(name, out var md5))
            return $"{path}: MD5 {idx.GzipMd5} is not that of the published {name}.gz ({md5}).";
        return $"{path}: it cannot be verified: only the published .gz files of {info.Name} have known checksums; keep {name}.gz as published.";
    }

    private static string? ShapeDifference(DatasetInfo info, string name, int[] shape)
    {
        bool train = name is DatasetInfo.TrainImages or DatasetInfo.TrainLabels;
        bool images = name is DatasetInfo.TrainImages or DatasetInfo.TestImages;
        int expected = train ? info.TrainCount : info.TestCount;
        int other = train ? info.TestCount : info.TrainCount;
        string set = train ? "training" : "test";
        if (shape[0] != expected)
            return $"it holds {shape[0]:N0} {(images ? "images" : "labels")}; the published {set} set has {expected:N0}" +
                   (shape[0] == other ? " (are the training and test files swapped?)." : ".");
        if (images && (shape.Length != 3 || shape[1] != info.ImageSize.Height || shape[2] != info.ImageSize.Width))
            return $"its images are {string.Join("×", shape.Skip(1))}; {info.Name}'s are {info.ImageSize.Height}×{info.ImageSize.Width}.";
        return null;
    }
}
