using BayesGen.Torch;
using BayesGen.Layers;
using BayesGen.Priors;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Compression;

/// <summary>One layer after pruning and bit reduction: only its kept block, at reduced precision.</summary>
/// <param name="Name">The layer's path.</param>
/// <param name="Kind">Linear or a convolution.</param>
/// <param name="WeightShape">The original weight shape ([out, in] or [C_out, C_in/groups, k…]).</param>
/// <param name="KeptInputs">Indices of the kept input units (features or channels), ascending.</param>
/// <param name="KeptOutputs">Indices of the kept output units, ascending.</param>
/// <param name="Geometry">Kernel, stride, padding, dilation and groups of a convolution; null for Linear.</param>
/// <param name="SignificandBits">s_l from the posterior variances of the kept weights.</param>
/// <param name="Quantized">The kept block's integer codes, step and bits per weight; null for a model that holds
/// unrounded weights (for checking the deployment against the Bayesian model).</param>
/// <param name="Weights">The kept block as the network uses it, row-major: the posterior means E[w] when compressing,
/// the dequantised codes in a deployed model.</param>
/// <param name="Bias">The bias at the kept outputs (E[z]·μ_b for a convolution, plus the removed inputs' mean
/// contribution when compressed with <see cref="InputMeans"/>), or null.</param>
/// <param name="Threshold">The threshold the layer was pruned at (NaN when read from an artifact).</param>
public sealed record CompressedLayer(
    string Name,
    LayerKind Kind,
    long[] WeightShape,
    long[] KeptInputs,
    long[] KeptOutputs,
    ConvGeometry? Geometry,
    int SignificandBits,
    QuantizedLayer? Quantized,
    float[] Weights,
    float[]? Bias,
    double Threshold = double.NaN)
{
    /// <summary>Channel groups of a convolution (1 for Linear).</summary>
    public long ChannelGroups => Geometry?.Groups ?? 1;

    /// <summary>Whether the convolution is grouped: its kept block keeps whole filters (rows) only.</summary>
    public bool IsGrouped => ChannelGroups > 1;

    /// <summary>The pruning groups of the original layer: input features of a Linear layer, filters of a convolution.</summary>
    public long Groups => Kind == LayerKind.Linear ? WeightShape[1] : WeightShape[0];

    /// <summary>Groups that survive after propagation.</summary>
    public long KeptGroups => Kind == LayerKind.Linear ? KeptInputs.LongLength : KeptOutputs.LongLength;

    /// <summary>The original layer's input units (features or channels).</summary>
    public long InputUnits => Kind == LayerKind.Linear ? WeightShape[1] : WeightShape[1] * ChannelGroups;

    /// <summary>The original layer's output units.</summary>
    public long OutputUnits => WeightShape[0];

    /// <summary>|W_l|: weights of the original layer.</summary>
    public long TotalWeights => WeightShape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The shape of the kept block: [kept out, kept in (or in/groups), k…].</summary>
    public long[] KeptShape => new[] { KeptOutputs.LongLength, IsGrouped ? WeightShape[1] : KeptInputs.LongLength }.Concat(WeightShape.Skip(2)).ToArray();

    /// <summary>|W_l^kept|, the weights of the kept block.</summary>
    public long KeptWeights => KeptShape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The channel groups of the deployed convolution: a depthwise one stays depthwise over its kept channels.</summary>
    public long DeployedGroups => IsGrouped && ChannelGroups == InputUnits && ChannelGroups == OutputUnits ? KeptOutputs.LongLength : ChannelGroups;

    /// <summary>Bits per stored weight code.</summary>
    public int TotalBits => Quantized?.TotalBits ?? 32;

    /// <summary>Bytes the kept weights' codes take in an artifact (bit-packed at <see cref="TotalBits"/>).</summary>
    public long PackedWeightBytes => BitPacking.PackedLength(KeptWeights, TotalBits);

    /// <summary>The numbers the compression rates use.</summary>
    public LayerBits Bits => new(TotalWeights, KeptWeights, SignificandBits, TotalBits);
}

/// <summary>A whole network after pruning and bit reduction, with its compression rates.</summary>
/// <param name="Layers">The Bayesian layers in data-flow order.</param>
/// <param name="ExponentBits">The network's exponent bits e (tutorial accounting).</param>
/// <param name="Mode">How weights were rounded.</param>
/// <param name="Compensated">Whether removed inputs' mean contributions were folded into the biases (see <see cref="InputMeans"/>).</param>
public sealed record CompressionResult(IReadOnlyList<CompressedLayer> Layers, int ExponentBits, QuantizationMode Mode, bool Compensated = false)
{
    /// <summary>The channel analysis of the masks the layers were pruned with (what the deployment plan follows).</summary>
    public ChannelSpaces? Spaces { get; init; }

