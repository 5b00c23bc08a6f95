using BayesGen.Graph;
using BayesGen.Tracing;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BayesGen.Layers;

/// <summary>
/// A BatchNorm layer inside a Bayesian model. It behaves exactly like the wrapped BatchNorm, except that in
/// evaluation mode with a channel mask set, removed channels output zero: the channel no longer exists in the
/// compressed network, so nothing downstream may see the constant BatchNorm would otherwise produce for it.
/// </summary>
public sealed class MaskedBatchNorm : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> norm;
    private Tensor? channelMask;

    /// <summary>Wraps a copy of <paramref name="source"/> (its parameters and running statistics are copied).</summary>
    public MaskedBatchNorm(BatchNorm1d source) : this(Copy(source), 1) { }

    /// <summary>Wraps a copy of <paramref name="source"/> (its parameters and running statistics are copied).</summary>
    public MaskedBatchNorm(BatchNorm2d source) : this(Copy(source), 2) { }

    private MaskedBatchNorm(NormBase norm, int dimensions) : base(nameof(MaskedBatchNorm))
    {
        if (!norm.track_running_stats)
            throw new NotSupportedException("BayesGen deploys BatchNorm with running statistics; this one has track_running_stats = false, so it normalises every batch by itself.");
        this.norm = norm;
        Dimensions = dimensions;
        Features = norm.num_features;
        RegisterComponents();
    }

    /// <summary>1 for BatchNorm1d (features), 2 for BatchNorm2d (channels).</summary>
    public int Dimensions { get; }

    /// <summary>The number of features or channels normalised.</summary>
    public long Features { get; }

    /// <summary>The wrapped BatchNorm.</summary>
    public NormBase Norm => (NormBase)norm;

    /// <summary>Kept channels for the deterministic forward (bool, one per channel), or null for all.</summary>
    public Tensor? ChannelMask
    {
        get => channelMask;
        set
        {
            if (value is not null && value.shape[0] != Features)
                throw new ArgumentException($"The mask has {value.shape[0]} entries; the BatchNorm has {Features} channels.", nameof(value));
            channelMask?.Dispose();
            using var d = NewDisposeScope();
            channelMask = value?.detach().to(ScalarType.Float32).DetachFromDisposeScope();
        }
    }

    public override Tensor forward(Tensor input)
    {
        var output = norm.forward(input);
        if (channelMask is not null && !training)
        {
            // In place on the output, which belongs to the caller's scope: only the mask's view and copy are
            // this scope's (moving the output "outward" would take it out of the caller's scope: a leak per batch).
            using var d = NewDisposeScope();
            var shape = Enumerable.Repeat(1L, (int)output.dim()).ToArray();
            shape[1] = -1;
            var mask = channelMask.device == output.device ? channelMask : channelMask.to(output.device);
            output.mul_(mask.view(shape));
        }
        GraphTracer.Current?.RecordModule(this, path => new BatchNormOp(path), output, input);
        return output;
    }

    private static BatchNorm1d Copy(BatchNorm1d source)
    {
        var copy = nn.BatchNorm1d(source.num_features, source.eps, source.momentum ?? 0.1, source.affine, source.track_running_stats);
        copy.momentum = source.momentum;
        CopyState(source, copy);
        return copy;
    }

    private static BatchNorm2d Copy(BatchNorm2d source)
    {
        var copy = nn.BatchNorm2d(source.num_features, source.eps, source.momentum ?? 0.1, source.affine, source.track_running_stats);
        copy.momentum = source.momentum;
        CopyState(source, copy);
        return copy;
    }

    private static void CopyState(NormBase source, NormBase target)
    {
        using var _ = no_grad();
        if (source.weight is not null) target.weight?.copy_(source.weight);
        if (source.bias is not null) target.bias?.copy_(source.bias);
        target.running_mean?.copy_(source.running_mean!);
        target.running_var?.copy_(source.running_var!);
        target.num_batches_tracked?.copy_(source.num_batches_tracked!);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) channelMask?.Dispose();
        base.Dispose(disposing);
    }
}
