using BayesGen.Priors;

namespace BayesGen;

/// <summary>
/// Puts the group horseshoe prior (BC-GHS) with global scale <c>tau0</c> on every Linear and Conv2d layer
/// of a partial TorchSharp module (or, on a field, on that one layer).
/// </summary>
/// <remarks>
/// The prior is <c>s ~ C⁺(0, tau0)</c> per layer, <c>z̃ ~ C⁺(0, 1)</c> per group and <c>w̃ ~ N(0, 1)</c>,
/// with <c>w = w̃ · z̃ · s</c>, trained through the non-centred parameterisation with Gamma and
/// inverse-Gamma auxiliaries and log-normal posteriors. The paper uses <c>tau0 = 1e-5</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Field | AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class HorseshoeAttribute : Attribute
{
    /// <summary>Creates the attribute with the global scale <paramref name="tau0"/> (finite and &gt; 0).</summary>
    public HorseshoeAttribute(double tau0) => Tau0 = tau0;

    /// <summary>The global scale τ0 of the half-Cauchy prior on the layer scale s.</summary>
    public double Tau0 { get; }

    /// <summary>
    /// Which Gamma scale the layer-scale auxiliary s_a gets: <see cref="HorseshoeGlobalScale.Published"/>
    /// (b = τ0, what every public implementation does; the default) or
    /// <see cref="HorseshoeGlobalScale.Exact"/> (b = τ0², so that s is exactly C⁺(0, τ0)).
    /// </summary>
    public HorseshoeGlobalScale GlobalScale { get; set; } = HorseshoeGlobalScale.Published;

    /// <summary>The statistic groups are pruned on; see <see cref="HorseshoeStatistic"/>.</summary>
    public HorseshoeStatistic Statistic { get; set; } = HorseshoeStatistic.MeanLogScale;

    /// <summary>How the scale posteriors start; see <see cref="HorseshoeInitialization"/>.</summary>
    public HorseshoeInitialization Initialization { get; set; } = HorseshoeInitialization.UnitScale;

    /// <summary>
    /// Pruning threshold on the statistic; NaN (the default) picks it from the widest gap of the
    /// statistic's histogram each time masks are computed.
    /// </summary>
    public double Threshold { get; set; } = double.NaN;
}



