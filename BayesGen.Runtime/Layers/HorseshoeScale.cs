using BayesGen.Priors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using BayesGen.Torch;

namespace BayesGen.Layers;

/// <summary>
/// The group horseshoe's scale posterior in the non-centred parameterisation: z_i = s·z̃_i with
/// s² = s_a·s_b (layer) and z̃_i² = α̃_i·β̃_i (group), where s_a ~ Gamma(½, b), s_b ~ InvGamma(½, 1),
/// α̃ ~ Gamma(½, 1), β̃ ~ InvGamma(½, 1), and every auxiliary has a log-normal posterior LN(μ, σ²).
/// Hence log z_i ~ N(m_i, v_i) with m_i = ½(μ_sa + μ_sb + μ_αi + μ_βi) and v_i = ¼(σ²_sa + σ²_sb + σ²_αi + σ²_βi).
/// </summary>
public sealed class HorseshoeScale : GroupScale
{
    private readonly Parameter sa_mu, sa_logvar, sb_mu, sb_logvar;
    private readonly Parameter alpha_mu, alpha_logvar, beta_mu, beta_logvar;

    /// <summary>
    /// Creates the posterior. Initialisation (<see cref="HorseshoeInitialization"/>): by default (docs/MATHEMATICS.md)
    /// μ_sa = log b (the Gamma scale) and μ_sb = −μ_sa so that s ≈ 1 at the start, μ_α = μ_β = 0; every
    /// log-variance near <paramref name="initialLogVariance"/>. Starting μ_sa at 0 with τ0 = 1e-5 would make
    /// KL_sa ≈ 1e10.
    /// </summary>
    public HorseshoeScale(long groups, double tau0, HorseshoeGlobalScale globalScale = HorseshoeGlobalScale.Published,
        HorseshoeStatistic statistic = HorseshoeStatistic.MeanLogScale, Generator? generator = null, double initialLogVariance = -9.0,
        HorseshoeInitialization initialization = HorseshoeInitialization.UnitScale)
        : base(nameof(HorseshoeScale), groups)
    {
        if (!(tau0 > 0) || double.IsInfinity(tau0))
            throw new ArgumentOutOfRangeException(nameof(tau0), tau0, "The horseshoe's global scale tau0 must be finite and greater than 0 (the paper uses 1e-5).");
        Tau0 = tau0;
        GlobalScale = globalScale;
        Statistic = statistic;
        LayerGammaScale = HorseshoeMath.LayerGammaScale(tau0, globalScale);
        Initialization = initialization;
        double logB = Math.Log(LayerGammaScale);
        double log2 = Math.Log(2.0);
        var (saMu, sbMu, alphaMu) = initialization == HorseshoeInitialization.PriorScale
            ? (logB - log2, log2, -log2)
            : (logB, -logB, 0.0);
        double betaMu = -(saMu + sbMu + alphaMu);   // m = ½(μ_sa + μ_sb + μ_α + μ_β) = 0: z ≈ 1 for every group
        sa_mu = Parameters.Normal(new long[] { 1 }, saMu, 1e-2, generator);
        sa_logvar = Parameters.Normal(new long[] { 1 }, initialLogVariance, 1e-2, generator);
        sb_mu = Parameters.Normal(new long[] { 1 }, sbMu, 1e-2, generator);
        sb_logvar = Parameters.Normal(new long[] { 1 }, initialLogVariance, 1e-2, generator);
        alpha_mu = Parameters.Normal(new[] { groups }, alphaMu, 1e-2, generator);
        alpha_logvar = Parameters.Normal(new[] { groups }, initialLogVariance, 1e-2, generator);
        beta_mu = Parameters.Normal(new[] { groups }, betaMu, 1e-2, generator);
        beta_logvar = Parameters.Normal(new[] { groups }, initialLogVariance, 1e-2, generator);
        RegisterComponents();
    }

    /// <summary>The posterior LN(μ, σ²) of the layer auxiliary s_a (Gamma prior): mean and log-variance parameters.</summary>
    public (Parameter Mu, Parameter LogVariance) LayerGamma => (sa_mu, sa_logvar);

    /// <summary>The posterior of the layer auxiliary s_b (inverse-Gamma prior).</summary>
    public (Parameter Mu, Parameter LogVariance) LayerInverseGamma => (sb_mu, sb_logvar);

