using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BayesGen.Layers;

/// <summary>
/// Fresh copies of the parameter-free modules a network may hold as fields (activations, pooling, dropout,
/// flatten), built from the source module's own settings, and their descriptions as graph operations.
/// Generated models use these so that the Bayesian model owns its modules instead of sharing the plain
/// network's.
/// </summary>
public static class ModuleCopies
{
    public static ReLU Copy(ReLU m) => nn.ReLU(m.inplace);
    public static Tanh Copy(Tanh m) => nn.Tanh();
    public static Sigmoid Copy(Sigmoid m) => nn.Sigmoid();
    public static LeakyReLU Copy(LeakyReLU m) => nn.LeakyReLU(m.negative_slope, m.inplace);
    public static Dropout Copy(Dropout m) => nn.Dropout(m.p, m.inplace);
    public static Identity Copy(Identity m) => nn.Identity();
    public static MaxPool2d Copy(MaxPool2d m) => nn.MaxPool2d(m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode);
    public static AvgPool2d Copy(AvgPool2d m) => nn.AvgPool2d(m.kernel_size, m.stride, m.padding, m.ceil_mode, m.count_include_pad, m.divisor_override);
    public static Flatten Copy(Flatten m) => nn.Flatten(m.start_dim, m.end_dim);
    public static LogSoftmax Copy(LogSoftmax m) => nn.LogSoftmax(m.dim);
    public static Softmax Copy(Softmax m) => nn.Softmax(m.dim);

    public static GraphOp Describe(ReLU m) => new ActivationOp(ActivationKind.Relu);
    public static GraphOp Describe(Tanh m) => new ActivationOp(ActivationKind.Tanh);
    public static GraphOp Describe(Sigmoid m) => new ActivationOp(ActivationKind.Sigmoid);
    public static GraphOp Describe(LeakyReLU m) => new ActivationOp(ActivationKind.LeakyRelu, m.negative_slope);
    public static GraphOp Describe(Dropout m) => new DropoutOp(m.p);
    public static GraphOp Describe(Identity m) => new DropoutOp(0);

    public static GraphOp Describe(MaxPool2d m)
    {
        if (m.dilation is not null && m.dilation.Any(d => d != 1))
            throw new NotSupportedException("BayesGen's compressed models support max pooling without dilation.");
        return Pool(PoolKind.Max, m.kernel_size, m.stride, m.padding, m.ceil_mode);
    }

    public static GraphOp Describe(AvgPool2d m)
    {
        if (!m.count_include_pad || m.divisor_override is not null)
            throw new NotSupportedException("BayesGen's compressed models support average pooling with count_include_pad and no divisor override.");
        return Pool(PoolKind.Average, m.kernel_size, m.stride, m.padding, m.ceil_mode);
    }

    public static GraphOp Describe(Flatten m)
    {
        if (m.start_dim != 1 || (m.end_dim != -1))
            throw new NotSupportedException($"BayesGen follows Flatten(1, -1) only; this Flatten has start_dim {m.start_dim} and end_dim {m.end_dim}.");
        return new FlattenOp();
    }

    public static GraphOp Describe(LogSoftmax m) => SoftmaxOver(m.dim, log: true);
    public static GraphOp Describe(Softmax m) => SoftmaxOver(m.dim, log: false);

    /// <summary>A pooling operation with PyTorch's defaults: stride = kernel when not given, padding 0.</summary>
    public static PoolOp Pool(PoolKind kind, long[] kernel, long[]? stride, long[]? padding, bool ceilMode)
    {
        long kh = kernel[0], kw = kernel.Length > 1 ? kernel[1] : kernel[0];
        long sh = stride is { Length: > 0 } ? stride[0] : kh, sw = stride is { Length: > 1 } ? stride[1] : stride is { Length: 1 } ? stride[0] : kw;
        long ph = padding is { Length: > 0 } ? padding[0] : 0, pw = padding is { Length: > 1 } ? padding[1] : ph;
        return new PoolOp(kind, kh, kw, sh, sw, ph, pw, ceilMode);
    }

    private static GraphOp SoftmaxOver(long dim, bool log)
    {
        if (dim != 1 && dim != -1)
            throw new NotSupportedException($"BayesGen follows softmax over the feature dimension (1) only; this one is over {dim}.");
        return new SoftmaxOp(log);
    }
}
