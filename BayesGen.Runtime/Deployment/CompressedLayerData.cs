using BayesGen.Layers;

namespace BayesGen.Deployment;

/// <summary>One Bayesian layer as the compressed network holds it: only the kept block, at reduced precision.</summary>
/// <param name="Name">The layer's field name.</param>
/// <param name="Kind">Linear or Conv2d.</param>
/// <param name="WeightShape">The original weight shape ([out, in] or [C_out, C_in, kH, kW]).</param>
/// <param name="KeptInputs">Kept input units (features or channels) of the original layer, ascending.</param>
/// <param name="KeptOutputs">Kept output units of the original layer, ascending.</param>
/// <param name="Geometry">Kernel, stride, padding for a convolution; null for Linear.</param>
/// <param name="SignificandBits">s_l.</param>
/// <param name="TotalBits">Bits per stored weight code.</param>
/// <param name="StepExponent">Weights are code · 2^StepExponent.</param>
/// <param name="Codes">The integer codes of the kept block (row-major), or null for an unquantised model.</param>
/// <param name="Weights">The kept block's weights as the network uses them (dequantised codes, or the posterior means).</param>
/// <param name="Bias">The kept outputs' biases, or null.</param>
public sealed record CompressedLayerData(
    string Name,
    LayerKind Kind,
    long[] WeightShape,
    long[] KeptInputs,
    long[] KeptOutputs,
    ConvGeometry? Geometry,
    int SignificandBits,
    int TotalBits,
    int StepExponent,
    int[]? Codes,
    float[] Weights,
    float[]? Bias)
{
    /// <summary>The shape of the kept block.</summary>
    public long[] KeptShape => new[] { KeptOutputs.LongLength, KeptInputs.LongLength }.Concat(WeightShape.Skip(2)).ToArray();

    /// <summary>The number of kept weights.</summary>
    public long KeptWeights => KeptShape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The original layer's input units (features or channels).</summary>
    public long InputUnits => Kind == LayerKind.Conv2d ? WeightShape[1] * (Geometry?.Groups ?? 1) : WeightShape[1];

    /// <summary>The original layer's output units.</summary>
    public long OutputUnits => WeightShape[0];
}

/// <summary>A BatchNorm layer of the compressed network: only the channels of the kept units.</summary>
/// <param name="Name">The field name.</param>
/// <param name="Dimensions">1 (BatchNorm1d) or 2 (BatchNorm2d).</param>
/// <param name="Channels">Channels of the original layer.</param>
/// <param name="KeptChannels">Kept channels, ascending.</param>
/// <param name="Epsilon">The ε added to the variance.</param>
/// <param name="Weight">γ at the kept channels.</param>
/// <param name="Bias">β at the kept channels.</param>
/// <param name="RunningMean">Running means at the kept channels.</param>
/// <param name="RunningVariance">Running variances at the kept channels.</param>
public sealed record CompressedNormData(
    string Name,
    int Dimensions,
    long Channels,
    long[] KeptChannels,
    double Epsilon,
    float[] Weight,
    float[] Bias,
    float[] RunningMean,
    float[] RunningVariance);
