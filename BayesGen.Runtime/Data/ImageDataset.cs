using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Data;

/// <summary>
/// Labelled images held as two tensors: <c>Images [N, C, H, W]</c> (float32, scaled to [−1, 1] as in the
/// reference code) and <c>Labels [N]</c> (int64). Training indexes them per batch, so no per-example
/// objects exist.
/// </summary>
public sealed class ImageDataset : IDisposable
{
    /// <summary>Wraps image and label tensors (the dataset takes ownership).</summary>
    public ImageDataset(string name, Tensor images, Tensor labels, int classes)
    {
        if (images.dim() != 4) throw new ArgumentException($"Images are [N, C, H, W]; got {images.dim()} dimensions.", nameof(images));
        if (labels.dim() != 1 || labels.shape[0] != images.shape[0])
            throw new ArgumentException($"There are {images.shape[0]} images but {labels.shape[0]} labels.", nameof(labels));
        Name = name;
        Images = images.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
        Classes = classes;
    }

    /// <summary>A name for reports, e.g. "mnist/train".</summary>
    public string Name { get; }

    /// <summary>The images, <c>[N, C, H, W]</c>, float32 in [−1, 1].</summary>
    public Tensor Images { get; }

    /// <summary>The class of every image, <c>[N]</c>, int64.</summary>
    public Tensor Labels { get; }

    /// <summary>The number of classes.</summary>
    public int Classes { get; }

    /// <summary>The number of examples.</summary>
    public long Count => Images.shape[0];

    /// <summary>The shape of one example, <c>[C, H, W]</c>.</summary>
    public long[] ExampleShape => Images.shape.Skip(1).ToArray();

    /// <summary>
    /// Builds a dataset from an images file <c>[N, H, W]</c> and a labels file <c>[N]</c> in IDX format.
    /// Throws <see cref="InvalidDataException"/> naming the file when the two disagree or a label is out of range.
    /// </summary>
    public static ImageDataset FromIdx(string name, string imagesPath, string labelsPath, int classes = 10)
        => FromIdx(name, (imagesPath, IdxFile.Read(imagesPath)), (labelsPath, IdxFile.Read(labelsPath)), classes);

    /// <summary>Builds a dataset from images and labels already read (the paths name them in errors).</summary>
    public static ImageDataset FromIdx(string name, (string Path, IdxFile Idx) imagesFile, (string Path, IdxFile Idx) labelsFile, int classes = 10)
    {
        var (imagesPath, images) = imagesFile;
        var (labelsPath, labels) = labelsFile;
        if (images.Shape.Length != 3)
            throw new InvalidDataException($"{imagesPath}: an images file has 3 dimensions (count, height, width); this one has {images.Shape.Length}.");
        if (labels.Shape.Length != 1)
            throw new InvalidDataException($"{labelsPath}: a labels file has 1 dimension; this one has {labels.Shape.Length}.");
        if (images.Shape[0] != labels.Shape[0])
            throw new InvalidDataException($"{labelsPath}: {labels.Shape[0]} labels for {images.Shape[0]} images in {imagesPath}; the counts must agree.");
        for (int i = 0; i < labels.Values.Length; i++)
        {
            if (labels.Values[i] >= classes)
                throw new InvalidDataException($"{labelsPath}: label {labels.Values[i]} at index {i} is out of range (expected 0 to {classes - 1}).");
        }
        int n = images.Shape[0], h = images.Shape[1], w = images.Shape[2];
        using var scope = NewDisposeScope();
        var raw = tensor(images.Values, new long[] { n, 1, h, w }, dtype: ScalarType.Byte);
        var scaled = raw.to(ScalarType.Float32).div_(127.5).sub_(1.0);
        var y = tensor(labels.Values, new long[] { n }, dtype: ScalarType.Byte).to(ScalarType.Int64);
        return new ImageDataset(name, scaled.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope(), classes);
    }

    /// <summary>The first <paramref name="count"/> examples (all when count ≥ N), as a new dataset.</summary>
    public ImageDataset Take(long count)
    {
        long n = Math.Min(count, Count);
        using var images = Images.narrow(0, 0, n);
        using var labels = Labels.narrow(0, 0, n);
        return new ImageDataset($"{Name}[:{n}]", images.clone(), labels.clone(), Classes);
    }

    /// <summary>How many examples each class has.</summary>
    public long[] ClassCounts()
    {
        using var counts = Labels.bincount(null, Classes);
        return counts.data<long>().ToArray();
    }

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
