using BayesGen.Layers;
using BayesGen.Priors;

namespace BayesGen;

/// <summary>A prior as an attribute declares it.</summary>
/// <param name="Kind">Group Normal-Jeffreys or group horseshoe.</param>
/// <param name="Tau0">The horseshoe's global scale.</param>
/// <param name="GlobalScale">How the horseshoe's global scale is parameterised.</param>
/// <param name="Statistic">The horseshoe's pruning statistic.</param>
/// <param name="Initialization">How the horseshoe's scales start.</param>
/// <param name="Threshold">The attribute's threshold, or NaN for the default.</param>
public sealed record PriorSettings(
    PriorKind Kind,
    double Tau0 = 1e-5,
    HorseshoeGlobalScale GlobalScale = HorseshoeGlobalScale.Published,
    HorseshoeStatistic Statistic = HorseshoeStatistic.MeanLogScale,
    HorseshoeInitialization Initialization = HorseshoeInitialization.UnitScale,
    double Threshold = double.NaN);
