using BayesGen.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Layers;

public class BayesianLinearTests
{
    /// <summary>A 5→3 GNJ layer with noisy scales and weights, so every variance term matters.</summary>
    private static BayesianLinear NoisyLayer(torch.Generator gen)
    {
        var scale = new GroupNJScale(5, gen);
        var layer = new BayesianLinear(randn(3, 5, generator: gen) * 0.5, randn(3, generator: gen) * 0.1, scale);
        using var _ = no_grad();
        scale.MeanParameter.copy_(tensor(new float[] { 1.0f, 0.8f, -0.6f, 1.2f, 0.3f }));
        scale.LogVarianceParameter.copy_(tensor(new float[] { -2.0f, -1.5f, -3.0f, -1.0f, -2.5f }));
        layer.WeightLogVariance.copy_(empty(3, 5).uniform_(-3.0, -1.0, gen));
        layer.BiasLogVariance!.copy_(tensor(new float[] { -3f, -2f, -4f }));
        return layer;
    }

    [Fact]
    public void Training_forward_mean_and_variance_match_monte_carlo_over_weights()
    {
        using var gen = new torch.Generator(3);
        using var layer = NoisyLayer(gen);
        layer.NoiseGenerator = gen;
        layer.train();
        const int n = 200_000;
        using var x = tensor(new float[] { 0.7f, -1.2f, 0.4f, 2.0f, -0.3f });

        // The layer, n examples of the same input.
        using var h = layer.forward(x.unsqueeze(0).expand(n, 5).contiguous()).detach();

        // Independent Monte Carlo: z ~ N(μ_z, σ²_z), w ~ N(z·μ, z²σ²), b ~ N(μ_b, σ²_b); h = x·wᵀ + b.
        using var zMean = layer.Scale.Mean().detach();
        using var zStd = layer.Scale.Variance().detach().sqrt();
        using var z = zMean + zStd * randn(n, 5, generator: gen);                         // [n, in]
        using var wTilde = layer.WeightMu.detach() + layer.WeightLogVariance.detach().mul(0.5).exp() * randn(n, 3, 5, generator: gen);
        using var w = wTilde * z.unsqueeze(1);                                             // [n, out, in]
        using var b = layer.BiasMu!.detach() + layer.BiasLogVariance!.detach().mul(0.5).exp() * randn(n, 3, generator: gen);
        using var mc = (w * x).sum(2) + b;

        // Closed form: E[h] = Σ x μ_z μ + μ_b; Var[h] = Σ x² ((μ_z² + σ_z²)σ² + σ_z² μ²) + σ²_b.
        using var expectedMean = nn.functional.linear(x.unsqueeze(0), layer.WeightMean().detach(), layer.BiasMu!.detach()).squeeze(0);
        using var expectedVar = nn.functional.linear(x.square().unsqueeze(0), layer.WeightVariance().detach(), layer.BiasLogVariance!.detach().exp()).squeeze(0);
        for (int j = 0; j < 3; j++)
        {
            double ev = expectedVar[j].item<float>(), em = expectedMean[j].item<float>();
            double se = Math.Sqrt(ev / n);
            Assert.InRange(h[.., j].mean().item<float>(), em - 5 * se, em + 5 * se);
            Assert.InRange(mc[.., j].mean().item<float>(), em - 5 * se, em + 5 * se);
            // The sample variance of 200,000 near-normal draws is within ±2 % of the truth (5 standard errors ≈ 1.6 %).
            Assert.InRange(h[.., j].var().item<float>(), ev * 0.97, ev * 1.03);
            Assert.InRange(mc[.., j].var().item<float>(), ev * 0.97, ev * 1.03);
        }
    }

