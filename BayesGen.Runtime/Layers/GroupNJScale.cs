using BayesGen.Priors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using BayesGen.Torch;

namespace BayesGen.Layers;

/// <summary>
/// q(z_i) = N(μ_zi, σ²_zi) under the log-uniform (Normal-Jeffreys) prior p(z) ∝ 1/|z|.
/// </summary>
public sealed class GroupNJScale : GroupScale
{
    private readonly Parameter z_mu;
    private readonly Parameter z_logvar;

    /// <summary>
    /// Creates the posterior with the reference initialisation: μ_z ~ N(1, 0.01²), log σ²_z ~ N(−9, 0.01²)
    /// (so that every group starts "on", with almost no noise).
    /// </summary>
    public GroupNJScale(long groups, Generator? generator = null, double initialLogVariance = -9.0) : base(nameof(GroupNJScale), groups)
    {
        z_mu = Parameters.Normal(new[] { groups }, 1.0, 1e-2, generator);
        z_logvar = Parameters.Normal(new[] { groups }, initialLogVariance, 1e-2, generator);
        RegisterComponents();
    }

    /// <summary>μ_z, the posterior means of the group scales.</summary>
    public Parameter MeanParameter => z_mu;

    /// <summary>log σ²_z, the posterior log-variances of the group scales.</summary>
    public Parameter LogVarianceParameter => z_logvar;

    /// <inheritdoc/>
    public override IEnumerable<Parameter> LogVarianceParameters() => new[] { z_logvar };

    public override PriorKind Prior => PriorKind.GroupNJ;

    public override PruneDirection Direction => PruneDirection.Above;

    public override string StatisticName => "log α";

    public override Tensor Sample(long batch, Generator? generator)
    {
        using var d = NewDisposeScope();
        var eps = randn(new[] { batch, Groups }, dtype: z_mu.dtype, device: z_mu.device, generator: generator);
        return z_mu.AddProduct(eps, z_logvar.MulScalar(0.5).exp(), 1.0).MoveToOuterDisposeScope();
    }

    public override Tensor Mean() => z_mu.alias();

    public override Tensor Variance() => z_logvar.exp();

    /// <summary>log α_i = log σ²_zi − log(μ²_zi + 1e-8).</summary>
    public Tensor LogAlpha() => GroupNJMath.LogAlpha(z_mu, z_logvar);

    public override Tensor KL()
    {
        using var d = NewDisposeScope();
        return GroupNJMath.KL(LogAlpha()).MoveToOuterDisposeScope();
    }

    public override Tensor PruningStatistic() => LogAlpha();
}
