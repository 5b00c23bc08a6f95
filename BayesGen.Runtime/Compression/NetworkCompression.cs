using BayesGen.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Compression;

/// <summary>One layer after pruning and bit reduction.</summary>
/// <param name="Name">The layer's field name.</param>
/// <param name="Kind">Linear or Conv2d.</param>
/// <param name="Groups">Groups of the original layer.</param>
/// <param name="KeptGroups">Groups that survive after propagation (Linear: kept inputs; conv: kept filters).</param>
/// <param name="WeightShape">The original weight shape.</param>
/// <param name="KeptInputs">Indices of the kept input units (features or channels), ascending.</param>
/// <param name="KeptOutputs">Indices of the kept output units, ascending.</param>
/// <param name="Threshold">The threshold the layer was pruned at.</param>
/// <param name="SignificandBits">s_l from the posterior variances of the kept weights.</param>
/// <param name="Quantized">The kept block's integer codes, step and bits per weight.</param>
/// <param name="KeptWeightMeans">The kept block of E[w] before quantisation, row-major.</param>
/// <param name="KeptBias">The bias at the kept outputs (E[z]·μ_b for a convolution, plus the removed inputs' mean
/// contribution when compressed with <see cref="InputMeans"/>), or null.</param>
/// <param name="Geometry">Kernel, stride and padding for a convolution; null for Linear.</param>
public sealed record CompressedLayer(
    string Name,
    LayerKind Kind,
    long Groups,
    long KeptGroups,
    long[] WeightShape,
    long[] KeptInputs,
    long[] KeptOutputs,
    double Threshold,
    int SignificandBits,
    QuantizedLayer Quantized,
    float[] KeptWeightMeans,
    float[]? KeptBias,
    ConvGeometry? Geometry)
{
    /// <summary>|W_l|: weights of the original layer.</summary>
    public long Weights => WeightShape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Weights per (output, input) unit pair: 1 for Linear, kH·kW for a convolution.</summary>
    public long KernelSize => WeightShape.Skip(2).Aggregate(1L, (a, b) => a * b);

    /// <summary>|W_l^kept| = kept outputs × kept inputs (× kH·kW).</summary>
    public long KeptWeights => KeptOutputs.LongLength * KeptInputs.LongLength * KernelSize;

    /// <summary>The shape of the kept block: [kept out, kept in, (kH, kW)].</summary>
    public long[] KeptShape => new[] { KeptOutputs.LongLength, KeptInputs.LongLength }.Concat(WeightShape.Skip(2)).ToArray();

    /// <summary>The numbers the compression rates use.</summary>
    public LayerBits Bits => new(Weights, KeptWeights, SignificandBits, Quantized.TotalBits);
}

/// <summary>A whole network after pruning and bit reduction, with its compression rates.</summary>
/// <param name="Layers">The Bayesian layers in data-flow order.</param>
/// <param name="ExponentBits">The network's exponent bits e (tutorial accounting).</param>
/// <param name="Mode">How weights were rounded.</param>
/// <param name="Compensated">Whether removed inputs' mean contributions were folded into the biases (see <see cref="InputMeans"/>).</param>
public sealed record CompressionResult(IReadOnlyList<CompressedLayer> Layers, int ExponentBits, QuantizationMode Mode, bool Compensated = false)
{
    /// <summary>CR_pruning = Σ|W_l| / Σ|W_l^kept|.</summary>
    public double PruningRate => CompressionRates.Pruning(Layers.Select(l => l.Bits).ToArray());

    /// <summary>CR_precision with b_l the total bits per stored weight (the paper's accounting).</summary>
    public double PrecisionRate => CompressionRates.Precision(Layers.Select(l => l.Bits).ToArray());

    /// <summary>CR_precision charging 1 + e + s_l bits per weight (the tutorial's accounting).</summary>
    public double PrecisionRateTutorial => CompressionRates.PrecisionTutorial(Layers.Select(l => l.Bits).ToArray(), ExponentBits);

    /// <summary>Kept weights as a percentage of all weights.</summary>
    public double KeptWeightPercent => 100.0 * Layers.Sum(l => l.KeptWeights) / Math.Max(1, Layers.Sum(l => l.Weights));

    /// <summary>The layer with the given name.</summary>
    public CompressedLayer this[string name] => Layers.First(l => l.Name == name);
}

