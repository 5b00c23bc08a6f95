using BayesGen.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Deployment;

/// <summary>
/// Runs a deployment network over a large batch in chunks of rows. A convolution's intermediates grow with the
/// batch (LeNet-5's first layer unfolds 57.6 KB per image for its matrix product), and a batch of 8,192 images
/// pushes every step out to main memory; chunks of 64 keep them in the CPU's cache. Measured on LeNet-5 at batch
/// 8,192 (docs/PERFORMANCE.md), chunking makes both the dense and the compressed deployment several times faster.
/// Fully connected networks run whole: their matrix products are fastest on large batches.
/// </summary>
public static class BatchChunks
{
    /// <summary>Rows per chunk for networks with convolutions.</summary>
    public const int ConvolutionRows = 64;

    /// <summary>The chunk size a network starts with: <see cref="ConvolutionRows"/> with convolutions, else 0 (whole batches).</summary>
    public static int DefaultRows(CompressedModel model) =>
        model.Layers.Any(l => l.Kind == LayerKind.Conv2d) ? ConvolutionRows : 0;

    /// <summary>
    /// <paramref name="run"/> over <paramref name="input"/> in chunks of <paramref name="rows"/> along the first
    /// dimension, outputs concatenated in order; the whole input at once when <paramref name="rows"/> is 0 or
    /// covers it. Each row's output depends on that row only (evaluation mode), so the result is the same.
    /// </summary>
    public static Tensor Forward(Tensor input, int rows, Func<Tensor, Tensor> run)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "Chunk rows must be 0 (whole batches) or positive.");
        if (rows == 0 || input.dim() == 0 || input.shape[0] <= rows) return run(input);
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        foreach (var chunk in input.split(rows)) parts.Add(run(chunk));
        return cat(parts, 0).MoveToOuterDisposeScope();
    }
}
