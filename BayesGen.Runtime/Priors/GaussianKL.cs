using TorchSharp;
using static TorchSharp.torch;
using BayesGen.Torch;

namespace BayesGen.Priors;

/// <summary>KL divergence of factorised Gaussians from the standard normal.</summary>
public static class GaussianKL
{
    /// <summary>
    /// Σ KL(N(μ, σ²) ‖ N(0, 1)) = Σ ½(−log σ² + σ² + μ² − 1), over all elements.
    /// </summary>
    /// <remarks>
    /// This is KL_w for both priors: with q(w | z) = N(zμ, z²σ²) and p(w | z) = N(0, z²) the z cancels,
    /// and the horseshoe's w̃ has an N(0, 1) prior directly. Biases use it too (N(0, 1) prior).
    /// </remarks>
    public static Tensor ToStandardNormal(Tensor mu, Tensor logVar)
    {
        using var scope = NewDisposeScope();
        var kl = (logVar.exp() - logVar).Plus(mu.square()).SubScalar(1.0).sum().MulScalar(0.5);
        return kl.MoveToOuterDisposeScope();
    }
}