/// <summary>Prunes a trained Bayesian network with its masks and reduces the precision of what is left.</summary>
public static class NetworkCompression
{
    /// <summary>
    /// Computes, for every layer, the kept block of posterior means and variances, its significand bits
    /// (from the variances), the network's exponent bits, and the quantised weights.
    /// </summary>
    /// <param name="network">The trained network.</param>
    /// <param name="masks">Its masks (see <see cref="BayesianNetwork.ComputeMasks"/>).</param>
    /// <param name="mode">How weights are rounded.</param>
    /// <param name="thresholds">The threshold overrides the masks were made with (recorded in the result).</param>
    /// <param name="extraSignificandBits">Bits added to every layer's s_l (0: the posterior's choice exactly).</param>
    /// <param name="inputMeans">
    /// When given, every removed input's mean contribution is added to the layer's bias (a layer without one
    /// gains one), so that pruning replaces an input by its average instead of by zero; null follows the paper
    /// and drops removed inputs.
    /// </param>
    public static CompressionResult Compress(BayesianNetwork network, NetworkMasks masks, QuantizationMode mode = QuantizationMode.LayerScaled,
        PruningThresholds? thresholds = null, int extraSignificandBits = 0, InputMeans? inputMeans = null)
    {
        if (extraSignificandBits < 0 || extraSignificandBits > 16)
            throw new ArgumentOutOfRangeException(nameof(extraSignificandBits), extraSignificandBits, "Extra bits must lie between 0 and 16.");
        var staged = new List<(string Name, BayesianLayer Layer, long[] In, long[] Out, float[] Means, float[] Variances, float[]? Bias, double Threshold)>();
        using (no_grad())
        {
            foreach (var (name, layer) in network.BayesianLayers)
            {
                var m = masks[name];
                var keptIn = m.KeptInputIndices();
                var keptOut = m.KeptOutputIndices();
                using var scope = NewDisposeScope();
                var inIndex = tensor(keptIn, dtype: ScalarType.Int64);
                var outIndex = tensor(keptOut, dtype: ScalarType.Int64);
                var mean = layer.WeightMean().index_select(0, outIndex).index_select(1, inIndex).contiguous();
                var variance = layer.WeightVariance().index_select(0, outIndex).index_select(1, inIndex).contiguous();
                var bias = layer.BiasMean()?.index_select(0, outIndex).contiguous();
                if (inputMeans is not null && keptIn.LongLength < layer.InputUnits)
                    bias = Compensate(layer, name, keptIn, outIndex, bias, inputMeans);
                staged.Add((name, layer, keptIn, keptOut,
                    mean.data<float>().ToArray(), variance.data<float>().ToArray(), bias?.data<float>().ToArray(),
                    network.ResolveThreshold(name, thresholds)));
            }
        }

        double maxAbs = 0;
        foreach (var s in staged)
            foreach (var w in s.Means) maxAbs = Math.Max(maxAbs, Math.Abs((double)w));
        int exponentBits = BitPrecision.ExponentBits(maxAbs);

        var layers = new List<CompressedLayer>();
        foreach (var s in staged)
        {
            int bits = Math.Min(BitPrecision.MaxSignificandBits, BitPrecision.LayerSignificandBits(s.Variances) + extraSignificandBits);
            var quantized = Quantization.Quantize(s.Means, bits, mode);
            long keptGroups = s.Layer.Layout == Priors.GroupLayout.Columns ? s.In.LongLength : s.Out.LongLength;
            layers.Add(new CompressedLayer(
                s.Name, s.Layer.Kind, s.Layer.Groups, keptGroups, s.Layer.WeightMu.shape, s.In, s.Out, s.Threshold, bits, quantized,
                s.Means, s.Bias, (s.Layer as BayesianConv2d)?.Geometry));
        }
        return new CompressionResult(layers, exponentBits, mode, inputMeans is not null);
    }

    /// <summary>
    /// The kept outputs' bias plus Σ over removed inputs i (and kernel positions) of E[w]_oi·mean_i: what
    /// the removed inputs contributed on average.
    /// </summary>
    private static Tensor Compensate(BayesianLayer layer, string name, long[] keptIn, Tensor outIndex, Tensor? bias, InputMeans inputMeans)
    {
        var means = inputMeans[name];
        if (means.Count != layer.InputUnits)
            throw new ArgumentException($"Layer '{name}' has {layer.InputUnits} input units but {means.Count} input means were given.", nameof(inputMeans));
        var removedMeans = means.ToArray();
        foreach (var i in keptIn) removedMeans[i] = 0;
        var weights = layer.WeightMean().index_select(0, outIndex);
        // Over kernel positions a constant input channel contributes mean · Σ_kernel w.
        if (weights.dim() > 2) weights = weights.flatten(2).sum(2);
        var contribution = weights.to(ScalarType.Float64).matmul(tensor(removedMeans, dtype: ScalarType.Float64)).to(ScalarType.Float32);
        return (bias is null ? contribution : bias + contribution).contiguous();
    }

    /// <summary>
    /// Makes the network's deterministic forward run the compressed weights: masks applied, kept weights
    /// replaced by their quantised values (or the unquantised means when <paramref name="quantized"/> is false).
    /// Undo with <see cref="BayesianNetwork.ClearMasks"/>.
    /// </summary>
    public static void ApplyTo(BayesianNetwork network, NetworkMasks masks, CompressionResult result, bool quantized = true)
    {
        network.ApplyMasks(masks);
        foreach (var layer in result.Layers)
        {
            var target = network.Layer(layer.Name);
            using var scope = NewDisposeScope();
            var block = tensor(quantized ? layer.Quantized.Dequantize() : layer.KeptWeightMeans, layer.KeptShape);
            var dense = zeros(layer.WeightShape);
            var rows = tensor(layer.KeptOutputs, dtype: ScalarType.Int64);
            var cols = tensor(layer.KeptInputs, dtype: ScalarType.Int64);
            // Scatter the kept block back into the full shape: first rows (outputs), then columns (inputs).
            var withColumns = zeros(new[] { layer.KeptOutputs.LongLength }.Concat(layer.WeightShape.Skip(1)).ToArray());
            withColumns.index_copy_(1, cols, block);
            dense.index_copy_(0, rows, withColumns);
            Tensor? bias = null;
            if (layer.KeptBias is not null)
            {
                bias = zeros(layer.WeightShape[0]);
                bias.index_copy_(0, rows, tensor(layer.KeptBias));
            }
            target.SetFixedWeights(dense, bias);
        }
    }
}
