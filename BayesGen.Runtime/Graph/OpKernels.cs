using BayesGen.Torch;
using BayesGen.Deployment;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace BayesGen.Graph;

/// <summary>
/// The computation of every parameter-free operation: the one implementation that the Bayesian model's forward
/// (through <see cref="Tracing.Ops"/>), its parameter-free modules and the compressed network all run, so that
/// training, recording and deployment cannot disagree about what an operation means.
/// </summary>
internal static class OpKernels
{
    /// <summary>Computes <paramref name="op"/> on its inputs; <paramref name="training"/> matters for dropout only.</summary>
    public static Tensor Run(GraphOp op, IReadOnlyList<Tensor> inputs, bool training) => op switch
    {
        ActivationOp a => Activation(a, inputs[0], inPlace: false),
        DropoutOp d => Dropout(d, inputs[0], training, inPlace: false),
        PoolOp p => Pool(p, inputs[0]),
        AdaptivePoolOp p => AdaptivePool(p, inputs[0]),
        FlattenOp f => inputs[0].flatten(f.Start, f.End),
        UnsqueezeOp u => inputs[0].unsqueeze(u.Dim),
        SqueezeOp s => inputs[0].squeeze(s.Dim),
        PermuteOp p => inputs[0].permute(p.Dims.Select(d => (long)d).ToArray()),
        SoftmaxOp { Log: true } s => F.log_softmax(inputs[0], s.Dim),
        SoftmaxOp s => F.softmax(inputs[0], s.Dim),
        BinaryOp b => Binary(b.Kind, inputs[0], inputs[1], inPlace: false),
        ScalarOp s => Scalar(s, inputs[0], inPlace: false),
        ConcatOp c => cat(inputs.ToArray(), c.Dim),
        ReduceOp { Kind: ReduceKind.Mean } r => inputs[0].mean(r.Dims.Select(d => (long)d).ToArray(), r.KeepDim),
        ReduceOp { Kind: ReduceKind.Max } r => inputs[0].amax(r.Dims.Select(d => (long)d).ToArray(), r.KeepDim),
        ReduceOp r => inputs[0].sum(r.Dims.Select(d => (long)d).ToArray(), r.KeepDim),
        SliceOp s => inputs[0].narrow(s.Dim, s.Start, s.Length),
        ChannelShuffleOp c => ChannelShuffle(inputs[0], c.Groups),
        GatherOp g => Gather(inputs[0], g),
        PadOp p => Pad(p, inputs[0]),
        ResizeOp r => Resize(r, inputs[0]),
        PixelShuffleOp p => F.pixel_shuffle(inputs[0], p.Factor),
        LocalResponseNormOp l => F.local_response_norm(inputs[0], l.Size, l.Alpha, l.Beta, l.K),
        _ => throw new NotSupportedException($"'{op.Name}' is not a parameter-free operation; its module computes it."),
    };

    /// <summary>
    /// The channel shuffle as the view, transpose and reshape it is (differentiable, the same on every backend):
    /// [N, g·k, …] → [N, g, k, …] → [N, k, g, …] → [N, g·k, …].
    /// </summary>
    public static Tensor ChannelShuffle(Tensor x, long groups)
    {
        var shape = x.shape;
        var split = new[] { shape[0], groups, shape[1] / groups }.Concat(shape.Skip(2)).ToArray();
        return x.view(split).transpose(1, 2).reshape(shape);
    }

    private static Tensor AdaptivePool(AdaptivePoolOp p, Tensor x) => (p.Kind, p.Dimensions) switch
    {
        (PoolKind.Max, 1) => F.adaptive_max_pool1d(x, p.OutputSize[0]),
        (PoolKind.Max, _) => F.adaptive_max_pool2d(x, p.OutputSize),
        (_, 1) => F.adaptive_avg_pool1d(x, p.OutputSize[0]),
        _ => F.adaptive_avg_pool2d(x, p.OutputSize),
    };

    /// <summary>Padding as LibTorch's <c>pad</c> computes it.</summary>
    public static Tensor Pad(PadOp p, Tensor x)
        => F.pad(x, p.Pads, TorchPadding(p.Mode), p.Value);

    /// <summary>TorchSharp's name for a padding mode.</summary>
    public static PaddingModes TorchPadding(PadMode mode) => mode switch { PadMode.Reflect => PaddingModes.Reflect, PadMode.Replicate => PaddingModes.Replicate, _ => PaddingModes.Constant };

    /// <summary>Resizing as LibTorch's <c>interpolate</c> computes it (the scale, when given, maps positions).</summary>
    public static Tensor Resize(ResizeOp r, Tensor x)
    {
        var mode = r.Mode == ResizeMode.Nearest ? InterpolationMode.Nearest : r.Dimensions == 1 ? InterpolationMode.Linear : InterpolationMode.Bilinear;
        return F.interpolate(x, r.Size, r.Scale, mode, r.Mode == ResizeMode.Nearest ? null : r.AlignCorners);
    }

    private static Tensor Gather(Tensor x, GatherOp g)
    {
        using var indices = tensor(g.Indices, device: x.device);
        return x.index_select(g.Dim, indices);
    }

