using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Training;

/// <summary>
/// Labelled images held as two tensors: <c>Images [N, C, H, W]</c> (float32, scaled to [−1, 1] as in the
/// reference code) and <c>Labels [N]</c> (int64). Training indexes them per batch, so no per-example
/// objects exist.
/// </summary>
public sealed class ImageDataset : IBatchSource, IDisposable
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

    /// <summary>Batches of <paramref name="batchSize"/> in an order drawn from <paramref name="shuffle"/> (null: in order).</summary>
    public IEnumerable<(Tensor Input, Tensor Target)> Batches(int batchSize, Generator? shuffle)
    {
        if (shuffle is null)
        {
            for (long start = 0; start < Count; start += batchSize)
            {
                long size = Math.Min(batchSize, Count - start);
                yield return (Images.narrow(0, start, size), Labels.narrow(0, start, size));   // views: nothing is copied
            }
            yield break;
        }
        using var order = randperm(Count, generator: shuffle);
        for (long start = 0; start < Count; start += batchSize)
        {
            using var index = order.narrow(0, start, Math.Min(batchSize, Count - start));
            yield return (Images.index_select(0, index), Labels.index_select(0, index));
        }
    }

    /// <summary>The first <paramref name="count"/> examples (all when count ≥ N), as a new dataset.</summary>
    public ImageDataset Take(long count)
    {
        long n = Math.Min(count, Count);
        using var images = Images.narrow(0, 0, n);
        using var labels = Labels.narrow(0, 0, n);
        return new ImageDataset($"{Name}[:{n}]", images.clone(), labels.clone(), Classes);
    }

    /// <summary>
    /// Splits off <paramref name="count"/> examples chosen at random (from <paramref name="seed"/>) as a held-out set
    /// and returns it with the rest, each in the original order. The same seed and count always choose the same
    /// examples, so a later command can rebuild the split from the run's report. This dataset is left as it is.
    /// </summary>
    public (ImageDataset Remaining, ImageDataset HeldOut) SplitOff(long count, long seed)
    {
        if (count <= 0 || count >= Count)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"A held-out set needs between 1 and {Count - 1} of the {Count} examples.");
        using var scope = NewDisposeScope();
        var (heldOut, rest) = ChosenAndRest(count, seed);
        var a = new ImageDataset($"{Name}-heldout", Images.index_select(0, heldOut), Labels.index_select(0, heldOut), Classes);
        var b = new ImageDataset($"{Name}-rest", Images.index_select(0, rest), Labels.index_select(0, rest), Classes);
        return (b, a);
    }

    /// <summary>
    /// <paramref name="count"/> examples chosen at random (from <paramref name="seed"/>), in their original order, as a
    /// new dataset: the examples <see cref="SplitOff"/> would hold out with the same count and seed; all of them when
    /// count ≥ N. This dataset is left as it is.
    /// </summary>
    public ImageDataset Sample(long count, long seed)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "A sample needs at least one example.");
        if (count >= Count) return Take(Count);
        using var scope = NewDisposeScope();
        var (chosen, _) = ChosenAndRest(count, seed);
        return new ImageDataset($"{Name}-sample", Images.index_select(0, chosen), Labels.index_select(0, chosen), Classes);
    }

    /// <summary>The indices of <paramref name="count"/> examples drawn with <paramref name="seed"/> and of the rest, each sorted.</summary>
    private (Tensor Chosen, Tensor Others) ChosenAndRest(long count, long seed)
    {
        using var generator = new Generator((ulong)seed);
        var order = randperm(Count, generator: generator);
        return (order.narrow(0, 0, count).sort().Values, order.narrow(0, count, Count - count).sort().Values);
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
