namespace BayesGen.Compression;

/// <summary>One layer's numbers as the compression rates count them (biases are not counted).</summary>
/// <param name="Weights">|W_l|: weights of the original layer.</param>
/// <param name="KeptWeights">|W_l^kept|: kept rows × kept columns (× k×k for a convolution).</param>
/// <param name="SignificandBits">s_l from the posterior variances.</param>
/// <param name="TotalBits">b_l: bits per stored weight (fixed point with a per-layer exponent).</param>
public readonly record struct LayerBits(long Weights, long KeptWeights, int SignificandBits, int TotalBits);

/// <summary>The compression rates of the paper, with both bit accountings.</summary>
public static class CompressionRates
{
    /// <summary>CR_pruning = 32·Σ|W_l| / (32·Σ|W_l^kept|).</summary>
    public static double Pruning(IReadOnlyList<LayerBits> layers)
    {
        long all = 0, kept = 0;
        foreach (var l in layers) { all += l.Weights; kept += l.KeptWeights; }
        return kept == 0 ? double.PositiveInfinity : (double)all / kept;
    }

    /// <summary>
    /// CR_precision = 32·Σ|W_l| / Σ|W_l^kept|·b_l with b_l the total bits per weight (the paper's accounting:
    /// fixed point with a shared exponent per layer).
    /// </summary>
    public static double Precision(IReadOnlyList<LayerBits> layers)
    {
        double all = 0, stored = 0;
        foreach (var l in layers) { all += 32.0 * l.Weights; stored += (double)l.KeptWeights * l.TotalBits; }
        return stored == 0 ? double.PositiveInfinity : all / stored;
    }

    /// <summary>
    /// The tutorial's accounting: every kept weight costs 1 sign bit + e exponent bits + s_l significand bits,
    /// CR = 32·Σ|W_l| / Σ|W_l^kept|·(1 + e + s_l).
    /// </summary>
    public static double PrecisionTutorial(IReadOnlyList<LayerBits> layers, int exponentBits)
    {
        double all = 0, stored = 0;
        foreach (var l in layers) { all += 32.0 * l.Weights; stored += (double)l.KeptWeights * (1 + exponentBits + l.SignificandBits); }
        return stored == 0 ? double.PositiveInfinity : all / stored;
    }
}
