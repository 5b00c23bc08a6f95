namespace BayesGen.Compression;

/// <summary>How a layer's kept weights are rounded to its significand bits.</summary>
public enum QuantizationMode
{
    /// <summary>
    /// Fixed point with a per-layer power-of-two scale: step 2^(min(E_l, 0) − s_l) where 2^E_l is the smallest
    /// power of two ≥ max|E[w]| of the layer (a shared exponent per layer, as the paper stores weights). Layers
    /// of small weights keep their relative precision; a layer of weights above 1 gets the absolute step 2^−s_l,
    /// never a coarser one, because s_l comes from absolute posterior variances (2·Var[w] &lt; 2^−s_l). The default.
    /// </summary>
    LayerScaled = 0,

    /// <summary>
    /// The tutorial's recipe: step 2^−s_l in absolute terms, w_q = floor(E[w]/2^−s_l + ½)·2^−s_l. A layer of
    /// small weights and few bits can round to zero.
    /// </summary>
    Absolute = 1,
}

/// <summary>One layer's weights as integers times a power-of-two step.</summary>
/// <param name="Codes">The integer code of every kept weight, in the kept block's row-major order.</param>
/// <param name="StepExponent">The step is 2^StepExponent.</param>
/// <param name="TotalBits">Bits per weight in two's complement: 1 + bit length of max|code| (0 when all codes are 0).</param>
public sealed record QuantizedLayer(int[] Codes, int StepExponent, int TotalBits)
{
    /// <summary>The step between neighbouring representable weights.</summary>
    public double Step => Math.Pow(2.0, StepExponent);

    /// <summary>The weights the codes stand for: code · step.</summary>
    public float[] Dequantize()
    {
        var step = Step;
        var result = new float[Codes.Length];
        for (int i = 0; i < Codes.Length; i++) result[i] = (float)(Codes[i] * step);
        return result;
    }
}

/// <summary>Rounds weights to a layer's precision.</summary>
public static class Quantization
{
    /// <summary>
    /// The step exponent for a layer: −s for <see cref="QuantizationMode.Absolute"/>; min(E, 0) − s with
    /// E = ceil(log2 max|w|) for <see cref="QuantizationMode.LayerScaled"/>.
    /// </summary>
    public static int StepExponent(ReadOnlySpan<float> weights, int significandBits, QuantizationMode mode)
    {
        if (significandBits < 0) throw new ArgumentOutOfRangeException(nameof(significandBits), significandBits, "Bits cannot be negative.");
        if (mode == QuantizationMode.Absolute) return -significandBits;
        double max = 0;
        foreach (var w in weights) max = Math.Max(max, Math.Abs((double)w));
        if (max == 0) return -significandBits;
        int exponent = (int)Math.Ceiling(Math.Log(max, 2.0));
        // Log2 of an exact power of two can come out a hair high; never let the scale fall below max.
        if (Math.Pow(2.0, exponent - 1) >= max) exponent--;
        // The variance rule bounds the absolute rounding error by about 2^-s: scaling may refine the step
        // for small weights but never coarsen it for large ones.
        return Math.Min(exponent, 0) - significandBits;
    }

    /// <summary>Rounds every weight to the nearest multiple of 2^stepExponent (halves round up): floor(w/step + ½).</summary>
    public static QuantizedLayer Quantize(ReadOnlySpan<float> weights, int significandBits, QuantizationMode mode)
    {
        int stepExponent = StepExponent(weights, significandBits, mode);
        double inverse = Math.Pow(2.0, -stepExponent);
        var codes = new int[weights.Length];
        long maxAbs = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            double scaled = Math.Floor(weights[i] * inverse + 0.5);
            if (scaled > int.MaxValue || scaled < int.MinValue)
                throw new OverflowException($"Weight {weights[i]} does not fit a 32-bit code at step 2^{stepExponent}.");
            codes[i] = (int)scaled;
            maxAbs = Math.Max(maxAbs, Math.Abs((long)codes[i]));
        }
        return new QuantizedLayer(codes, stepExponent, TotalBitsFor(maxAbs));
    }

    /// <summary>Two's-complement bits for codes of magnitude up to <paramref name="maxAbsCode"/> (0 when it is 0).</summary>
    public static int TotalBitsFor(long maxAbsCode)
    {
        if (maxAbsCode < 0) throw new ArgumentOutOfRangeException(nameof(maxAbsCode));
        if (maxAbsCode == 0) return 0;
        int length = 0;
        while (maxAbsCode > 0) { length++; maxAbsCode >>= 1; }
        return length + 1;
    }
}
