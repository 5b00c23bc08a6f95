namespace BayesGen.Samples.Reporting;

/// <summary>One layer's pruning statistic per group, as its thresholds see it.</summary>
/// <param name="Name">The statistic's name ("log α", "E[log z]").</param>
/// <param name="PrunedAbove">Whether groups above the threshold are removed (rather than below).</param>
/// <param name="Values">The statistic of each group, in the layer's group order.</param>
public sealed record GroupStatistics(string Name, bool PrunedAbove, float[] Values)
{
    /// <summary>Decimals kept in the report: finer than any threshold a person reads off a histogram, short in the file.</summary>
    public const int ReportDecimals = 4;

    /// <summary>Every Bayesian layer's statistics, by layer name.</summary>
    public static IReadOnlyDictionary<string, GroupStatistics> Of(BayesianNetwork network)
        => network.BayesianLayers.ToDictionary(
            l => l.Name,
            l => new GroupStatistics(l.Layer.Scale.StatisticName, l.Layer.Scale.Direction == Layers.PruneDirection.Above, l.Layer.Scale.PruningStatisticValues()));

    /// <summary>The values as the report writes them (a float widened to double prints eight noise digits).</summary>
    public IReadOnlyList<double> Rounded() => Values.Select(v => Math.Round((double)v, ReportDecimals)).ToArray();
}