    [Fact]
    public void Evaluation_forward_is_linear_with_posterior_mean_weights()
    {
        using var gen = new torch.Generator(5);
        using var layer = NoisyLayer(gen);
        layer.eval();
        using var x = randn(4, 5, generator: gen);
        using var expected = nn.functional.linear(x, layer.WeightMu.detach() * layer.Scale.Mean().detach().unsqueeze(0), layer.BiasMu!.detach());
        using var actual = layer.forward(x);
        Assert.True(actual.allclose(expected, rtol: 1e-6, atol: 1e-6));
        using var again = layer.forward(x);
        Assert.True(again.allclose(actual, rtol: 0, atol: 0), "The evaluation forward must be deterministic.");
    }

    [Fact]
    public void Evaluation_forward_with_masks_zeroes_pruned_rows_and_columns()
    {
        using var gen = new torch.Generator(6);
        using var layer = NoisyLayer(gen);
        layer.eval();
        layer.SetMasks(tensor(new[] { true, false, true, true, false }), tensor(new[] { true, true, false }));
        using var x = randn(4, 5, generator: gen);
        using var w = layer.WeightMean().detach().clone();
        using (no_grad())
        {
            w[.., 1] = 0; w[.., 4] = 0; w[2] = 0;
        }
        using var b = layer.BiasMu!.detach().clone();
        b[2] = 0;
        using var expected = nn.functional.linear(x, w, b);
        using var actual = layer.forward(x);
        Assert.True(actual.allclose(expected, rtol: 1e-6, atol: 1e-6));
        Assert.Equal(0f, actual[.., 2].abs().max().item<float>());
    }

    [Fact]
    public void Closed_form_weight_KL_gradient_equals_autograd()
    {
        using var gen = new torch.Generator(8);
        using var layer = NoisyLayer(gen);
        const double scale = 0.37;
        using (var kl = layer.WeightKL() * scale)
            kl.backward();
        var viaAutograd = layer.parameters().Select(p => p.grad?.clone()).ToArray();
        foreach (var p in layer.parameters()) p.grad = null;
        layer.AddWeightKLGradient(scale);
        var closedForm = layer.parameters().Select(p => p.grad?.clone()).ToArray();
        for (int i = 0; i < viaAutograd.Length; i++)
        {
            if (viaAutograd[i] is null) { Assert.Null(closedForm[i]); continue; }
            Assert.True(closedForm[i]!.allclose(viaAutograd[i]!, rtol: 1e-5, atol: 1e-7));
        }
    }

    [Fact]
    public void Variance_clipping_caps_weight_log_variances()
    {
        using var gen = new torch.Generator(9);
        var scale = new GroupNJScale(4, gen);
        using var layer = new BayesianLinear(randn(2, 4, generator: gen), null, scale, new LayerOptions { MaxVariance = 0.04 });
        using (no_grad()) layer.WeightLogVariance.fill_(0.5);
        layer.ClipVariances();
        Assert.Equal(Math.Log(0.04), layer.WeightLogVariance.max().item<float>(), 5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Bias_variances_are_clipped_only_when_asked(bool clipBiases)
    {
        using var gen = new torch.Generator(9);
        var scale = new GroupNJScale(4, gen);
        using var layer = new BayesianLinear(randn(2, 4, generator: gen), zeros(2), scale, new LayerOptions { MaxVariance = 0.04, ClipBiasVariance = clipBiases });
        using (no_grad()) layer.BiasLogVariance!.fill_(0.5);
        layer.ClipVariances();
        Assert.Equal(clipBiases ? Math.Log(0.04) : 0.5, layer.BiasLogVariance.max().item<float>(), 5);
        Assert.Equal(clipBiases ? Math.Log(0.04) : 0.5, layer.BiasLogVariance.min().item<float>(), 5);
    }

    [Fact]
    public void Layer_built_inside_a_dispose_scope_keeps_its_parameters()
    {
        BayesianLinear layer;
        using (NewDisposeScope())
        {
            using var plain = nn.Linear(3, 2);
            layer = BayesianLinear.FromLinear(plain, new GroupNJScale(3));
        }
        using (layer)
        {
            layer.eval();
            using var y = layer.forward(ones(1, 3));
            Assert.Equal(new long[] { 1, 2 }, y.shape);
        }
    }
}
