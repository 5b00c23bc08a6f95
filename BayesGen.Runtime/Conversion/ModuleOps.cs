using BayesGen.Graph;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BayesGen.Conversion;

/// <summary>
/// What a TorchSharp parameter-free module computes, as a graph operation: the table the Bayesian model's
/// conversion uses for activations, pooling, dropout, flatten and softmax modules.
/// </summary>
internal static class ModuleOps
{
    /// <summary>The modules this table knows, for messages.</summary>
    public const string Supported =
        "ReLU, ReLU6, LeakyReLU, ELU, GELU, SiLU, Softplus, Hardswish, Hardsigmoid, Hardtanh, Mish, Tanh, Sigmoid, Dropout, Dropout1d, Dropout2d, " +
        "AlphaDropout, Identity, MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, Flatten, Softmax, LogSoftmax, ChannelShuffle, SELU, CELU, GLU, " +
        "ZeroPad2d, ConstantPad1d, ConstantPad2d, ReflectionPad1d, ReflectionPad2d, ReplicationPad1d, ReplicationPad2d, Upsample, LocalResponseNorm, Softmax2d, PixelShuffle";

    /// <summary>
    /// The operation <paramref name="module"/> computes and whether it works in place; (null, false) for
    /// <see cref="Identity"/>. Null when the module is not a parameter-free module BayesGen knows; a
    /// <see cref="NotSupportedException"/> names a setting it cannot deploy (a dilated pool, a divisor override).
    /// </summary>
    public static (GraphOp? Op, bool InPlace)? Describe(nn.Module module) => module switch
    {
        ReLU m => (ActivationOp.Relu, m.inplace),
        ReLU6 m => (new ActivationOp(ActivationKind.Hardtanh, 0, 6), m.inplace),
        LeakyReLU m => (new ActivationOp(ActivationKind.LeakyRelu, m.negative_slope), m.inplace),
        ELU m => (new ActivationOp(ActivationKind.Elu, m.alpha), m.inplace),
        GELU m => (new ActivationOp(m.approximate == GELU.Approximate.tanh ? ActivationKind.GeluTanh : ActivationKind.Gelu), m.inplace),
        SiLU m => (new ActivationOp(ActivationKind.Silu), m.inplace),
        Softplus m => (new ActivationOp(ActivationKind.Softplus, m.beta, m.threshold), false),
        Hardswish m => (new ActivationOp(ActivationKind.Hardswish), m.inplace),
        Hardsigmoid m => (new ActivationOp(ActivationKind.Hardsigmoid), m.inplace),
        Hardtanh m => (new ActivationOp(ActivationKind.Hardtanh, m.min_val, m.max_val), m.inplace),
        Mish m => (new ActivationOp(ActivationKind.Mish), m.inplace),
        Tanh => (new ActivationOp(ActivationKind.Tanh), false),
        Sigmoid => (new ActivationOp(ActivationKind.Sigmoid), false),
        Dropout m => (new DropoutOp(DropoutKind.Element, m.p), m.inplace),
        Dropout1d m => (new DropoutOp(DropoutKind.Channel, m.p), m.inplace),
        Dropout2d m => (new DropoutOp(DropoutKind.Channel, m.p), m.inplace),
        AlphaDropout m => (new DropoutOp(DropoutKind.Alpha, m.p), m.inplace),
        Identity => (null, false),
        MaxPool1d m => (Pool1d(PoolKind.Max, m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode, true), false),
        AvgPool1d m => (Pool1d(PoolKind.Average, m.kernel_size, m.stride, m.padding, null, m.ceil_mode, m.count_include_pad), false),
        MaxPool2d m => (Pool2d(PoolKind.Max, m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode, true, null), false),
        AvgPool2d m => (Pool2d(PoolKind.Average, m.kernel_size, m.stride, m.padding, null, m.ceil_mode, m.count_include_pad, m.divisor_override), false),
        AdaptiveAvgPool1d m => (new AdaptivePoolOp(new[] { m.output_size }), false),
        AdaptiveAvgPool2d m => (new AdaptivePoolOp(m.output_size.Length == 1 ? new[] { m.output_size[0], m.output_size[0] } : m.output_size), false),
        Flatten m => (FlattenModule(m), false),
        Softmax m => (new SoftmaxOp(false, (int)m.dim), false),
        LogSoftmax m => (new SoftmaxOp(true, (int)m.dim), false),
        ChannelShuffle m => (new ChannelShuffleOp(m.groups), false),
        AdaptiveMaxPool1d m => (new AdaptivePoolOp(new[] { m.output_size }, PoolKind.Max), false),
        AdaptiveMaxPool2d m => (new AdaptivePoolOp(m.output_size.Length == 1 ? new[] { m.output_size[0], m.output_size[0] } : m.output_size, PoolKind.Max), false),
        SELU m => (new ActivationOp(ActivationKind.Selu), m.inplace),
        CELU m => (new ActivationOp(ActivationKind.Celu, m.alpha), m.inplace),
        GLU m => (new GluSpec(m.dim), false),
        ZeroPad2d or ConstantPad1d or ConstantPad2d => (new PadOp(((PadBase)module).padding, PadMode.Constant, ((PadBase)module).value), false),
        ReflectionPad1d or ReflectionPad2d => (new PadOp(((PadBase)module).padding, PadMode.Reflect), false),
        ReplicationPad1d or ReplicationPad2d => (new PadOp(((PadBase)module).padding, PadMode.Replicate), false),
        LocalResponseNorm m => (new LocalResponseNormOp(m.size, m.alpha, m.beta, m.k), false),
        Softmax2d => (new SoftmaxSpec(-3), false),
        PixelShuffle m => (new PixelShuffleOp(m.upscale_factor), false),
        Upsample m => (new UpsampleSpec(m.size.IsEmpty ? null : m.size.ToArray(), m.scale_factor.IsEmpty ? null : m.scale_factor.ToArray(), m.mode,
            m.align_corners, m.recompute_scale_factor ?? false), false),
        _ => null,
    };