    /// <summary>With <see cref="Compensated"/>, the layers whose removed inputs were dropped all the same (chosen per layer).</summary>
    public IReadOnlyList<string> UncompensatedLayers { get; init; } = [];

    /// <summary>"none", "mean", or "mean except" the layers that dropped theirs: what the report records.</summary>
    public string CompensationSummary => !Compensated ? "none"
        : UncompensatedLayers.Count == 0 ? "mean" : $"mean except {string.Join(", ", UncompensatedLayers)}";

    /// <summary>CR_pruning = Σ|W_l| / Σ|W_l^kept|.</summary>
    public double PruningRate => CompressionRates.Pruning(Layers.Select(l => l.Bits).ToArray());

    /// <summary>CR_precision with b_l the total bits per stored weight (the paper's accounting).</summary>
    public double PrecisionRate => CompressionRates.Precision(Layers.Select(l => l.Bits).ToArray());

    /// <summary>CR_precision charging 1 + e + s_l bits per weight (the tutorial's accounting).</summary>
    public double PrecisionRateTutorial => CompressionRates.PrecisionTutorial(Layers.Select(l => l.Bits).ToArray(), ExponentBits);

    /// <summary>Kept weights as a percentage of all weights.</summary>
    public double KeptWeightPercent => 100.0 * Layers.Sum(l => l.KeptWeights) / Math.Max(1, Layers.Sum(l => l.TotalWeights));

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
    /// <param name="masks">Its masks (see <c>NetworkPruning.ComputeMasks</c>).</param>
    /// <param name="mode">How weights are rounded.</param>
    /// <param name="thresholds">The threshold overrides the masks were made with (recorded in the result).</param>
    /// <param name="extraSignificandBits">Bits added to every layer's s_l (0: the posterior's choice exactly).</param>
    /// <param name="layerExtraBits">Bits added to named layers' s_l on top of that (chosen on held-out data, <see cref="BitSearch"/>).</param>
    /// <param name="inputMeans">
    /// When given, every removed input's mean contribution is added to the layer's bias (a layer without one
    /// gains one), so that pruning replaces an input by its average instead of by zero; null follows the paper
    /// and drops removed inputs.
    /// </param>
    public static CompressionResult Compress(BayesianNetwork network, NetworkMasks masks, QuantizationMode mode = QuantizationMode.LayerScaled,
        PruningThresholds? thresholds = null, int extraSignificandBits = 0, InputMeans? inputMeans = null, IReadOnlyDictionary<string, int>? layerExtraBits = null)
    {
        if (extraSignificandBits < 0 || extraSignificandBits > 16)
            throw new ArgumentOutOfRangeException(nameof(extraSignificandBits), extraSignificandBits, "Extra bits must lie between 0 and 16.");
        RequireEveryLayerKeepsUnits(masks);
        var staged = new List<(string Name, BayesianLayer Layer, long[] In, long[] Out, float[] Means, float[] Variances, float[]? Bias, double Threshold)>();
        using (no_grad())
        {
            foreach (var (name, m) in masks.Layers)
            {
                var layer = network.Layer(name);
                var keptIn = m.KeptInputIndices();
                var keptOut = m.KeptOutputIndices();
                bool grouped = (layer as BayesianConvolution)?.Geometry.Groups > 1;
                using var scope = NewDisposeScope();
                // Compression reads the posterior on the CPU, wherever the network trained.
                var (mean, variance) = (KeptBlock(layer.WeightMean().cpu(), keptIn, keptOut, grouped), KeptBlock(layer.WeightVariance().cpu(), keptIn, keptOut, grouped));
                var bias = layer.BiasMean()?.cpu().index_select(0, tensor(keptOut, dtype: ScalarType.Int64)).contiguous();
                // A grouped convolution keeps whole filters: its removed inputs are its removed outputs (depthwise) or none.
                if (inputMeans is not null && inputMeans.Compensates(name) && !grouped && keptIn.LongLength < layer.InputUnits)
                    bias = Compensate(layer, name, keptIn, tensor(keptOut, dtype: ScalarType.Int64), bias, inputMeans);
                staged.Add((name, layer, keptIn, keptOut,
                    Floats(mean), Floats(variance), bias is null ? null : Floats(bias),
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
            int bits = Math.Min(BitPrecision.MaxSignificandBits,
                BitPrecision.LayerSignificandBits(s.Variances) + extraSignificandBits + (layerExtraBits?.GetValueOrDefault(s.Name) ?? 0));
            var quantized = QuantizeLayer(s.Name, s.Means, bits, mode);
            layers.Add(new CompressedLayer(s.Name, s.Layer.Kind, s.Layer.WeightMu.shape, s.In, s.Out, (s.Layer as BayesianConvolution)?.Geometry,
                bits, quantized, s.Means, s.Bias, s.Threshold));
        }
        return new CompressionResult(layers, exponentBits, mode, inputMeans is not null)
        {
            Spaces = masks.Spaces,
            UncompensatedLayers = inputMeans is null ? [] : masks.Layers.Select(l => l.Name).Where(n => !inputMeans.Compensates(n)).ToArray(),
        };
    }

    /// <summary>
    /// Quantises one layer. Weights too large for a 32-bit code at the precision the layer's variances ask for
    /// never come out of training (they would be millions of times the largest trained weight): the model was
    /// damaged or training diverged, which the message says, naming the layer.
    /// </summary>
    private static QuantizedLayer QuantizeLayer(string name, float[] means, int bits, QuantizationMode mode)
    {
        try
        {
            return Quantization.Quantize(means, bits, mode);
        }
        catch (OverflowException e)
        {
            throw new InvalidDataException($"Layer '{name}' cannot be compressed: {e.Message} Trained layers never hold such weights, so the " +
                                           "model was damaged or its training diverged; train again (or resume from an earlier checkpoint).", e);
        }
    }

    /// <summary>
    /// Refuses masks that remove a whole layer: the network would no longer depend on its input. The message names
    /// the layer and what to change, since it is the thresholds, not the network, that are wrong.
    /// </summary>
    /// <exception cref="InvalidOperationException">A layer keeps no output unit, or no input reaches it.</exception>
    private static void RequireEveryLayerKeepsUnits(NetworkMasks masks)
    {
        foreach (var (name, m) in masks.Layers)
        {
            if (m.KeptOutputs == 0)
                throw new InvalidOperationException(
                    $"The pruning thresholds leave layer '{name}' no output unit (0 of {m.Output.shape[0]}), so the network would ignore its input. " +
                    $"A unit goes when its group is pruned, in '{name}' or in a layer that reads it: give '{name}' and the layers after it thresholds " +
                    "that keep some units (--threshold LAYER=VALUE; compress --histogram shows where each statistic lies), or train longer.");
            if (m.KeptInputs == 0)
                throw new InvalidOperationException(
                    $"No input of layer '{name}' survives pruning (its own input groups, for a Linear layer, or the units of the layers before it " +
                    $"were all removed), so the network would ignore its input. Give '{name}' and the layers before it thresholds that keep some " +
                    "units (--threshold LAYER=VALUE; compress --histogram shows where each statistic lies).");
        }
    }

    /// <summary>A tensor's values as float32 on the CPU, whatever its device and floating type.</summary>
    private static float[] Floats(Tensor t)
    {
        using var cpu = t.detach().cpu().to(ScalarType.Float32);
        return cpu.data<float>().ToArray();
    }

    /// <summary>The rows of the kept outputs and, unless the convolution is grouped, the columns of the kept inputs.</summary>
    private static Tensor KeptBlock(Tensor weights, long[] keptIn, long[] keptOut, bool grouped)
    {
        var rows = weights.index_select(0, tensor(keptOut, dtype: ScalarType.Int64));
        return (grouped ? rows : rows.index_select(1, tensor(keptIn, dtype: ScalarType.Int64))).contiguous();
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
        var weights = layer.WeightMean().cpu().index_select(0, outIndex);
        // Over kernel positions a constant input channel contributes mean · Σ_kernel w.
        if (weights.dim() > 2) weights = weights.flatten(2).sum(2);
        var contribution = weights.to(ScalarType.Float64).matmul(tensor(removedMeans, dtype: ScalarType.Float64, device: weights.device)).to(ScalarType.Float32);
        return (bias is null ? contribution : bias.Plus(contribution)).contiguous();
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
            var block = tensor(quantized && layer.Quantized is { } q ? q.Dequantize() : layer.Weights, layer.KeptShape);
            var rows = tensor(layer.KeptOutputs, dtype: ScalarType.Int64);
            // Scatter the kept block back into the full shape: columns (inputs) first, unless grouped, then rows.
            var withColumns = block;
            if (!layer.IsGrouped)
            {
                withColumns = zeros(new[] { layer.KeptOutputs.LongLength }.Concat(layer.WeightShape.Skip(1)).ToArray());
                withColumns.index_copy_(1, tensor(layer.KeptInputs, dtype: ScalarType.Int64), block);
            }
            var dense = zeros(layer.WeightShape);
            dense.index_copy_(0, rows, withColumns);
            Tensor? bias = null;
            if (layer.Bias is not null)
            {
                bias = zeros(layer.WeightShape[0]);
                bias.index_copy_(0, rows, tensor(layer.Bias));
            }
            var device = target.WeightMu.device;
            target.SetFixedWeights(dense.to(device), bias?.to(device));
        }
    }
}
