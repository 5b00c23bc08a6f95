using BayesGen.Compression;
using BayesGen.Priors;
using BayesGen.Layers;

namespace BayesGen.Conversion;

/// <summary>Creates the scale posterior of one layer; generated models call these with the attribute values.</summary>
internal static class GroupScales
{
    /// <summary>A group Normal-Jeffreys posterior for <paramref name="groups"/> groups.</summary>
    public static GroupScale GroupNJ(long groups, BayesianOptions options)
        => new GroupNJScale(groups, options.InitGenerator, options.InitialLogVariance);

    /// <summary>A group horseshoe posterior for <paramref name="groups"/> groups with global scale <paramref name="tau0"/>.</summary>
    public static GroupScale Horseshoe(long groups, double tau0, HorseshoeGlobalScale globalScale, HorseshoeStatistic statistic,
        HorseshoeInitialization initialization, BayesianOptions options)
        => new HorseshoeScale(groups, options.HorseshoeTau0 ?? tau0, options.HorseshoeGlobalScale ?? globalScale, statistic, options.InitGenerator, options.InitialLogVariance,
            options.HorseshoeInitialization ?? initialization);
}
