namespace BayesGen;

/// <summary>
/// Puts the group Normal-Jeffreys prior (BC-GNJ, "group variational dropout") on every Linear and Conv2d
/// layer of a partial TorchSharp module. The source generator then emits the nested <c>Bayesian</c>
/// training model and the <c>Compressed</c> deployment model for the class.
/// </summary>
/// <remarks>
/// On a field it overrides the class-level prior for that one layer (for example a GNJ layer inside a
/// horseshoe network). Groups are input neurons of a Linear layer and output channels of a convolution;
/// a group is pruned when its log α = log σ²_z − log μ²_z reaches the layer's threshold.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Field | AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class GroupNJAttribute : Attribute
{
    /// <summary>The default pruning threshold on log α (keep a group while log α &lt; threshold).</summary>
    public const double DefaultThreshold = -3.0;

    /// <summary>
    /// Pruning threshold on log α for the layers this attribute covers; NaN (the default) means
    /// <see cref="DefaultThreshold"/> unless a <see cref="PruneThresholdAttribute"/> or a run-time
    /// override says otherwise.
    /// </summary>
    public double Threshold { get; set; } = double.NaN;
}
