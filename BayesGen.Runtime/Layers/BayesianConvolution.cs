using BayesGen.Priors;
using BayesGen.Shared;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using BayesGen.Torch;

namespace BayesGen.Layers;

/// <summary>
/// A 1-D or 2-D convolution with one group scale z per output channel (filter and its bias). Training forward
/// (local reparameterisation, z drawn per example and channel):
/// <code>
///   m = conv(x, μ, μ_b);   v = conv(x², σ², σ²_b);   h = z ⊙ (m + √v ⊙ ε)
/// </code>
/// which has the distribution of <c>m⊙z + √(v⊙z²)⊙ε</c>. Evaluation forward: <c>conv(x, E[z]·μ, E[z]·μ_b)</c>
/// with masks applied. Grouped convolutions are supported; a depthwise one (groups = input channels = output
/// channels) couples its input channel c with its output channel c, which pruning respects.
/// </summary>
public abstract class BayesianConvolution : BayesianLayer
{
    // LibTorch's oneDNN convolution can be wrong on CPU; see LibTorchFixes.
    static BayesianConvolution() => Torch.LibTorchFixes.Apply();

    /// <summary>Creates the layer around initial weight means <c>[C_out, C_in/groups, k…]</c>.</summary>
    protected BayesianConvolution(string name, Tensor weightMean, Tensor? biasMean, GroupScale scale, ConvGeometry geometry, LayerOptions? options)
        : base(name, weightMean, biasMean, scale, options ?? new LayerOptions())
    {
        if (weightMean.dim() != geometry.Dimensions + 2)
            throw new ArgumentException($"A {geometry.Dimensions}-D convolution weight has {geometry.Dimensions + 2} dimensions [C_out, C_in/groups, k…]; got {weightMean.dim()}.", nameof(weightMean));
        if (scale.Groups != weightMean.shape[0])
            throw new ArgumentException($"A convolution has one group per output channel ({weightMean.shape[0]}); the scale has {scale.Groups}.", nameof(scale));
        if (geometry.Groups < 1 || weightMean.shape[0] % geometry.Groups != 0)
            throw new ArgumentException($"{weightMean.shape[0]} output channels do not split into {geometry.Groups} groups.", nameof(geometry));
        Geometry = geometry;
        OutChannels = weightMean.shape[0];
        InChannels = weightMean.shape[1] * geometry.Groups;
    }

    /// <summary>Kernel, stride, padding, dilation and channel groups.</summary>
    public ConvGeometry Geometry { get; }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }

    /// <summary>Output channels.</summary>
    public long OutChannels { get; }

    /// <summary>Whether each output channel reads only the input channel of the same index (groups = in = out).</summary>
    public bool IsDepthwise => Geometry.Groups > 1 && Geometry.Groups == InChannels && Geometry.Groups == OutChannels;

    public override GroupLayout Layout => GroupLayout.Filters;

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
        RequireInputUnits(input, 1);
        if (!IsTraining)
        {
            using var d0 = NewDisposeScope();
            ObserveInput(input, axis: 1);
            var output = Convolve(input, DeterministicWeight(), DeterministicBias()).MoveToOuterDisposeScope();
            return Recorded(input, output);
        }

        using var d = NewDisposeScope();
        var (mean, variance) = PreActivationMoments(input);
        var eps = randn(mean.shape, dtype: mean.dtype, device: mean.device, generator: NoiseGenerator);
        var noisy = mean.AddProduct(variance.AddScalar(VarianceFloor).sqrt(), eps, 1.0);
        var shape = new long[mean.dim()];
        Array.Fill(shape, 1L);
        shape[0] = mean.shape[0];
        shape[1] = OutChannels;
        var z = Scale.Sample(mean.shape[0], NoiseGenerator).view(shape);
        return Recorded(input, (noisy * z).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The mean and variance of the pre-activations before the output channels are scaled by z:
    /// m = conv(x, μ, μ_b) and v = conv(x², σ², σ²_b). What the training forward samples from (then times z);
    /// exposed for the equivalence check against the reference formulas and for timing the convolutions alone.
    /// </summary>
    public (Tensor Mean, Tensor Variance) PreActivationMoments(Tensor input)
        => (MeanConvolution(input), Convolve(input.square(), WeightLogVariance.exp(), BiasLogVariance?.exp()));

    /// <summary>conv(x, μ, μ_b): the one convolution a plain network with these weights runs.</summary>
    public Tensor MeanConvolution(Tensor input) => Convolve(input, WeightMu, BiasMu);

    /// <summary>The convolution of this layer's geometry with the given weights.</summary>
    protected abstract Tensor Convolve(Tensor input, Tensor weight, Tensor? bias);

    /// <summary>Reads a TorchSharp convolution's geometry; padding types become sizes, other padding modes are refused.</summary>
    protected internal static ConvGeometry GeometryOf(Convolution source, int dimensions)
    {
        if (source.padding_mode != PaddingModes.Zeros)
            throw new NotSupportedException($"BayesGen supports zero padding only; this convolution uses {source.padding_mode} padding.");
        long[] kernel = Pad(source.kernel_size, dimensions), dilation = Pad(source.dilation, dimensions), stride = Pad(source.stride, dimensions);
        long[] padding;
        if (source.padding is { Length: > 0 } explicitPadding) padding = Pad(explicitPadding, dimensions);
        else if (source.padding_type == TorchSharp.Padding.Same)
        {
            // 'same' pads dilation·(k − 1) in total; BayesGen deploys symmetric padding, so the total must be even.
            padding = new long[dimensions];
            for (int i = 0; i < dimensions; i++)
            {
                long total = dilation[i] * (kernel[i] - 1);
                if (total % 2 != 0)
                    throw new NotSupportedException($"padding 'same' with a kernel of {kernel[i]} pads unevenly; BayesGen supports it for odd kernels (or give the padding as numbers).");
                padding[i] = total / 2;
            }
        }
        else padding = new long[dimensions];
        return new ConvGeometry(kernel, stride, padding, dilation, source.groups);
    }

    private static long[] Pad(long[] values, int dimensions)
        => values.Length == dimensions ? values : values.Length == 1 ? Enumerable.Repeat(values[0], dimensions).ToArray()
           : throw new NotSupportedException($"Expected {dimensions} sizes, got {values.Length}.");
}

