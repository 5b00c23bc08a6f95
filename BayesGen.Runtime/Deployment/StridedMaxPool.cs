using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Deployment;

/// <summary>
/// Max pooling without padding or ceil mode computed as the element-wise maximum of the kh·kw strided views
/// of the input, one per position in the window. The result is identical to <c>max_pool2d</c> (a maximum is a
/// maximum, whatever order it is taken in; NaN propagates in both), and on LibTorch 2.10's CPU build the
/// strided maxima are faster than its NCHW <c>max_pool2d</c> kernel (`bench inference` in docs/PERFORMANCE.md
/// times the whole deployment path against the plain module). Pools this cannot express exactly go to
/// <c>max_pool2d</c>.
/// </summary>
public static class StridedMaxPool
{
    /// <summary>Windows larger than this go to <c>max_pool2d</c>: each window position costs one pass over the output.</summary>
    public const long MaxWindow = 16;

    /// <summary>Whether <see cref="Apply"/> computes <paramref name="pool"/> with strided maxima.</summary>
    public static bool Handles(PoolOp pool) =>
        pool.Kind == PoolKind.Max && pool.PaddingH == 0 && pool.PaddingW == 0 && !pool.CeilMode &&
        pool.KernelH * pool.KernelW <= MaxWindow;

    /// <summary>Max pooling of an (N, C, H, W) tensor as <paramref name="pool"/> describes it.</summary>
    public static Tensor Apply(Tensor x, PoolOp pool)
    {
        if (!Handles(pool) || x.dim() != 4)
            return nn.functional.max_pool2d(x, new[] { pool.KernelH, pool.KernelW }, new[] { pool.StrideH, pool.StrideW },
                new[] { pool.PaddingH, pool.PaddingW }, ceil_mode: pool.CeilMode);
        long outH = PoolOp.OutputSize(x.shape[2], pool.KernelH, pool.StrideH, 0, false);
        long outW = PoolOp.OutputSize(x.shape[3], pool.KernelW, pool.StrideW, 0, false);
        if (outH <= 0 || outW <= 0)
            throw new ArgumentException($"A {pool.KernelH}×{pool.KernelW} max pool needs an input of at least that size; got {x.shape[2]}×{x.shape[3]}.");
        using var scope = NewDisposeScope();
        Tensor? result = null;
        for (long i = 0; i < pool.KernelH; i++)
            for (long j = 0; j < pool.KernelW; j++)
            {
                // Rows i, i + s, ..., i + s·(outH − 1): the window position (i, j) of every output cell.
                var view = x[TensorIndex.Colon, TensorIndex.Colon,
                    TensorIndex.Slice(i, i + pool.StrideH * (outH - 1) + 1, pool.StrideH),
                    TensorIndex.Slice(j, j + pool.StrideW * (outW - 1) + 1, pool.StrideW)];
                result = result is null ? view : result.maximum(view);
            }
        // A 1×1 window leaves a view of the input; the caller gets its own tensor, as from max_pool2d.
        if (pool.KernelH * pool.KernelW == 1) result = result!.clone();
        return result!.MoveToOuterDisposeScope();
    }
}

/// <summary>The module form of <see cref="StridedMaxPool"/>, what the generated <c>Compressed</c> class holds.</summary>
public sealed class StridedMaxPool2d : nn.Module<Tensor, Tensor>
{
    private readonly PoolOp pool;

    /// <summary>A max pool as <paramref name="pool"/> describes it.</summary>
    public StridedMaxPool2d(PoolOp pool) : base(nameof(StridedMaxPool2d))
    {
        if (pool.Kind != PoolKind.Max) throw new ArgumentException("StridedMaxPool2d computes max pooling only.", nameof(pool));
        this.pool = pool;
    }

    public override Tensor forward(Tensor input) => StridedMaxPool.Apply(input, pool);
}
