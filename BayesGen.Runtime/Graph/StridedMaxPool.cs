using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Graph;

/// <summary>
/// Max pooling without padding or ceil mode computed as the element-wise maximum of the kh·kw strided views
/// of the input, one per position in the window. The result is identical to <c>max_pool2d</c> (a maximum is a
/// maximum, whatever order it is taken in; NaN propagates in both), and on LibTorch 2.10's CPU build the
/// strided maxima are faster than its NCHW <c>max_pool2d</c> kernel (`bench inference` in docs/PERFORMANCE.md
/// times the whole deployment path against the plain module). Pools this cannot express exactly go to
/// <c>max_pool2d</c>.
/// </summary>
internal static class StridedMaxPool
{
    /// <summary>Windows larger than this go to <c>max_pool2d</c>: each window position costs one pass over the output.</summary>
    public const long MaxWindow = 16;

    /// <summary>Whether <see cref="Apply"/> computes <paramref name="pool"/> with strided maxima.</summary>
    public static bool Handles(PoolOp pool) =>
        pool.Kind == PoolKind.Max && pool.Dimensions == 2 && pool.Padding[0] == 0 && pool.Padding[1] == 0 && !pool.CeilMode &&
        pool.Kernel[0] * pool.Kernel[1] <= MaxWindow;

    /// <summary>Max pooling of an (N, C, H, W) tensor as <paramref name="pool"/> describes it.</summary>
    public static Tensor Apply(Tensor x, PoolOp pool)
    {
        if (!Handles(pool) || x.dim() != 4)
            return nn.functional.max_pool2d(x, pool.Kernel, pool.Stride, pool.Padding, ceil_mode: pool.CeilMode);
        long kh = pool.Kernel[0], kw = pool.Kernel[1], sh = pool.Stride[0], sw = pool.Stride[1];
        long outH = Shared.SlidingWindow.OutputSize(x.shape[2], kh, sh, 0);
        long outW = Shared.SlidingWindow.OutputSize(x.shape[3], kw, sw, 0);
        if (outH <= 0 || outW <= 0)
            throw new ArgumentException($"A {kh}×{kw} max pool needs an input of at least that size; got {x.shape[2]}×{x.shape[3]}.");
        using var scope = NewDisposeScope();
        Tensor? result = null;
        for (long i = 0; i < kh; i++)
            for (long j = 0; j < kw; j++)
            {
                // Rows i, i + s, ..., i + s·(outH − 1): the window position (i, j) of every output cell.
                var view = x[TensorIndex.Colon, TensorIndex.Colon,
                    TensorIndex.Slice(i, i + sh * (outH - 1) + 1, sh),
                    TensorIndex.Slice(j, j + sw * (outW - 1) + 1, sw)];
                result = result is null ? view : result.maximum(view);
            }
        // A 1×1 window leaves a view of the input; the caller gets its own tensor, as from max_pool2d.
        if (kh * kw == 1) result = result!.clone();
        return result!.MoveToOuterDisposeScope();
    }
}
