using BayesGen.Layers;
using BayesGen.Priors;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Layers;

/// <summary>The horseshoe scale posterior and a horseshoe Linear layer against sampling.</summary>
public class HorseshoeLayerTests
{
    private static HorseshoeScale Scale(int groups, torch.Generator gen)
    {
        var scale = new HorseshoeScale(groups, 1e-3, HorseshoeGlobalScale.Published, generator: gen);
        using var _ = no_grad();
        scale.LayerGamma.Mu.fill_(-1.0); scale.LayerGamma.LogVariance.fill_(-2.0);
        scale.LayerInverseGamma.Mu.fill_(0.6); scale.LayerInverseGamma.LogVariance.fill_(-3.0);
        scale.GroupGamma.Mu.copy_(tensor(new float[] { -0.5f, 0.2f, -1.0f, 0.4f }));
        scale.GroupGamma.LogVariance.copy_(tensor(new float[] { -2f, -1.5f, -3f, -2.5f }));
        scale.GroupInverseGamma.Mu.copy_(tensor(new float[] { 0.3f, -0.2f, 1.1f, 0.0f }));
        scale.GroupInverseGamma.LogVariance.copy_(tensor(new float[] { -1.8f, -2.2f, -2.0f, -1.0f }));
        return scale;
    }

    /// <summary>
    /// E_q[log q(x) − log p(x)] for x ~ LN(μ, σ²), estimated by sampling with the log-densities written out here from
    /// their textbook definitions (not the closed forms the runtime uses), in float64.
    /// </summary>
    private static double MonteCarloKL(double mu, double logVar, Func<double, double> logPrior, Random random, int samples = 400_000)
    {
        double sigma = Math.Exp(0.5 * logVar), sum = 0;
        for (int i = 0; i < samples; i++)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            double eps = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            double logX = mu + sigma * eps;
            double logQ = -logX - Math.Log(sigma) - 0.5 * Math.Log(2 * Math.PI) - 0.5 * eps * eps;   // log-normal density at x
            sum += logQ - logPrior(Math.Exp(logX));
        }
        return sum / samples;
    }

    private static readonly double LogGammaHalf = 0.5 * Math.Log(Math.PI);   // log Γ(½) = log √π

    /// <summary>log Gamma(x; shape ½, scale b) = −½ log x − x/b − log Γ(½) − ½ log b.</summary>
    private static Func<double, double> GammaHalf(double b) => x => -0.5 * Math.Log(x) - x / b - LogGammaHalf - 0.5 * Math.Log(b);

    /// <summary>log InvGamma(x; shape ½, scale b) = ½ log b − log Γ(½) − (3/2) log x − b/x.</summary>
    private static Func<double, double> InverseGammaHalf(double b) => x => 0.5 * Math.Log(b) - LogGammaHalf - 1.5 * Math.Log(x) - b / x;

    [Theory]
    [InlineData(HorseshoeGlobalScale.Published)]
    [InlineData(HorseshoeGlobalScale.Exact)]
    public void Layer_KL_equals_an_independent_Monte_Carlo_estimate_over_its_four_auxiliaries(HorseshoeGlobalScale mode)
    {
        // s_a ~ Gamma(½, b) with b = τ0 or τ0², s_b ~ InvGamma(½, 1), α̃_i ~ Gamma(½, 1), β̃_i ~ InvGamma(½, 1). Swapping a
        // Gamma for an inverse Gamma, or giving s_a the scale 1, changes this sum by far more than the tolerance.
        const double tau0 = 0.05;
        using var scale = Scale(4, new torch.Generator(3));
        var fresh = new HorseshoeScale(4, tau0, mode, generator: new torch.Generator(3));
        using (no_grad())
        {
            foreach (var ((_, from), (_, to)) in scale.named_parameters().Zip(fresh.named_parameters())) to.copy_(from);
        }
        double b = mode == HorseshoeGlobalScale.Exact ? tau0 * tau0 : tau0;
        var random = new Random(11);
        double Value(Tensor t, int i) => t.to(ScalarType.Float64).data<double>()[i];
        double expected = MonteCarloKL(Value(fresh.LayerGamma.Mu, 0), Value(fresh.LayerGamma.LogVariance, 0), GammaHalf(b), random)
                        + MonteCarloKL(Value(fresh.LayerInverseGamma.Mu, 0), Value(fresh.LayerInverseGamma.LogVariance, 0), InverseGammaHalf(1), random);
        for (int i = 0; i < 4; i++)
            expected += MonteCarloKL(Value(fresh.GroupGamma.Mu, i), Value(fresh.GroupGamma.LogVariance, i), GammaHalf(1), random)
                      + MonteCarloKL(Value(fresh.GroupInverseGamma.Mu, i), Value(fresh.GroupInverseGamma.LogVariance, i), InverseGammaHalf(1), random);
        using var kl = fresh.KL();
        double actual = kl.item<float>();
        Assert.True(Math.Abs(actual - expected) < 0.005 * Math.Abs(expected) + 0.05, $"layer KL {actual}, Monte Carlo {expected}");
        fresh.Dispose();
    }

    [Fact]
    public void Sampled_scales_have_the_posterior_mean_and_variance()
    {
        using var gen = new torch.Generator(31);
        using var scale = Scale(4, gen);
        using var z = scale.Sample(400_000, gen).detach().to(ScalarType.Float64);
        using var mean = scale.Mean().detach();
        using var variance = scale.Variance().detach();
        for (int i = 0; i < 4; i++)
        {
            double se = Math.Sqrt(variance[i].item<float>() / 400_000);
            Assert.InRange(z[.., i].mean().item<double>(), mean[i].item<float>() - 5 * se, mean[i].item<float>() + 5 * se);
            Assert.InRange(z[.., i].var().item<double>() / variance[i].item<float>(), 0.97, 1.03);
        }
    }

    [Fact]
    public void Log_scale_moments_are_the_sum_of_the_auxiliaries()
    {
        using var gen = new torch.Generator(32);
        using var scale = Scale(4, gen);
        var (m, v) = scale.LogScaleMoments();
        // m_i = ½(μ_sa + μ_sb + μ_αi + μ_βi), v_i = ¼(σ²_sa + σ²_sb + σ²_αi + σ²_βi); group 2 by hand:
        double m2 = 0.5 * (-1.0 + 0.6 - 1.0 + 1.1);
        double v2 = 0.25 * (Math.Exp(-2.0) + Math.Exp(-3.0) + Math.Exp(-3.0) + Math.Exp(-2.0));
        Assert.Equal(m2, m[2].item<float>(), 5);
        Assert.Equal(v2, v[2].item<float>(), 5);
    }

    [Fact]
    public void Weight_moments_match_sampling_of_z_times_w()
    {
        using var gen = new torch.Generator(33);
        using var scale = Scale(4, gen);
        using var layer = new BayesianLinear(randn(2, 4, generator: gen) * 0.5, null, scale);
        using (no_grad()) layer.WeightLogVariance.copy_(empty(2, 4).uniform_(-3, -1, gen));
        const int n = 400_000;
        using var z = scale.Sample(n, gen).detach();                                            // [n, 4]
        using var wTilde = layer.WeightMu.detach() + layer.WeightLogVariance.detach().mul(0.5).exp() * randn(n, 2, 4, generator: gen);
        using var w = wTilde * z.unsqueeze(1);
        using var mean = layer.WeightMean().detach();
        using var variance = layer.WeightVariance().detach();
        for (int o = 0; o < 2; o++)
        for (int i = 0; i < 4; i++)
        {
            double ev = variance[o, i].item<float>();
            double se = Math.Sqrt(ev / n);
            Assert.InRange(w[.., o, i].mean().item<float>(), mean[o, i].item<float>() - 5 * se, mean[o, i].item<float>() + 5 * se);
            Assert.InRange(w[.., o, i].var().item<float>() / ev, 0.96, 1.04);
        }
    }

    [Fact]
    public void Horseshoe_training_forward_matches_monte_carlo_over_weights()
    {
        using var gen = new torch.Generator(34);
        using var scale = Scale(4, gen);
        using var layer = new BayesianLinear(randn(3, 4, generator: gen) * 0.5, randn(3, generator: gen) * 0.1, scale) { NoiseGenerator = gen };
        layer.train();
        const int n = 300_000;
        using var x = tensor(new float[] { 0.9f, -0.4f, 1.3f, -1.1f });
        using var h = layer.forward(x.unsqueeze(0).expand(n, 4).contiguous()).detach();
        using var expectedMean = nn.functional.linear(x.unsqueeze(0), layer.WeightMean().detach(), layer.BiasMu!.detach()).squeeze(0);
        using var expectedVar = nn.functional.linear(x.square().unsqueeze(0), layer.WeightVariance().detach(), layer.BiasLogVariance!.detach().exp()).squeeze(0);
        for (int j = 0; j < 3; j++)
        {
            double ev = expectedVar[j].item<float>();
            double se = Math.Sqrt(ev / n);
            Assert.InRange(h[.., j].mean().item<float>(), expectedMean[j].item<float>() - 5 * se, expectedMean[j].item<float>() + 5 * se);
            Assert.InRange(h[.., j].var().item<float>() / ev, 0.96, 1.04);
        }
    }

    [Fact]
    public void Both_initialisations_start_every_group_at_z_near_one()
    {
        foreach (var init in new[] { HorseshoeInitialization.UnitScale, HorseshoeInitialization.PriorScale })
        {
            using var scale = new HorseshoeScale(50, 1e-5, initialization: init, generator: new torch.Generator(35));
            using var mean = scale.Mean();
            Assert.InRange(mean.min().item<float>(), 0.9f, 1.1f);
            Assert.InRange(mean.max().item<float>(), 0.9f, 1.1f);
            using var kl = scale.KL();
            Assert.True(float.IsFinite(kl.item<float>()) && kl.item<float>() < 1e4, $"{init}: KL {kl.item<float>()}");
        }
    }

    [Fact]
    public void Invalid_tau0_is_refused_with_the_rule()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new HorseshoeScale(3, 0));
        Assert.Contains("finite and greater than 0", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new HorseshoeScale(3, double.PositiveInfinity));
    }
}
