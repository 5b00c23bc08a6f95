namespace BayesGen.Data;

/// <summary>A directory holding the four files of an MNIST-style data set, raw or gzip-compressed.</summary>
public static class DatasetDirectory
{
    /// <summary>
    /// The path of one of the four files in <paramref name="directory"/>: the raw file, else the
    /// <c>.gz</c> file, else null.
    /// </summary>
    public static string? Find(string directory, string fileName)
    {
        var raw = Path.Combine(directory, fileName);
        if (File.Exists(raw)) return raw;
        var gz = raw + ".gz";
        return File.Exists(gz) ? gz : null;
    }

    /// <summary>The names of the files missing from <paramref name="directory"/> (empty when it is complete).</summary>
    public static IReadOnlyList<string> Missing(string directory)
        => DatasetInfo.FileNames.Where(f => Find(directory, f) is null).ToArray();

    /// <summary>Whether <paramref name="directory"/> holds all four files.</summary>
    public static bool IsComplete(string? directory)
        => directory is not null && Directory.Exists(directory) && Missing(directory).Count == 0;

    /// <summary>Loads the training and test sets from a complete directory.</summary>
    public static (ImageDataset Train, ImageDataset Test) Load(string directory, string name)
    {
        var missing = Missing(directory);
        if (missing.Count > 0)
            throw new FileNotFoundException($"'{directory}' lacks {string.Join(", ", missing)} (raw or .gz) for {name}.");
        var train = ImageDataset.FromIdx($"{name}/train", Find(directory, DatasetInfo.TrainImages)!, Find(directory, DatasetInfo.TrainLabels)!);
        try
        {
            var test = ImageDataset.FromIdx($"{name}/test", Find(directory, DatasetInfo.TestImages)!, Find(directory, DatasetInfo.TestLabels)!);
            return (train, test);
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }
}
