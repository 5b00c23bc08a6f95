using BayesGen.Layers;
using BayesGen.Priors;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Priors;

/// <summary>The horseshoe's closed forms against independent Monte Carlo computations.</summary>
public class HorseshoeMathTests
{
    private const int Draws = 1_000_000;

    /// <summary>
    /// E_q[log q(x) − log p(x)] for x = e^y, y ~ N(μ, σ²), estimated from <see cref="Draws"/> draws, with its
    /// standard error. <paramref name="logPrior"/> is the prior's log-density as a function of log x.
    /// </summary>
    private static (double Mean, double StandardError) MonteCarloKL(double mu, double logVar, Func<Tensor, Tensor> logPrior, ulong seed)
    {
        using var scope = NewDisposeScope();
        double sigma = Math.Exp(0.5 * logVar);
        var y = randn(Draws, dtype: ScalarType.Float64, generator: new torch.Generator(seed)) * sigma + mu;
        // log-normal density of x at x = e^y: −y − ½ log(2πσ²) − (y − μ)²/(2σ²)
        var logQ = -y - 0.5 * Math.Log(2 * Math.PI * sigma * sigma) - (y - mu).square() / (2 * sigma * sigma);
        var ratio = logQ - logPrior(y);
        return (ratio.mean().item<double>(), Math.Sqrt(ratio.var().item<double>() / Draws));
    }

    private static readonly double LogGammaHalf = 0.5 * Math.Log(Math.PI);

    // Gamma(½, scale b): log p(x) = −lgamma(½) − ½ log b − ½ log x − x/b
    private static Func<Tensor, Tensor> GammaHalf(double b) => y => -LogGammaHalf - 0.5 * Math.Log(b) - 0.5 * y - y.exp() / b;

    // InvGamma(½, scale b): log p(x) = ½ log b − lgamma(½) − (3/2) log x − b/x
    private static Func<Tensor, Tensor> InverseGammaHalf(double b) => y => 0.5 * Math.Log(b) - LogGammaHalf - 1.5 * y - (-y).exp() * b;

    [Theory]
    [InlineData(0.0, -1.0, 1.0)]
    [InlineData(-0.7, -4.0, 1.0)]
    [InlineData(-11.5, -9.0, 1e-5)]       // s_a at its start for τ0 = 1e-5 (published scale b = τ0)
    [InlineData(-23.0, -6.0, 1e-10)]      // … and for the exact scale b = τ0²
    [InlineData(1.5, 0.5, 2.0)]
    public void KL_lognormal_to_Gamma_matches_Monte_Carlo(double mu, double logVar, double scale)
    {
        var (mc, se) = MonteCarloKL(mu, logVar, GammaHalf(scale), 1);
        double closed = HorseshoeMath.KLLogNormalGamma(mu, logVar, scale);
        Assert.InRange(closed, mc - Math.Max(5 * se, 1e-3), mc + Math.Max(5 * se, 1e-3));
        using var t = HorseshoeMath.KLLogNormalGamma(tensor(new[] { mu }, dtype: ScalarType.Float64), tensor(new[] { logVar }, dtype: ScalarType.Float64), scale);
        Assert.Equal(closed, t.item<double>(), 10);
    }

    [Theory]
    [InlineData(0.0, -1.0, 1.0)]
    [InlineData(0.7, -4.0, 1.0)]
    [InlineData(11.5, -9.0, 1.0)]         // s_b at its start (μ_sb = −μ_sa)
    [InlineData(-0.5, 0.3, 3.0)]
    public void KL_lognormal_to_inverse_Gamma_matches_Monte_Carlo(double mu, double logVar, double scale)
    {
        var (mc, se) = MonteCarloKL(mu, logVar, InverseGammaHalf(scale), 2);
        double closed = HorseshoeMath.KLLogNormalInverseGamma(mu, logVar, scale);
        Assert.InRange(closed, mc - Math.Max(5 * se, 1e-3), mc + Math.Max(5 * se, 1e-3));
        using var t = HorseshoeMath.KLLogNormalInverseGamma(tensor(new[] { mu }, dtype: ScalarType.Float64), tensor(new[] { logVar }, dtype: ScalarType.Float64), scale);
        Assert.Equal(closed, t.item<double>(), 10);
    }

    [Theory]
    [InlineData(1.0, HorseshoeGlobalScale.Exact, 1.0)]
    [InlineData(1e-3, HorseshoeGlobalScale.Exact, 1e-3)]
    [InlineData(1e-4, HorseshoeGlobalScale.Published, 1e-2)]   // the published choice: effective scale √τ0
    public void Half_Cauchy_is_the_product_of_Gamma_and_inverse_Gamma(double tau0, HorseshoeGlobalScale mode, double effectiveScale)
    {
        // Gamma(½, scale θ) is θ·χ²₁/2 = θ·g²/2 and InvGamma(½, 1) is 2/h² for standard normals g, h: independent
        // draws of the two auxiliaries the horseshoe's KL uses, with the Gamma scale BayesGen picks for τ0.
        double theta = HorseshoeMath.LayerGammaScale(tau0, mode);
        using var scope = NewDisposeScope();
        var g = randn(Draws, dtype: ScalarType.Float64, generator: new torch.Generator(3));
        var h = randn(Draws, dtype: ScalarType.Float64, generator: new torch.Generator(4));
        var sa = g.square() * (theta / 2);
        var sb = 2.0 / h.square();
        var s = (sa * sb).sqrt();
        var sorted = s.sort().Values;
        foreach (var q in new[] { 0.1, 0.25, 0.5, 0.75, 0.9 })
        {
            double sample = sorted[(long)(q * Draws)].item<double>();
            double halfCauchy = effectiveScale * Math.Tan(Math.PI * q / 2);   // quantile of C⁺(0, scale)
            Assert.InRange(sample / halfCauchy, 0.98, 1.02);
        }
    }

    [Fact]
    public void Log_normal_moments_match_sampling()
    {
        using var scope = NewDisposeScope();
        var m = tensor(new[] { -0.4, 0.3 }, dtype: ScalarType.Float64);
        var v = tensor(new[] { 0.2, 0.05 }, dtype: ScalarType.Float64);
        var (mean, variance) = HorseshoeMath.LogNormalMoments(m, v);
        var z = (m + v.sqrt() * randn(new long[] { Draws, 2 }, dtype: ScalarType.Float64, generator: new torch.Generator(5))).exp();
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(mean[i].item<double>(), z[.., i].mean().item<double>(), 3);
            Assert.InRange(z[.., i].var().item<double>() / variance[i].item<double>(), 0.99, 1.01);
        }
    }
}
