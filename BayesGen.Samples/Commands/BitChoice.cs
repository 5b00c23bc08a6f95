using BayesGen.Compression;
using BayesGen.Samples.Reporting;
using BayesGen.Training;

namespace BayesGen.Samples.Commands;

/// <summary>
/// <c>--bits auto</c> (the default): the posterior variances set each layer's bits, and on some data a layer given one
/// or two bits loses more than its variance promised (LeNet-5's fc1 on Fashion-MNIST: 1.85 points). So the rounded
/// network is measured on training images the test set never sees, and a layer gets one more bit at a time where that
/// lowers the error, until rounding costs at most <see cref="HeldOutThresholds.MarginPoints"/> (<see cref="BitSearch"/>).
/// </summary>
public static class BitChoice
{
    /// <summary>
    /// Extra significand bits for the layers whose rounding costs accuracy: the compressed network (quantised, as deployed)
    /// on <paramref name="images"/>, against the same network unrounded plus <see cref="HeldOutThresholds.MarginPoints"/>.
    /// </summary>
    public static BitSearch.Result Choose(BayesianNetwork model, IBatchSource images, NetworkMasks masks, PruningThresholds thresholds,
        InputMeans? means, QuantizationMode mode, int extraBits)
    {
        var unrounded = NetworkCompression.Compress(model, masks, mode, thresholds, extraBits, means);
        double target = CompressionStep.ErrorPercent(model, masks, unrounded, quantized: false, images) + HeldOutThresholds.MarginPoints;
        var layers = unrounded.Layers.Select(l => new BitSearch.BitLayer(l.Name, l.KeptWeights)).ToArray();
        return BitSearch.AddWhereItHelps(layers, perLayer => CompressionStep.ErrorPercent(model, masks,
            NetworkCompression.Compress(model, masks, mode, thresholds, extraBits, means, perLayer), quantized: true, images), target);
    }

    /// <summary>One line: the bits added (or why none), on which images, and the errors behind it.</summary>
    public static string Describe(BitSearch.Result bits, long images, string source)
    {
        var on = $"{images:N0} {source} images";
        var within = $"the unrounded network's error + {HeldOutThresholds.MarginPoints:G2} points = {bits.TargetPct:F2} %";
        if (bits.Steps.Count == 0)
            return $"bits: the posterior variances' choice in every layer (rounded, the error on {on} is {bits.StartPct:F2} %; " +
                   (bits.StartPct <= bits.TargetPct ? $"within {within})" : $"no single extra bit lowers it; aim was {within})");
        return $"bits: rounding raised the error on {on} to {bits.StartPct:F2} % (aim: {within}); added " +
               string.Join(", ", bits.Steps.Select(s => $"{s.Layer} +1 → {s.ErrorPct:F2} %")) +
               $" ({string.Join(", ", bits.ExtraBits.Select(kv => $"{kv.Key} +{kv.Value}"))})";
    }

    /// <summary>The choice as report.json records it.</summary>
    public static BitChoiceReport ReportOf(BitSearch.Result bits, long images, string source)
        => new(source, images, bits.ExtraBits.Count > 0 ? bits.ExtraBits : null, bits.StartPct, bits.TargetPct, bits.ErrorPct);
}
