using BayesGen.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Layers;

public class BayesianConv2dTests
{
    private static BayesianConv2d NoisyConv(torch.Generator gen, long padding = 0)
    {
        var scale = new GroupNJScale(2, gen);
        var layer = new BayesianConv2d(randn(2, 1, 3, 3, generator: gen) * 0.4, randn(2, generator: gen) * 0.2, scale, ConvGeometry.Square(3, padding: padding));
        using var _ = no_grad();
        scale.MeanParameter.copy_(tensor(new float[] { 0.9f, -0.7f }));
        scale.LogVarianceParameter.copy_(tensor(new float[] { -1.5f, -2.5f }));
        layer.WeightLogVariance.copy_(empty(2, 1, 3, 3).uniform_(-3.0, -1.5, gen));
        layer.BiasLogVariance!.copy_(tensor(new float[] { -2f, -3f }));
        return layer;
    }

    [Fact]
    public void Training_forward_mean_and_variance_match_monte_carlo_over_weights()
    {
        using var gen = new torch.Generator(21);
        using var layer = NoisyConv(gen);
        layer.NoiseGenerator = gen;
        layer.train();
        const int n = 100_000;
        using var x = randn(1, 1, 4, 4, generator: gen);
        using var h = layer.forward(x.expand(n, 1, 4, 4).contiguous()).detach();      // [n, 2, 2, 2]

        // Independent Monte Carlo over weights: z_c, w̃ ~ N(μ, σ²), b̃ ~ N(μ_b, σ²_b); h = z·(conv(x, w̃) + b̃),
        // computed with unfold so that every draw has its own filters.
        using var patches = nn.functional.unfold(x, 3).squeeze(0);                           // [9, 4 positions]
        using var z = layer.Scale.Mean().detach() + layer.Scale.Variance().detach().sqrt() * randn(n, 2, generator: gen);
        using var wTilde = layer.WeightMu.detach().reshape(2, 9) + layer.WeightLogVariance.detach().mul(0.5).exp().reshape(2, 9) * randn(n, 2, 9, generator: gen);
        using var bTilde = layer.BiasMu!.detach() + layer.BiasLogVariance!.detach().mul(0.5).exp() * randn(n, 2, generator: gen);
        using var mc = (wTilde.matmul(patches) + bTilde.unsqueeze(2)) * z.unsqueeze(2);       // [n, 2, 4]

        using var hFlat = h.reshape(n, 2, 4);
        for (int c = 0; c < 2; c++)
        for (int p = 0; p < 4; p++)
        {
            double m1 = hFlat[.., c, p].mean().item<float>(), v1 = hFlat[.., c, p].var().item<float>();
            double m2 = mc[.., c, p].mean().item<float>(), v2 = mc[.., c, p].var().item<float>();
            double se = Math.Sqrt((v1 + v2) / n);
            Assert.InRange(m1 - m2, -5 * se, 5 * se);
            // Two sample variances of 100,000 draws each (heavier than normal tails: z·w products): within 5 %.
            Assert.InRange(v1 / v2, 0.95, 1.05);
        }
    }

    [Fact]
    public void Evaluation_forward_scales_the_bias_by_the_mean_channel_scale()
    {
        using var gen = new torch.Generator(22);
        using var layer = NoisyConv(gen, padding: 1);
        layer.eval();
        using var x = randn(3, 1, 5, 5, generator: gen);
        using var meanZ = layer.Scale.Mean().detach();
        using var expected = nn.functional.conv2d(x, layer.WeightMu.detach() * meanZ.reshape(2, 1, 1, 1), layer.BiasMu!.detach() * meanZ, padding: new long[] { 1, 1 });
        using var actual = layer.forward(x);
        Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Posterior_variance_broadcasts_over_filters()
    {
        using var gen = new torch.Generator(23);
        using var layer = NoisyConv(gen);
        using var variance = layer.WeightVariance();
        using var ez = layer.Scale.Mean().detach();
        using var vz = layer.Scale.Variance().detach();
        using var s2 = layer.WeightLogVariance.detach().exp();
        using var mu = layer.WeightMu.detach();
        // Filter c uses z_c for all its 9 weights: check every weight by hand.
        for (int c = 0; c < 2; c++)
        for (int k = 0; k < 9; k++)
        {
            double m = mu.reshape(2, 9)[c, k].item<float>(), s = s2.reshape(2, 9)[c, k].item<float>();
            double e = ez[c].item<float>(), v = vz[c].item<float>();
            Assert.Equal(e * e * s + v * (m * m + s), variance.reshape(2, 9)[c, k].item<float>(), 5);
        }
    }
}
