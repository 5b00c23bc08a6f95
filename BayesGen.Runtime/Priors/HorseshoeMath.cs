using TorchSharp;
using static TorchSharp.torch;
using BayesGen.Torch;

namespace BayesGen.Priors;

/// <summary>
/// Closed-form pieces of the group horseshoe in its non-centred parameterisation: the half-Cauchy scales are
/// products of Gamma and inverse-Gamma auxiliaries (shape ½) with log-normal posteriors LN(μ, σ²).
/// </summary>
public static class HorseshoeMath
{
    private static readonly double Log2 = Math.Log(2.0);

    /// <summary>
    /// KL(LN(μ, σ²) ‖ Gamma(½, scale b)) = e^{μ+σ²/2}/b − ½(μ + log σ² + 1 + log 2) + ½ log b, elementwise.
    /// </summary>
    public static Tensor KLLogNormalGamma(Tensor mu, Tensor logVar, double scale)
    {
        using var d = NewDisposeScope();
        var kl = mu.Plus(logVar.exp().MulScalar(0.5)).exp().DivScalar(scale).sub(mu.Plus(logVar).AddScalar(1.0).AddScalar(Log2).MulScalar(0.5)).AddScalar(0.5 * Math.Log(scale));
        return kl.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// KL(LN(μ, σ²) ‖ InvGamma(½, scale b)) = b·e^{σ²/2−μ} − ½(−μ + log σ² + 1 + log 2) − ½ log b, elementwise.
    /// </summary>
    public static Tensor KLLogNormalInverseGamma(Tensor mu, Tensor logVar, double scale)
    {
        using var d = NewDisposeScope();
        var kl = logVar.exp().MulScalar(0.5).sub(mu).exp().MulScalar(scale).sub(logVar.sub(mu).AddScalar(1.0).AddScalar(Log2).MulScalar(0.5)).SubScalar(0.5 * Math.Log(scale));
        return kl.MoveToOuterDisposeScope();
    }

    /// <summary>The scalar form of <see cref="KLLogNormalGamma(Tensor, Tensor, double)"/>.</summary>
    public static double KLLogNormalGamma(double mu, double logVar, double scale)
        => Math.Exp(mu + 0.5 * Math.Exp(logVar)) / scale - 0.5 * (mu + logVar + 1.0 + Log2) + 0.5 * Math.Log(scale);

    /// <summary>The scalar form of <see cref="KLLogNormalInverseGamma(Tensor, Tensor, double)"/>.</summary>
    public static double KLLogNormalInverseGamma(double mu, double logVar, double scale)
        => scale * Math.Exp(0.5 * Math.Exp(logVar) - mu) - 0.5 * (-mu + logVar + 1.0 + Log2) - 0.5 * Math.Log(scale);

    /// <summary>
    /// The Gamma scale b of the layer-scale auxiliary s_a for a global scale τ0: τ0 as published, τ0² exactly.
    /// </summary>
    public static double LayerGammaScale(double tau0, HorseshoeGlobalScale mode)
        => mode == HorseshoeGlobalScale.Exact ? tau0 * tau0 : tau0;

    /// <summary>
    /// E[z] = e^{m + v/2} and Var[z] = (e^v − 1)·e^{2m + v} of a log-normal z with log z ~ N(m, v).
    /// </summary>
    public static (Tensor Mean, Tensor Variance) LogNormalMoments(Tensor m, Tensor v)
    {
        using var d = NewDisposeScope();
        var mean = m.Plus(v.MulScalar(0.5)).exp();
        var variance = v.expm1() * m.MulScalar(2.0).Plus(v).exp();
        return (mean.MoveToOuterDisposeScope(), variance.MoveToOuterDisposeScope());
    }
}