    /// <summary>The posteriors of the group auxiliaries α̃_i (Gamma prior), one entry per group.</summary>
    public (Parameter Mu, Parameter LogVariance) GroupGamma => (alpha_mu, alpha_logvar);

    /// <summary>The posteriors of the group auxiliaries β̃_i (inverse-Gamma prior), one entry per group.</summary>
    public (Parameter Mu, Parameter LogVariance) GroupInverseGamma => (beta_mu, beta_logvar);

    /// <inheritdoc/>
    public override IEnumerable<Parameter> LogVarianceParameters() => new[] { sa_logvar, sb_logvar, alpha_logvar, beta_logvar };

    /// <summary>The global scale τ0.</summary>
    public double Tau0 { get; }

    /// <summary>Whether s_a's Gamma scale is τ0 (published) or τ0² (exact).</summary>
    public HorseshoeGlobalScale GlobalScale { get; }

    /// <summary>How the variational parameters started.</summary>
    public HorseshoeInitialization Initialization { get; }

    /// <summary>The statistic pruning uses (it can be changed after training: it only affects pruning).</summary>
    public HorseshoeStatistic Statistic { get; set; }

    /// <summary>The Gamma scale b of s_a (τ0 or τ0²).</summary>
    public double LayerGammaScale { get; }

    public override PriorKind Prior => PriorKind.Horseshoe;

    public override PruneDirection Direction => Statistic == HorseshoeStatistic.MeanLogScale ? PruneDirection.Below : PruneDirection.Above;

    public override string StatisticName => Statistic == HorseshoeStatistic.MeanLogScale ? "E[log z]" : "log(e^v − 1)";

    /// <summary>The mean m and variance v of log z, each of shape <c>[Groups]</c>.</summary>
    public (Tensor M, Tensor V) LogScaleMoments()
    {
        using var d = NewDisposeScope();
        var m = sa_mu.Plus(sb_mu).Plus(alpha_mu).Plus(beta_mu).MulScalar(0.5);
        var v = sa_logvar.exp().Plus(sb_logvar.exp()).Plus(alpha_logvar.exp()).Plus(beta_logvar.exp()).MulScalar(0.25);
        return (m.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope());
    }

    public override Tensor Sample(long batch, Generator? generator)
    {
        using var d = NewDisposeScope();
        var (m, v) = LogScaleMoments();
        var eps = randn(new[] { batch, Groups }, dtype: m.dtype, device: m.device, generator: generator);
        return m.AddProduct(eps, v.sqrt(), 1.0).exp().MoveToOuterDisposeScope();
    }

    public override Tensor Mean()
    {
        using var d = NewDisposeScope();
        var (m, v) = LogScaleMoments();
        return HorseshoeMath.LogNormalMoments(m, v).Mean.MoveToOuterDisposeScope();
    }

    public override Tensor Variance()
    {
        using var d = NewDisposeScope();
        var (m, v) = LogScaleMoments();
        return HorseshoeMath.LogNormalMoments(m, v).Variance.MoveToOuterDisposeScope();
    }

    /// <summary>KL_sa(b) + KL_sb(1) + Σ_i [KL_αi(1) + KL_βi(1)].</summary>
    public override Tensor KL()
    {
        using var d = NewDisposeScope();
        var kl = HorseshoeMath.KLLogNormalGamma(sa_mu, sa_logvar, LayerGammaScale).sum()
               .Plus(HorseshoeMath.KLLogNormalInverseGamma(sb_mu, sb_logvar, 1.0).sum())
               .Plus(HorseshoeMath.KLLogNormalGamma(alpha_mu, alpha_logvar, 1.0).sum())
               .Plus(HorseshoeMath.KLLogNormalInverseGamma(beta_mu, beta_logvar, 1.0).sum());
        return kl.MoveToOuterDisposeScope();
    }

    public override Tensor PruningStatistic()
    {
        using var d = NewDisposeScope();
        var (m, v) = LogScaleMoments();
        var statistic = Statistic == HorseshoeStatistic.MeanLogScale ? m : v.expm1().log();
        return statistic.MoveToOuterDisposeScope();
    }
}
