using BayesGen.Priors;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Priors;

public class GaussianKLTests
{
    [Fact]
    public void KL_w_matches_hand_values()
    {
        // ½(−log σ² + σ² + μ² − 1): (μ=0.5, σ²=0.25) → ½(1.386294 + 0.25 + 0.25 − 1) = 0.443147;
        // (μ=0, σ²=1) → 0; (μ=−1, σ²=e^−9) → ½(9 + e^−9 + 1 − 1) = 4.500062.
        using var mu = tensor(new[] { 0.5, 0.0, -1.0 }, dtype: ScalarType.Float64);
        using var logVar = tensor(new[] { Math.Log(0.25), 0.0, -9.0 }, dtype: ScalarType.Float64);
        using var kl = GaussianKL.ToStandardNormal(mu, logVar);
        Assert.Equal(0.443147 + 0.0 + 4.500062, kl.item<double>(), 5);
    }

    [Fact]
    public void KL_w_agrees_with_monte_carlo()
    {
        // KL(q‖p) = E_q[log q(w) − log p(w)], estimated with 400,000 draws from q = N(0.3, 0.2²).
        const double mu = 0.3, sd = 0.2;
        using var gen = new torch.Generator(11);
        using var w = randn(400_000, dtype: ScalarType.Float64, generator: gen) * sd + mu;
        using var logQ = -0.5 * ((w - mu) / sd).square() - Math.Log(sd) - 0.5 * Math.Log(2 * Math.PI);
        using var logP = -0.5 * w.square() - 0.5 * Math.Log(2 * Math.PI);
        using var ratio = logQ - logP;
        double mc = ratio.mean().item<double>();
        double se = Math.Sqrt(ratio.var().item<double>() / 400_000);
        using var kl = GaussianKL.ToStandardNormal(tensor(new[] { mu }, dtype: ScalarType.Float64), tensor(new[] { Math.Log(sd * sd) }, dtype: ScalarType.Float64));
        // Within 4 standard errors of the Monte Carlo mean (se ≈ 0.001).
        Assert.InRange(kl.item<double>(), mc - 4 * se, mc + 4 * se);
    }
}
