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
public static class BatchChunks
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
        if (!model.Layers.Any(l => l.Kind == LayerKind.Conv2d)) return 0;
        long? elements = LargestConvolutionBuffer(model, im2col ?? Torch.LibTorchFixes.OneDnnDisabled);
        if (elements is not long e || e <= 0) return ConvolutionRows;
        return (int)Math.Clamp(ActivationBudgetBytes / (sizeof(float) * e), MinRows, MaxRows);
    }

    /// <summary>
    /// Elements per input of the largest convolution buffer, following the input shape through convolutions and
    /// pools: each output (kept channels × height × width) and, with <paramref name="im2col"/>, each unfolded
    /// input (kept input channels × kernel area × output positions). Null without an input shape.
    /// </summary>
    public static long? LargestConvolutionBuffer(CompressedModel model, bool im2col)
    {
        if (model.InputShape is not { Length: 3 } shape) return null;
        long c = shape[0], h = shape[1], w = shape[2], largest = 0;
        foreach (var op in model.Graph.Ops)
        {
            switch (op)
            {
                case LayerOp l when model.Layer(l.Layer) is { Kind: LayerKind.Conv2d, Geometry: { } g } layer:
                    h = ConvGeometry.OutputSize(h, g.KernelH, g.StrideH, g.PaddingH, g.DilationH);
                    w = ConvGeometry.OutputSize(w, g.KernelW, g.StrideW, g.PaddingW, g.DilationW);
                    long inputs = layer.KeptInputs.Length > 0 ? layer.KeptInputs.Length : c;
                    if (im2col) largest = Math.Max(largest, inputs / g.Groups * g.KernelH * g.KernelW * h * w);
                    c = layer.KeptOutputs.Length;
                    largest = Math.Max(largest, c * h * w);
                    break;
                case PoolOp p:
                    h = PoolOp.OutputSize(h, p.KernelH, p.StrideH, p.PaddingH, p.CeilMode);
                    w = PoolOp.OutputSize(w, p.KernelW, p.StrideW, p.PaddingW, p.CeilMode);
                    break;
                case FlattenOp:
                    return largest;
            }
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
