using BayesGen.Graph;
using BayesGen.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Deployment;

/// <summary>
/// Runs a deployment network over a large batch in chunks of rows. A convolution's output grows with the batch
/// (LeNet-5's first layer writes 46 KB per image), and a batch of 8,192 images pushes every step out to main
/// memory; chunks whose largest convolution buffer fits in a few MiB keep each step in the CPU's cache.
/// A pruned network has smaller activations and gets larger chunks (fewer calls into LibTorch). Measured on
/// LeNet-5 at batch 8,192 (docs/PERFORMANCE.md), chunking makes both the dense and the compressed deployment
/// several times faster. Fully connected networks run whole: their matrix products are fastest on large batches.
/// </summary>
internal static class BatchChunks
{
    /// <summary>Bytes the largest convolution buffer of one chunk may take.</summary>
    public const long ActivationBudgetBytes = 3L << 20;

    /// <summary>Rows per chunk for networks with convolutions whose activation sizes are unknown (no input shape).</summary>
    public const int ConvolutionRows = 64;

    /// <summary>The fewest and most rows a chunk gets.</summary>
    public const int MinRows = 16, MaxRows = 1024;

    /// <summary>
    /// The chunk size a network starts with: 0 (whole batches) without convolutions; otherwise as many rows as
    /// keep a chunk's largest convolution buffer within <see cref="ActivationBudgetBytes"/> (between
    /// <see cref="MinRows"/> and <see cref="MaxRows"/>), or <see cref="ConvolutionRows"/> when the model has no
    /// input shape to size the buffers from. <paramref name="im2col"/>: whether convolutions unfold their input
    /// (LibTorch's convolution without oneDNN, which BayesGen switches off in processes that train convolutions;
    /// default: the process's current state), which makes the unfolded input the largest buffer.
    /// </summary>
    public static int DefaultRows(CompressedModel model, bool? im2col = null)
    {
        if (!model.Layers.Any(l => l.Kind != LayerKind.Linear)) return 0;
        long e = LargestConvolutionBuffer(model, im2col ?? Torch.LibTorchFixes.OneDnnDisabled);
        if (e <= 0) return ConvolutionRows;
        return (int)Math.Clamp(ActivationBudgetBytes / (sizeof(float) * e), MinRows, MaxRows);
    }

    /// <summary>
    /// Elements per input of the largest convolution buffer: each convolution's output (kept channels × positions)
    /// and, with <paramref name="im2col"/>, its unfolded input (kept input channels per group × kernel size ×
    /// output positions), from the model's inferred shapes.
    /// </summary>
    public static long LargestConvolutionBuffer(CompressedModel model, bool im2col)
    {
        long largest = 0;
        var nodes = model.Graph.Nodes;
        for (int i = 0; i < nodes.Count; i++)
        {
            if (nodes[i].Op is not LayerOp op || model.Layer(op.Layer) is not { Kind: not LayerKind.Linear, Geometry: { } g } layer) continue;
            var shape = model.Shapes[i];
            long positions = shape.Skip(2).Aggregate(1L, (a, b) => a * b);
            largest = Math.Max(largest, shape[1] * positions);
            if (im2col) largest = Math.Max(largest, layer.KeptShape[1] * g.KernelSize * positions);
        }
        return largest;
    }

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
