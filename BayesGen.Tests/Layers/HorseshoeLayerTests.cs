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
