namespace BayesGen.Compression;

/// <summary>
/// Bit precision from posterior variances (the reference tutorial's <c>compression.py</c>): a weight whose
/// posterior is wide needs few significand bits, because rounding it changes less than the posterior's own
/// uncertainty.
/// </summary>
public static class BitPrecision
{
    /// <summary>The significand bits of an IEEE single, the most a weight can be given.</summary>
    public const int MaxSignificandBits = 23;

    /// <summary>
    /// s = #{ t ∈ 1..23 : 2·Var[w] &lt; u(t) } with unit round-off u(t) = 2^−t: the number of significand bits
    /// whose round-off still lies below twice the posterior variance of the weight.
    /// </summary>
    public static int SignificandBits(double variance)
    {
        if (double.IsNaN(variance) || variance < 0)
            throw new ArgumentOutOfRangeException(nameof(variance), variance, "A posterior variance is a non-negative number.");
        int bits = 0;
        for (int t = 1; t <= MaxSignificandBits; t++)
            if (2.0 * variance < Math.Pow(2.0, -t)) bits++;
        return bits;
    }

    /// <summary>
    /// The layer's significand bits s_l = ceil(mean over its kept weights of s_ij); 0 for a layer that
    /// keeps no weight.
    /// </summary>
    public static int LayerSignificandBits(ReadOnlySpan<float> keptVariances)
    {
        if (keptVariances.Length == 0) return 0;
        double total = 0;
        foreach (var v in keptVariances) total += SignificandBits(v);
        // The mean of integers is exact enough in double; guard against 4.999999 → 5 style noise.
        return (int)Math.Ceiling(total / keptVariances.Length - 1e-12);
    }

    /// <summary>
    /// Exponent bits shared by the network: e = ceil(log2(log2(m) + 1) + 1) for m = max|E[w]| over all kept
    /// weights. The formula is undefined for m ≤ ½ (log of a non-positive number) and gives 0 bits or fewer for
    /// ½ &lt; m ≤ √2/2; a sign-magnitude number still needs its exponent bit, so the result is never below 1.
    /// </summary>
    public static int ExponentBits(double maxAbsWeight)
    {
        if (double.IsNaN(maxAbsWeight) || maxAbsWeight < 0)
            throw new ArgumentOutOfRangeException(nameof(maxAbsWeight), maxAbsWeight, "The largest weight magnitude is a non-negative number.");
        if (maxAbsWeight <= 1.0) return 1;
        double inner = Math.Log(maxAbsWeight, 2.0) + 1.0;
        return Math.Max(1, (int)Math.Ceiling(Math.Log(inner, 2.0) + 1.0));
    }
}
