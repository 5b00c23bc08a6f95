using BayesGen.Priors;
namespace BayesGen;

/// <summary>
/// Sets the pruning threshold of one layer: for GNJ the log α above which a group is removed, for the
/// horseshoe the value of its statistic (see <see cref="HorseshoeStatistic"/>). Run-time overrides
/// (<see cref="Compression.PruningThresholds"/>) take precedence.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class PruneThresholdAttribute : Attribute
{
    /// <summary>Creates the attribute; <paramref name="threshold"/> must not be NaN.</summary>
    public PruneThresholdAttribute(double threshold) => Threshold = threshold;

    /// <summary>The threshold.</summary>
    public double Threshold { get; }
}
