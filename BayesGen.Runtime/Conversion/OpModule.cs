using BayesGen.Graph;
using BayesGen.Tracing;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Conversion;

/// <summary>
/// A parameter-free module of a Bayesian model (an activation, pooling, dropout, flatten, softmax, identity) as one
/// graph operation: it computes the operation with <see cref="OpKernels"/> and records it while a graph is being
/// recorded. The conversion of a plain network puts one wherever the network holds such a TorchSharp module.
/// </summary>
public sealed class OpModule : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the module for <paramref name="op"/> (null: the identity).</summary>
    public OpModule(GraphOp? op, bool inPlace = false, string? name = null) : base(name ?? op?.Name ?? "identity")
    {
        Op = op;
        InPlace = inPlace;
    }

    /// <summary>The operation, or null for the identity.</summary>
    public GraphOp? Op { get; }

    /// <summary>Whether it overwrites its input (ReLU(inplace: true)); it then returns a new handle to it, as TorchSharp's modules do.</summary>
    public bool InPlace { get; }

    public override Tensor forward(Tensor input)
    {
        switch (Op)
        {
            case null:
                return Ops.Same(input, input.alias());
            case FlattenSpec f:
                return Ops.Flatten(input, f.Start, f.End);
            case GluSpec g:
                return Ops.Glu(input, g.Dim);
            case PadOp p:
                return Ops.Pad(input, p.Pads, OpKernels.TorchPadding(p.Mode), p.Value);   // checks the rank it pads
            case SoftmaxSpec s:
                return Ops.Softmax(input, s.Dim, log: false);
            case PixelShuffleOp p:
                return Ops.PixelShuffle(input, p.Factor);
            case LocalResponseNormOp l:
                return Ops.LocalResponseNorm(input, l.Size, l.Alpha, l.Beta, l.K);   // checks the rank
            case UpsampleSpec u:
                return Ops.Upsample(input, u.Size, u.Scale, u.Mode, u.AlignCorners, u.RecomputeScale);
            case ChannelShuffleOp c:
                return Ops.ChannelShuffle(input, c.Groups);   // a clear error when the channels do not divide
            case ActivationOp a when InPlace:
                return Aliased(a, input, OpKernels.Activation(a, input, inPlace: true));
            case DropoutOp d when InPlace:
                return Aliased(d, input, OpKernels.Dropout(d, input, training, inPlace: true));
            case DropoutOp d:
                return Recorded(d, input, OpKernels.Dropout(d, input, training, inPlace: false));
            default:
                return Recorded(Op, input, OpKernels.Run(Op, new[] { input }, training));
        }
    }

    private static Tensor Recorded(GraphOp op, Tensor input, Tensor output)
    {
        GraphTracer.Current?.Record(op, output, input);
        return output;
    }

    // In place: the input now holds the result too; a Sequential disposes its intermediate values, so the
    // caller gets a new handle (as from TorchSharp's in-place modules), and both handles map to the new node.
    private static Tensor Aliased(GraphOp op, Tensor input, Tensor updated)
    {
        var output = updated.alias();
        var tracer = GraphTracer.Current;
        if (tracer is null) return output;
        tracer.Record(op, output, input);
        tracer.Same(output, input);
        return output;
    }
}
