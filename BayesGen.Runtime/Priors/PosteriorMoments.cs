using BayesGen.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Priors;

/// <summary>
/// Moments of w = z·w̃ with independent z (one per group) and w̃ ~ N(μ, σ²), shared by both priors:
/// E[w] = E[z]·μ and Var[w] = E[z]²σ² + Var[z](μ² + σ²). For GNJ, E[z] = μ_z and Var[z] = σ²_z, which gives
/// the reference formula μ_z²σ² + σ_z²μ² + σ_z²σ².
/// </summary>
public static class PosteriorMoments
{
    /// <summary>
    /// Reshapes a per-group vector so that it broadcasts against a weight of the given layout:
    /// <c>[1, in]</c> for a Linear weight <c>[out, in]</c> (groups are columns) and <c>[C_out, 1, 1, 1]</c>
    /// for a convolution weight (groups are filters).
    /// </summary>
    public static Tensor AlongGroups(Tensor perGroup, GroupLayout layout, int weightRank)
    {
        if (layout == GroupLayout.Columns)
            return perGroup.reshape(1, -1);
        var shape = new long[weightRank];
        shape[0] = -1;
        for (int i = 1; i < weightRank; i++) shape[i] = 1;
        return perGroup.reshape(shape);
    }

    /// <summary>E[w] = E[z]·μ with z broadcast along the layer's groups.</summary>
    public static Tensor Mean(Tensor meanZ, Tensor mu, GroupLayout layout)
    {
        using var d = NewDisposeScope();
        return (AlongGroups(meanZ, layout, (int)mu.dim()) * mu).MoveToOuterDisposeScope();
    }

    /// <summary>Var[w] = E[z]²σ² + Var[z](μ² + σ²) with z broadcast along the layer's groups.</summary>
    public static Tensor Variance(Tensor meanZ, Tensor varianceZ, Tensor mu, Tensor variance, GroupLayout layout)
    {
        using var d = NewDisposeScope();
        int rank = (int)mu.dim();
        var ez = AlongGroups(meanZ, layout, rank);
        var vz = AlongGroups(varianceZ, layout, rank);
        return (ez.square() * variance).Plus(vz * mu.square().Plus(variance)).MoveToOuterDisposeScope();
    }
}

/// <summary>Which axis of a weight a group of the scale prior runs along.</summary>
public enum GroupLayout
{
    /// <summary>Groups are columns (input neurons) of a Linear weight <c>[out, in]</c>.</summary>
    Columns = 0,

    /// <summary>Groups are filters (output channels) of a convolution weight <c>[C_out, C_in, kH, kW]</c>.</summary>
    Filters = 1,
}
