using BayesGen.Layers;

namespace BayesGen.Compression;

/// <summary>
/// Picks a pruning threshold from a layer's statistic the way the authors do: in the gap of its bimodal
/// histogram. The values are binned; Otsu's split (the cut that best separates two classes) tells which two
/// modes to look between; the threshold is the centre of the emptiest stretch between the two modes. When the
/// histogram is not bimodal — its valley is not clearly below both peaks — there is no gap yet and nothing is
/// pruned.
/// </summary>
public static class ThresholdSelection
{
    /// <summary>Bins the values are counted in.</summary>
    public const int Bins = 48;

    /// <summary>A valley counts as a gap when its density is at most this fraction of the lower of the two peaks.</summary>
    public const double MaximumValleyRatio = 0.25;

    /// <summary>The threshold in the histogram's gap, or null when the values are not bimodal (keep every group).</summary>
    public static double? HistogramGap(ReadOnlySpan<float> values)
    {
        if (values.Length < 4) return null;
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var v in values) { min = Math.Min(min, v); max = Math.Max(max, v); }
        if (!(max - min > 1e-6)) return null;
        double width = (max - min) / Bins;
        var counts = new double[Bins];
        foreach (var v in values) counts[Math.Clamp((int)((v - min) / width), 0, Bins - 1)]++;
        // Light smoothing (1-2-1) so that single empty bins inside a cluster are not taken for the gap.
        var smooth = new double[Bins];
        for (int i = 0; i < Bins; i++)
            smooth[i] = (2 * counts[i] + (i > 0 ? counts[i - 1] : 0) + (i + 1 < Bins ? counts[i + 1] : 0)) / 4;

        int split = OtsuSplit(counts);
        if (split <= 0 || split >= Bins) return null;
        int leftPeak = ArgMax(smooth, 0, split);
        int rightPeak = ArgMax(smooth, split, Bins);
        if (rightPeak - leftPeak < 2) return null;
        double valley = double.PositiveInfinity;
        for (int i = leftPeak + 1; i < rightPeak; i++) valley = Math.Min(valley, smooth[i]);
        if (valley > MaximumValleyRatio * Math.Min(smooth[leftPeak], smooth[rightPeak])) return null;
        // The longest run of bins at the valley's level, and its centre.
        int bestStart = -1, bestLength = 0;
        for (int i = leftPeak + 1; i < rightPeak;)
        {
            if (smooth[i] > valley + 1e-12) { i++; continue; }
            int start = i;
            while (i < rightPeak && smooth[i] <= valley + 1e-12) i++;
            if (i - start > bestLength) { bestLength = i - start; bestStart = start; }
        }
        return min + (bestStart + bestLength / 2.0) * width;
    }

    /// <summary>
    /// The threshold that keeps every group: just past the largest (pruned-above statistics) or below the
    /// smallest (pruned-below statistics) value.
    /// </summary>
    public static double KeepAll(ReadOnlySpan<float> values, PruneDirection direction)
    {
        if (values.Length == 0) return direction == PruneDirection.Above ? double.PositiveInfinity : double.NegativeInfinity;
        double max = double.NegativeInfinity, min = double.PositiveInfinity;
        foreach (var v in values) { max = Math.Max(max, v); min = Math.Min(min, v); }
        return direction == PruneDirection.Above ? max + 1.0 : min - 1.0;
    }

    /// <summary>Otsu's method: the bin index k that maximises the between-class variance of bins [0, k) and [k, n).</summary>
    private static int OtsuSplit(double[] counts)
    {
        double total = counts.Sum(), weightedTotal = 0;
        for (int i = 0; i < counts.Length; i++) weightedTotal += i * counts[i];
        double leftCount = 0, leftWeighted = 0, best = -1;
        int split = -1;
        for (int k = 1; k < counts.Length; k++)
        {
            leftCount += counts[k - 1];
            leftWeighted += (k - 1) * counts[k - 1];
            double rightCount = total - leftCount;
            if (leftCount == 0 || rightCount == 0) continue;
            double difference = leftWeighted / leftCount - (weightedTotal - leftWeighted) / rightCount;
            double between = leftCount * rightCount * difference * difference;
            if (between > best) { best = between; split = k; }
        }
        return split;
    }

    private static int ArgMax(double[] values, int from, int to)
    {
        int best = from;
        for (int i = from; i < to; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
