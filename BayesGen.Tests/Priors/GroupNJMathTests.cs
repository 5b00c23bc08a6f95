using BayesGen.Priors;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Priors;

public class GroupNJMathTests
{
    [Theory]
    // Hand-worked: KL = −[k1·σ(k2 + k3·la) − ½·softplus(−la) − k1].
    [InlineData(-3.0, 2.116)]
    [InlineData(0.0, 0.431)]
    [InlineData(3.0, 0.025)]
    public void KL_z_matches_known_values(double logAlpha, double expected)
    {
        Assert.Equal(expected, GroupNJMath.KL(logAlpha), 3);
        using var t = tensor(new[] { logAlpha }, dtype: ScalarType.Float64);
        using var kl = GroupNJMath.KL(t);
        Assert.Equal(expected, kl.item<double>(), 3);
    }

    [Fact]
    public void KL_z_is_positive_and_falls_as_dropout_rate_rises()
    {
        double previous = double.PositiveInfinity;
        for (double la = -8; la <= 8; la += 0.5)
        {
            double kl = GroupNJMath.KL(la);
            Assert.True(kl > 0, $"KL at log α = {la} is {kl}");
            Assert.True(kl < previous, $"KL at log α = {la} ({kl}) is not below the previous value ({previous})");
            previous = kl;
        }
    }

    [Fact]
    public void LogAlpha_is_log_variance_over_squared_mean()
    {
        using var mu = tensor(new[] { 1.0, 0.5, -2.0 }, dtype: ScalarType.Float64);
        using var logVar = tensor(new[] { -9.0, Math.Log(0.25), 0.0 }, dtype: ScalarType.Float64);
        using var la = GroupNJMath.LogAlpha(mu, logVar);
        var values = la.data<double>().ToArray();
        Assert.Equal(-9.0 - Math.Log(1.0 + 1e-8), values[0], 10);
        Assert.Equal(Math.Log(0.25) - Math.Log(0.25 + 1e-8), values[1], 10);
        Assert.Equal(-Math.Log(4.0 + 1e-8), values[2], 10);
    }

    [Fact]
    public void KL_z_gradient_matches_central_differences()
    {
        var rng = new Random(7);
        var mu = Enumerable.Range(0, 6).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var logVar = Enumerable.Range(0, 6).Select(_ => rng.NextDouble() * 6 - 5).ToArray();
        using var muT = tensor(mu, dtype: ScalarType.Float64).requires_grad_();
        using var lvT = tensor(logVar, dtype: ScalarType.Float64).requires_grad_();
        using (var kl = GroupNJMath.KL(GroupNJMath.LogAlpha(muT, lvT)))
            kl.backward();
        var gMu = muT.grad!.data<double>().ToArray();
        var gLv = lvT.grad!.data<double>().ToArray();

        static double F(double[] m, double[] v)
        {
            double sum = 0;
            for (int k = 0; k < m.Length; k++) sum += GroupNJMath.KL(v[k] - Math.Log(m[k] * m[k] + 1e-8));
            return sum;
        }
        const double h = 1e-6;
        for (int i = 0; i < mu.Length; i++)
        {
            var up = (double[])mu.Clone(); up[i] += h;
            var down = (double[])mu.Clone(); down[i] -= h;
            Assert.Equal((F(up, logVar) - F(down, logVar)) / (2 * h), gMu[i], 5);
            var upV = (double[])logVar.Clone(); upV[i] += h;
            var downV = (double[])logVar.Clone(); downV[i] -= h;
            Assert.Equal((F(mu, upV) - F(mu, downV)) / (2 * h), gLv[i], 5);
        }
    }
}
