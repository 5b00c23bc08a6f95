using BayesGen.Priors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BayesGen.Layers;

/// <summary>
/// A 2-D convolution with one group scale z per output channel (filter and its bias). Training forward
/// (local reparameterisation, z drawn per example and channel):
/// <code>
///   m = conv(x, μ, μ_b);   v = conv(x², σ², σ²_b);   h = z ⊙ (m + √v ⊙ ε)
/// </code>
/// which has the distribution of <c>m⊙z + √(v⊙z²)⊙ε</c>. Evaluation forward:
/// <c>conv(x, E[z]·μ, E[z]·μ_b)</c> with masks applied.
/// </summary>
public sealed class BayesianConv2d : BayesianLayer
{
    // LibTorch's oneDNN convolution backward can return wrong input gradients on CPU; see LibTorchFixes.
    static BayesianConv2d() => Torch.LibTorchFixes.Apply();

    /// <summary>Creates the layer around initial weight means <c>[C_out, C_in/groups, kH, kW]</c>.</summary>
    public BayesianConv2d(Tensor weightMean, Tensor? biasMean, GroupScale scale, ConvGeometry geometry, LayerOptions? options = null)
        : base(nameof(BayesianConv2d), weightMean, biasMean, scale, options ?? new LayerOptions())
    {
        if (weightMean.dim() != 4)
            throw new ArgumentException($"A Conv2d weight has 4 dimensions [C_out, C_in, kH, kW]; got {weightMean.dim()}.", nameof(weightMean));
        if (scale.Groups != weightMean.shape[0])
            throw new ArgumentException($"A convolution has one group per output channel ({weightMean.shape[0]}); the scale has {scale.Groups}.", nameof(scale));
        Geometry = geometry;
        OutChannels = weightMean.shape[0];
        InChannels = weightMean.shape[1] * geometry.Groups;
    }

    /// <summary>Builds the Bayesian counterpart of an ordinary convolution (weights become the means).</summary>
    public static BayesianConv2d FromConv2d(Conv2d source, GroupScale scale, LayerOptions? options = null)
    {
        if (source.padding_mode != PaddingModes.Zeros)
            throw new NotSupportedException($"BayesGen supports zero padding only; this Conv2d uses {source.padding_mode}.");
        if (source.padding is null)
            throw new NotSupportedException("BayesGen needs explicit padding sizes; this Conv2d uses a padding type (valid/same). Pass the padding as numbers.");
        var geometry = new ConvGeometry(
            source.kernel_size[0], source.kernel_size[1],
            source.stride[0], source.stride[1],
            source.padding[0], source.padding[1],
            source.dilation[0], source.dilation[1],
            source.groups);
        return new BayesianConv2d(source.weight, source.bias, scale, geometry, options);
    }

    /// <summary>Kernel, stride, padding, dilation and channel groups.</summary>
    public ConvGeometry Geometry { get; }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }

    /// <summary>Output channels.</summary>
    public long OutChannels { get; }

    public override GroupLayout Layout => GroupLayout.Filters;

    public override LayerKind Kind => LayerKind.Conv2d;

    public override long InputUnits => InChannels;

    public override long OutputUnits => OutChannels;

    public override Tensor? BiasMean()
    {
        if (BiasMu is null) return null;
        using var d = NewDisposeScope();
        using var meanZ = Scale.Mean();
        return (BiasMu * meanZ).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor input)
    {
        if (!IsTraining)
        {
            using var d0 = NewDisposeScope();
            ObserveInput(input);
            return Convolve(input, DeterministicWeight(), DeterministicBias()).MoveToOuterDisposeScope();
        }

        using var d = NewDisposeScope();
        var mean = Convolve(input, WeightMu, BiasMu);
        var variance = Convolve(input.square(), WeightLogVariance.exp(), BiasLogVariance?.exp());
        var eps = randn(mean.shape, generator: NoiseGenerator);
        var noisy = mean.addcmul((variance + VarianceFloor).sqrt(), eps, 1);
        var z = Scale.Sample(mean.shape[0], NoiseGenerator).view(mean.shape[0], OutChannels, 1, 1);
        return (noisy * z).MoveToOuterDisposeScope();
    }

    private Tensor Convolve(Tensor input, Tensor weight, Tensor? bias)
        => nn.functional.conv2d(input, weight, bias,
            strides: new[] { Geometry.StrideH, Geometry.StrideW },
            padding: new[] { Geometry.PaddingH, Geometry.PaddingW },
            dilation: new[] { Geometry.DilationH, Geometry.DilationW },
            groups: Geometry.Groups);
}

/// <summary>The shape parameters of a 2-D convolution.</summary>
public sealed record ConvGeometry(
    long KernelH, long KernelW,
    long StrideH = 1, long StrideW = 1,
    long PaddingH = 0, long PaddingW = 0,
    long DilationH = 1, long DilationW = 1,
    long Groups = 1)
{
    /// <summary>A square kernel with equal strides, paddings and dilations.</summary>
    public static ConvGeometry Square(long kernel, long stride = 1, long padding = 0, long dilation = 1, long groups = 1)
        => new(kernel, kernel, stride, stride, padding, padding, dilation, dilation, groups);

    /// <summary>The output size along one axis for an input of size <paramref name="input"/>.</summary>
    public static long OutputSize(long input, long kernel, long stride, long padding, long dilation)
        => (input + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
}