    /// <summary>An activation, in place (on <paramref name="x"/>, which is returned) or not.</summary>
    public static Tensor Activation(ActivationOp op, Tensor x, bool inPlace)
    {
        // relu_, tanh_ and sigmoid_ are LibTorch's own in-place kernels. For the others, TorchSharp 0.107's in-place
        // forms cannot be trusted (elu_ computes out of place and leaves its input as it was), so an in-place call
        // computes out of place and copies the result into the input.
        switch (op.Kind)
        {
            case ActivationKind.Relu: return inPlace ? x.relu_() : x.relu();
            case ActivationKind.Tanh: return inPlace ? x.tanh_() : x.tanh();
            case ActivationKind.Sigmoid: return inPlace ? x.sigmoid_() : x.sigmoid();
        }
        using var alpha = op.Alpha.ToScalar();   // clamp's bounds, held until LibTorch returns (HeldScalar explains why)
        using var beta = op.Beta.ToScalar();
        // In place under autograd, the function must read a copy: clamp and the others keep their input for the
        // backward pass, and overwriting that input afterwards would make the backward pass fail (ReLU6(inplace: true)
        // after a BatchNorm, as MobileNetV2 writes it).
        using var read = inPlace && x.requires_grad && is_grad_enabled() ? x.clone() : null;
        var input = read ?? x;
        var result = op.Kind switch
        {
            ActivationKind.LeakyRelu => F.leaky_relu(input, op.Alpha),
            ActivationKind.Elu => F.elu(input, op.Alpha),
            ActivationKind.Gelu => F.gelu(input, TorchSharp.Modules.GELU.Approximate.none),
            ActivationKind.GeluTanh => F.gelu(input, TorchSharp.Modules.GELU.Approximate.tanh),
            ActivationKind.Silu => F.silu(input),
            ActivationKind.Softplus => F.softplus(input, op.Alpha, op.Beta),
            ActivationKind.Hardswish => F.hardswish(input),
            ActivationKind.Hardsigmoid => F.hardsigmoid(input),
            // Not F.hardtanh: in TorchSharp 0.107 it returns its input unchanged; clamp is the same function.
            ActivationKind.Hardtanh => input.clamp(alpha, beta),
            ActivationKind.Mish => F.mish(input),
            ActivationKind.Selu => F.selu(input),
            ActivationKind.Celu => F.celu(input, op.Alpha),
            _ => throw new NotSupportedException($"Unknown activation {op.Kind}."),
        };
        return CopyInto(result, x, inPlace);
    }

    /// <summary>Dropout of the given kind in training; the identity (a new handle to the input) otherwise.</summary>
    public static Tensor Dropout(DropoutOp op, Tensor x, bool training, bool inPlace)
    {
        if (!training || op.Probability == 0) return x.alias();
        var result = op.Kind switch
        {
            DropoutKind.Channel when x.dim() == 3 => F.dropout1d(x, op.Probability, true),
            DropoutKind.Channel => F.dropout2d(x, op.Probability, true),
            DropoutKind.Alpha => F.alpha_dropout(x, op.Probability, true),
            _ => F.dropout(x, op.Probability, true),
        };
        return CopyInto(result, x, inPlace);
    }

    /// <summary>Max or average pooling over 1 or 2 dimensions (2-D max pools as strided maxima where that is exact).</summary>
    public static Tensor Pool(PoolOp p, Tensor x)
    {
        if (p.Dimensions == 1)
        {
            return p.Kind == PoolKind.Max
                ? F.max_pool1d(x, p.Kernel[0], p.Stride[0], p.Padding[0], 1, p.CeilMode)
                : F.avg_pool1d(x, p.Kernel[0], p.Stride[0], p.Padding[0], p.CeilMode, p.CountIncludePad);
        }
        return p.Kind == PoolKind.Max
            ? StridedMaxPool.Apply(x, p)
            : F.avg_pool2d(x, p.Kernel, p.Stride, p.Padding, p.CeilMode, p.CountIncludePad);
    }

    /// <summary>a ∘ b element-wise, in place on <paramref name="a"/> or not.</summary>
    public static Tensor Binary(BinaryKind kind, Tensor a, Tensor b, bool inPlace) => kind switch
    {
        BinaryKind.Add => inPlace ? a.Plus_(b) : a.Plus(b),
        BinaryKind.Subtract => inPlace ? a.sub_(b) : a.sub(b),
        BinaryKind.Multiply => inPlace ? a.mul_(b) : a.mul(b),
        _ => inPlace ? a.div_(b) : a.div(b),
    };

    /// <summary>Arithmetic with a constant.</summary>
    public static Tensor Scalar(ScalarOp op, Tensor x, bool inPlace)
    {
        using var value = op.Value.ToScalar();   // held until LibTorch returns (HeldScalar explains why)
        if (op.ScalarFirst)
        {
            // c − x, c / x: no in-place form keeps x's storage meaningfully; compute and copy when asked to.
            var result = op.Kind switch
            {
                BinaryKind.Add => x.Plus(value),
                BinaryKind.Subtract => x.neg().Plus_(value),
                BinaryKind.Multiply => x.mul(value),
                _ => x.reciprocal().mul_(value),
            };
            return CopyInto(result, x, inPlace);
        }
        return op.Kind switch
        {
            BinaryKind.Add => inPlace ? x.Plus_(value) : x.Plus(value),
            BinaryKind.Subtract => inPlace ? x.sub_(value) : x.sub(value),
            BinaryKind.Multiply => inPlace ? x.mul_(value) : x.mul(value),
            _ => inPlace ? x.div_(value) : x.div(value),
        };
    }

    /// <summary>The result, or for an in-place call the input overwritten with it (the caller gets back what it passed).</summary>
    private static Tensor CopyInto(Tensor result, Tensor x, bool inPlace)
    {
        if (!inPlace || ReferenceEquals(result, x)) return result;
        using (result) x.copy_(result);
        return x;
    }
}
