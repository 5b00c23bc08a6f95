using TorchSharp;
using static TorchSharp.torch;
using BayesGen.Torch;

namespace BayesGen.Priors;

/// <summary>
/// The group Normal-Jeffreys prior's scale posterior q(z_i) = N(μ_z, σ²_z): dropout rate, KL and moments.
/// </summary>
public static class GroupNJMath
{
    /// <summary>Constants of Molchanov et al.'s approximation of −KL(q(z) ‖ p(z)).</summary>
    public const double K1 = 0.63576, K2 = 1.87320, K3 = 1.48695;

    /// <summary>Keeps log μ² finite when a group's mean reaches zero.</summary>
    public const double MeanEpsilon = 1e-8;

    /// <summary>log α_i = log σ²_zi − log(μ²_zi + 1e-8).</summary>
    public static Tensor LogAlpha(Tensor muZ, Tensor logVarZ)
    {
        using var scope = NewDisposeScope();
        return logVarZ.sub(muZ.square().AddScalar(MeanEpsilon).log()).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// KL_z = −Σ_i [k1·sigmoid(k2 + k3·log α_i) − ½·softplus(−log α_i) − k1] (positive; the paper's Eq. 9
    /// prints its negative).
    /// </summary>
    public static Tensor KL(Tensor logAlpha)
    {
        using var scope = NewDisposeScope();
        var negKl = logAlpha.MulScalar(K3).AddScalar(K2).sigmoid().MulScalar(K1).sub(nn.functional.softplus(-logAlpha).MulScalar(0.5)).SubScalar(K1);
        return (-negKl.sum()).MoveToOuterDisposeScope();
    }

    /// <summary>KL_z for one value of log α, in double precision (for tables and tests).</summary>
    public static double KL(double logAlpha)
    {
        double sigmoid = 1.0 / (1.0 + Math.Exp(-(K2 + K3 * logAlpha)));
        double softplus = Math.Log(1.0 + Math.Exp(-logAlpha));
        return -(K1 * sigmoid - 0.5 * softplus - K1);
    }
}
