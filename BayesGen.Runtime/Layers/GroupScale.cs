using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BayesGen.Layers;

/// <summary>
/// The posterior over a layer's multiplicative group scales z (one per input neuron of a Linear layer, one
/// per output channel of a convolution): what differs between the group Normal-Jeffreys and the group
/// horseshoe prior. The weights given z are handled the same way by <see cref="BayesianLayer"/>.
/// </summary>
public abstract class GroupScale : nn.Module
{
    /// <summary>Creates the scale posterior for <paramref name="groups"/> groups.</summary>
    protected GroupScale(string name, long groups) : base(name)
    {
        if (groups <= 0) throw new ArgumentOutOfRangeException(nameof(groups), groups, "A layer needs at least one group.");
        Groups = groups;
    }

    /// <summary>The number of groups.</summary>
    public long Groups { get; }

    /// <summary>The prior this posterior belongs to.</summary>
    public abstract PriorKind Prior { get; }

    /// <summary>Draws z for every example and group: shape <c>[batch, Groups]</c>, differentiable.</summary>
    public abstract Tensor Sample(long batch, Generator? generator);

    /// <summary>E[z], shape <c>[Groups]</c>.</summary>
    public abstract Tensor Mean();

    /// <summary>Var[z], shape <c>[Groups]</c>.</summary>
    public abstract Tensor Variance();

    /// <summary>KL(q(z) ‖ p(z)) summed over the layer, a scalar (for the horseshoe it includes the layer scale).</summary>
    public abstract Tensor KL();

    /// <summary>The per-group statistic pruning thresholds compare against, shape <c>[Groups]</c>.</summary>
    public abstract Tensor PruningStatistic();

    /// <summary>Whether a group is pruned when its statistic is above (GNJ's log α) or below the threshold.</summary>
    public abstract PruneDirection Direction { get; }

    /// <summary>A short name of the statistic for tables and plots, e.g. "log α".</summary>
    public abstract string StatisticName { get; }

    /// <summary>
    /// <see cref="PruningStatistic"/> as float32 numbers on the CPU, whatever the device and floating type the layer
    /// computes in: what histograms, threshold rules and the held-out search read.
    /// </summary>
    public float[] PruningStatisticValues()
    {
        using var d = NewDisposeScope();
        return PruningStatistic().detach().cpu().to(ScalarType.Float32).data<float>().ToArray();
    }

    /// <summary>
    /// Keeps each group whose statistic lies on the kept side of <paramref name="threshold"/>: a bool tensor
    /// of shape <c>[Groups]</c>.
    /// </summary>
    public Tensor KeptGroups(double threshold)
    {
        using var d = NewDisposeScope();
        using var s = PruningStatistic().detach();
        using var limit = threshold.ToScalar();
        var kept = Direction == PruneDirection.Above ? s.lt(limit) : s.gt(limit);
        return kept.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The log-variance parameters of this posterior: what <see cref="Training.TrainingOptions.LogVarianceLearningRateScale"/>
    /// steps faster.
    /// </summary>
    public abstract IEnumerable<Parameter> LogVarianceParameters();

    /// <summary>Clamps variational parameters to their valid range after an optimiser step (none by default).</summary>
    public virtual void ClampAfterStep() { }
}

/// <summary>The two group priors of the paper.</summary>
public enum PriorKind
{
    /// <summary>Group Normal-Jeffreys (BC-GNJ).</summary>
    GroupNJ = 0,

    /// <summary>Group horseshoe (BC-GHS).</summary>
    Horseshoe = 1,
}

/// <summary>On which side of the threshold a group's statistic means "noise, remove the group".</summary>
public enum PruneDirection
{
    /// <summary>Pruned when the statistic reaches the threshold (log α ≥ t).</summary>
    Above = 0,

    /// <summary>Pruned when the statistic falls to the threshold or below (E[log z] ≤ t).</summary>
    Below = 1,
}