/// <summary>A 2-D convolution with a group scale per output channel (see <see cref="BayesianConvolution"/>).</summary>
public sealed class BayesianConv2d : BayesianConvolution
{
    /// <summary>Creates the layer around initial weight means <c>[C_out, C_in/groups, kH, kW]</c>.</summary>
    public BayesianConv2d(Tensor weightMean, Tensor? biasMean, GroupScale scale, ConvGeometry geometry, LayerOptions? options = null)
        : base(nameof(BayesianConv2d), weightMean, biasMean, scale, geometry, options)
    {
        if (geometry.Dimensions != 2) throw new ArgumentException("A Conv2d has a 2-D geometry.", nameof(geometry));
    }

    /// <summary>Builds the Bayesian counterpart of an ordinary convolution (weights become the means).</summary>
    public static BayesianConv2d FromConv2d(Conv2d source, GroupScale scale, LayerOptions? options = null)
        => new(source.weight, source.bias, scale, GeometryOf(source, 2), options);

    public override LayerKind Kind => LayerKind.Conv2d;

    protected override Tensor Convolve(Tensor input, Tensor weight, Tensor? bias)
        => nn.functional.conv2d(input, weight, bias, strides: Geometry.Stride, padding: Geometry.Padding, dilation: Geometry.Dilation, groups: Geometry.Groups);
}

/// <summary>A 1-D convolution with a group scale per output channel (see <see cref="BayesianConvolution"/>).</summary>
public sealed class BayesianConv1d : BayesianConvolution
{
    /// <summary>Creates the layer around initial weight means <c>[C_out, C_in/groups, k]</c>.</summary>
    public BayesianConv1d(Tensor weightMean, Tensor? biasMean, GroupScale scale, ConvGeometry geometry, LayerOptions? options = null)
        : base(nameof(BayesianConv1d), weightMean, biasMean, scale, geometry, options)
    {
        if (geometry.Dimensions != 1) throw new ArgumentException("A Conv1d has a 1-D geometry.", nameof(geometry));
    }

    /// <summary>Builds the Bayesian counterpart of an ordinary 1-D convolution (weights become the means).</summary>
    public static BayesianConv1d FromConv1d(Conv1d source, GroupScale scale, LayerOptions? options = null)
        => new(source.weight, source.bias, scale, GeometryOf(source, 1), options);

    public override LayerKind Kind => LayerKind.Conv1d;

    protected override Tensor Convolve(Tensor input, Tensor weight, Tensor? bias)
        => nn.functional.conv1d(input, weight, bias, Geometry.Stride[0], Geometry.Padding[0], Geometry.Dilation[0], Geometry.Groups);
}

/// <summary>The shape parameters of a convolution, one entry per convolved dimension.</summary>
public sealed record ConvGeometry(long[] Kernel, long[] Stride, long[] Padding, long[] Dilation, long Groups = 1)
{
    /// <summary>1 or 2.</summary>
    public int Dimensions => Kernel.Length;

    /// <summary>Weights per (output, input) channel pair: the product of the kernel sizes.</summary>
    public long KernelSize => Kernel.Aggregate(1L, (a, b) => a * b);

    /// <summary>A square kernel with equal strides, paddings and dilations.</summary>
    public static ConvGeometry Square(long kernel, long stride = 1, long padding = 0, long dilation = 1, long groups = 1, int dimensions = 2)
        => new(Fill(kernel, dimensions), Fill(stride, dimensions), Fill(padding, dimensions), Fill(dilation, dimensions), groups);

    /// <summary>The output length along dimension <paramref name="d"/> for an input of length <paramref name="input"/>.</summary>
    public long OutputSize(int d, long input) => SlidingWindow.OutputSize(input, Kernel[d], Stride[d], Padding[d], Dilation[d]);

    public bool Equals(ConvGeometry? other) => other is not null && Groups == other.Groups && Kernel.AsSpan().SequenceEqual(other.Kernel)
        && Stride.AsSpan().SequenceEqual(other.Stride) && Padding.AsSpan().SequenceEqual(other.Padding) && Dilation.AsSpan().SequenceEqual(other.Dilation);

    public override int GetHashCode() => HashCode.Combine(Groups, Kernel.Length, Kernel.FirstOrDefault(), Stride.FirstOrDefault(), Padding.FirstOrDefault());

    private static long[] Fill(long value, int dimensions) => Enumerable.Repeat(value, dimensions).ToArray();
}