    private static PoolOp Pool1d(PoolKind kind, long kernel, long? stride, long? padding, long? dilation, bool ceil, bool countIncludePad)
    {
        if (dilation is long d && d != 1) throw new NotSupportedException("BayesGen deploys pooling without dilation; this MaxPool1d has dilation " + d + ".");
        return new PoolOp(kind, new[] { kernel }, new[] { stride ?? kernel }, new[] { padding ?? 0 }, ceil, countIncludePad);
    }

    private static PoolOp Pool2d(PoolKind kind, long[] kernel, long[]? stride, long[]? padding, long[]? dilation, bool ceil, bool countIncludePad, long? divisor)
    {
        if (dilation is not null && dilation.Any(d => d != 1))
            throw new NotSupportedException($"BayesGen deploys pooling without dilation; this MaxPool2d has dilation ({string.Join(", ", dilation)}).");
        if (divisor is not null)
            throw new NotSupportedException("BayesGen deploys average pooling without a divisor override.");
        var k = Pair(kernel, 1);
        return new PoolOp(kind, k, stride is { Length: > 0 } ? Pair(stride, 1) : k, padding is { Length: > 0 } ? Pair(padding, 0) : new long[] { 0, 0 }, ceil, countIncludePad);
    }

    private static long[] Pair(long[] values, long fallback) => values.Length switch
    {
        0 => new[] { fallback, fallback },
        1 => new[] { values[0], values[0] },
        _ => new[] { values[0], values[1] },
    };

    // Flatten(start, end) with module-relative dimensions: recorded against the actual rank when it runs.
    private static GraphOp FlattenModule(Flatten m) => new FlattenSpec(m.start_dim, m.end_dim);
}

/// <summary>A GLU module's dimension as written (possibly negative): it computes, and records, the halves, a sigmoid and a product.</summary>
internal sealed record GluSpec(long Dim) : GraphOp
{
    public override string Name => "glu";
}

/// <summary>A Flatten module's dimensions as written (possibly negative), resolved to a <see cref="FlattenOp"/> when it runs.</summary>
internal sealed record FlattenSpec(long Start, long End) : GraphOp
{
    public override string Name => "flatten";
}

/// <summary>An Upsample module's settings as written, resolved to a <see cref="ResizeOp"/> against the input when it runs.</summary>
internal sealed record UpsampleSpec(long[]? Size, double[]? Scale, UpsampleMode Mode, bool? AlignCorners, bool RecomputeScale) : GraphOp
{
    public override string Name => "upsample";
}

/// <summary>A softmax over a dimension counted from the end (Softmax2d: the channels, −3), resolved against the input when it runs.</summary>
internal sealed record SoftmaxSpec(long Dim) : GraphOp
{
    public override string Name => "softmax";
}
