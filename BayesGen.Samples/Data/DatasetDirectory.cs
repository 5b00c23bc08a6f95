using BayesGen.Training;

namespace BayesGen.Samples.Data;

/// <summary>A data set loaded from a directory, with how its files compare with the published ones.</summary>
/// <param name="Train">The training set (null when only the test set was asked for).</param>
/// <param name="Test">The test set.</param>
/// <param name="Check">Each file's identity and every difference from the published data set.</param>
public sealed record LoadedDataset(ImageDataset? Train, ImageDataset Test, DatasetCheck Check);

/// <summary>
/// A directory holding a data set: the four files of an MNIST-style one, raw or gzip-compressed, or CIFAR-10's
/// archive or batches (<see cref="CifarDirectory"/>).
/// </summary>
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

    /// <summary>What <paramref name="directory"/> lacks of <paramref name="info"/>'s files (empty when it is complete).</summary>
    public static IReadOnlyList<string> Missing(string directory, DatasetInfo info)
        => info.Format == DatasetFormat.CifarBinary
            ? CifarDirectory.Missing(directory, info.Archive!)
            : DatasetInfo.FileNames.Where(f => Find(directory, f) is null).ToArray();

    /// <summary>Whether <paramref name="directory"/> holds all of <paramref name="info"/>'s files.</summary>
    public static bool IsComplete(string? directory, DatasetInfo info)
        => directory is not null && Directory.Exists(directory) && Missing(directory, info).Count == 0;

    /// <summary>
    /// Loads the training and test sets of <paramref name="info"/> from a complete directory and checks them
    /// against the published data set (<see cref="DatasetVerification"/>). Files that differ are refused with
    /// an <see cref="InvalidDataException"/> naming each, unless <paramref name="acceptModified"/> is set; the
    /// differences are then returned in <see cref="LoadedDataset.Check"/> for the run's report.
    /// </summary>
    /// <param name="directory">The directory holding the four files.</param>
    /// <param name="info">The data set the files must be.</param>
    /// <param name="acceptModified">Load files that differ from the published ones instead of refusing them.</param>
    /// <param name="acceptOption">The option that accepts modified files, named in the refusal.</param>
    /// <param name="testOnly">Read and check only the two test files (<see cref="LoadedDataset.Train"/> is then null).</param>
    public static LoadedDataset Load(string directory, DatasetInfo info, bool acceptModified = false, string acceptOption = "--accept-modified-data", bool testOnly = false)
    {
        if (info.Format == DatasetFormat.CifarBinary) return CifarDirectory.Load(directory, info, acceptModified, acceptOption, testOnly);
        var names = testOnly ? new[] { DatasetInfo.TestImages, DatasetInfo.TestLabels } : DatasetInfo.FileNames;
        var missing = Missing(directory, info).Intersect(names).ToArray();
        if (missing.Length > 0)
            throw new FileNotFoundException($"'{directory}' lacks {string.Join(", ", missing)} (raw or .gz) for {info.Name}.");
        var files = names.ToDictionary(f => f, f =>
        {
            var path = Find(directory, f)!;
            return (path, IdxFile.Read(path));
        });
        var check = DatasetVerification.Check(info, files);
        if (!check.IsPublished && !acceptModified) throw DatasetVerification.Refusal(info, check, acceptOption);
        var test = IdxImages.FromIdx($"{info.Name}/test", files[DatasetInfo.TestImages], files[DatasetInfo.TestLabels], info.Classes);
        if (testOnly) return new LoadedDataset(null, test, check);
        try
        {
            var train = IdxImages.FromIdx($"{info.Name}/train", files[DatasetInfo.TrainImages], files[DatasetInfo.TrainLabels], info.Classes);
            return new LoadedDataset(train, test, check);
        }
        catch
        {
            test.Dispose();
            throw;
        }
    }
}
