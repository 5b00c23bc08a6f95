using BayesGen.Layers;

namespace BayesGen.Compression;

/// <summary>
/// Picks a pruning threshold from a layer's statistic the way the authors do: in the gap of its bimodal
/// histogram. The threshold is the midpoint of the widest gap between consecutive sorted values, provided
/// the gap is wide enough to be a gap (at least <see cref="MinimumGapFraction"/> of the values' range and
/// <see cref="MinimumGap"/> in absolute terms). Without such a gap the statistic is not bimodal yet and
/// nothing is pruned.
/// </summary>
public static class ThresholdSelection
{
    /// <summary>The smallest absolute width a gap must have (in units of the statistic: log α, E[log z]).</summary>
    public const double MinimumGap = 0.5;

    /// <summary>The smallest width a gap must have relative to the range of the values.</summary>
    public const double MinimumGapFraction = 0.15;

    /// <summary>
    /// The midpoint of the widest qualifying gap, or null when the values show no gap (keep every group).
    /// </summary>
    public static double? WidestGap(ReadOnlySpan<float> values)
    {
        if (values.Length < 2) return null;
        var sorted = values.ToArray();
        Array.Sort(sorted);
        double range = sorted[^1] - sorted[0];
        if (!(range > 0)) return null;
        double bestWidth = 0;
        int best = -1;
        for (int i = 0; i + 1 < sorted.Length; i++)
        {
            double width = sorted[i + 1] - sorted[i];
            if (width > bestWidth) { bestWidth = width; best = i; }
        }
        if (best < 0 || bestWidth < MinimumGap || bestWidth < MinimumGapFraction * range) return null;
        return 0.5 * ((double)sorted[best] + sorted[best + 1]);
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
}
