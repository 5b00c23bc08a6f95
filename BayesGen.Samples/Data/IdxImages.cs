using TorchSharp;
using BayesGen.Training;
using static TorchSharp.torch;
using BayesGen.Torch;

namespace BayesGen.Samples.Data;

/// <summary>Image data sets read from IDX files (MNIST's format).</summary>
public static class IdxImages
{
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
        var scaled = raw.to(ScalarType.Float32).DivScalar_(127.5).SubScalar_(1.0);
        var y = tensor(labels.Values, new long[] { n }, dtype: ScalarType.Byte).to(ScalarType.Int64);
        return new ImageDataset(name, scaled.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope(), classes);
    }
}
