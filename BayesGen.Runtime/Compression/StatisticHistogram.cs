namespace BayesGen.Compression;

/// <summary>
/// The histogram of one layer's pruning statistic (log α for GNJ, E[log z] for the horseshoe), the picture the
/// authors pick thresholds from: kept groups and pruned groups form two clusters with a gap between them.
/// </summary>
/// <param name="Layer">The layer's name.</param>
/// <param name="StatisticName">The statistic's name.</param>
/// <param name="Minimum">The left edge of the first bin.</param>
/// <param name="Maximum">The right edge of the last bin.</param>
/// <param name="Counts">Groups per bin.</param>
/// <param name="Threshold">The threshold in use.</param>
/// <param name="PrunedAbove">Whether groups above the threshold are pruned (else those below).</param>
public sealed record StatisticHistogram(string Layer, string StatisticName, double Minimum, double Maximum, int[] Counts, double Threshold, bool PrunedAbove)
{
    /// <summary>The width of one bin.</summary>
    public double BinWidth => (Maximum - Minimum) / Counts.Length;

    /// <summary>The bin a value falls in (values at the maximum go to the last bin).</summary>
    public int BinOf(double value) => Math.Clamp((int)Math.Floor((value - Minimum) / BinWidth), 0, Counts.Length - 1);

    /// <summary>Builds the histogram of <paramref name="values"/> over <paramref name="bins"/> equal bins.</summary>
    public static StatisticHistogram Of(string layer, string statistic, ReadOnlySpan<float> values, double threshold, bool prunedAbove, int bins = 40)
    {
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins));
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var v in values) { min = Math.Min(min, v); max = Math.Max(max, v); }
        if (values.Length == 0) { min = 0; max = 1; }
        if (double.IsFinite(threshold)) { min = Math.Min(min, threshold); max = Math.Max(max, threshold); }
        if (max - min < 1e-9) { min -= 0.5; max += 0.5; }
        var counts = new int[bins];
        var histogram = new StatisticHistogram(layer, statistic, min, max, counts, threshold, prunedAbove);
        foreach (var v in values) counts[histogram.BinOf(v)]++;
        return histogram;
    }

    /// <summary>The histogram of every layer of a network at its current thresholds.</summary>
    public static IReadOnlyList<StatisticHistogram> Of(BayesianNetwork network, PruningThresholds? thresholds = null, int bins = 40)
    {
        var result = new List<StatisticHistogram>();
        foreach (var (name, layer) in network.BayesianLayers)
        {
            var values = layer.Scale.PruningStatisticValues();
            result.Add(Of(name, layer.Scale.StatisticName, values, network.ResolveThreshold(name, thresholds),
                layer.Scale.Direction == Layers.PruneDirection.Above, bins));
        }
        return result;
    }
}
