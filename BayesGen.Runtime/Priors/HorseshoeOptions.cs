namespace BayesGen.Priors;

/// <summary>The Gamma scale of the layer-scale auxiliary s_a in the horseshoe's half-Cauchy decomposition.</summary>
public enum HorseshoeGlobalScale
{
    /// <summary>s_a ~ Gamma(½, scale τ0): the published code's choice; the effective global scale is √τ0.</summary>
    Published = 0,

    /// <summary>s_a ~ Gamma(½, scale τ0²): s = √(s_a s_b) is exactly half-Cauchy with scale τ0.</summary>
    Exact = 1,
}

/// <summary>The per-group statistic horseshoe pruning thresholds apply to.</summary>
public enum HorseshoeStatistic
{
    /// <summary>E[log z_i] = m_i; a group is pruned when it falls below the threshold (the default).</summary>
    MeanLogScale = 0,

    /// <summary>
    /// log(e^{v_i} − 1) = log(Var[z_i] / E[z_i]²), the horseshoe analogue of GNJ's log α; a group is pruned
    /// when it reaches the threshold.
    /// </summary>
    LogNoiseToSignal = 1,
}

/// <summary>Where the horseshoe's variational parameters start. Both start every group with z ≈ 1.</summary>
public enum HorseshoeInitialization
{
    /// <summary>
    /// The default (docs/MATHEMATICS.md): μ_sa = log b, μ_sb = −μ_sa (layer scale s ≈ 1), μ_α = μ_β = 0. The layer scale must then
    /// travel to the small values the prior wants (log s ≈ ½ log τ0) before kept and pruned groups separate.
    /// </summary>
    UnitScale = 0,

    /// <summary>
    /// The layer scale starts at the prior's optimum (μ_sa = log(b/2), μ_sb = log 2) and α̃ at its own (μ_α = −log 2);
    /// β̃, whose inverse-Gamma tail makes large values cheap, carries each group's compensation so that z ≈ 1:
    /// μ_β = −(μ_sa + μ_sb + μ_α). Groups the data does not need lose that compensation at the KL's pace,
    /// without first waiting for the layer scale.
    /// </summary>
    PriorScale = 1,
}
