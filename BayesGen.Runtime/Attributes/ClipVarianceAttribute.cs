namespace BayesGen;

/// <summary>
/// Clips the posterior weight variances of one layer after every optimiser step:
/// <c>log σ²_W ≤ log(maxVariance)</c>. The reference code clips the first layer of LeNet-300-100 at 0.04.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class ClipVarianceAttribute : Attribute
{
    /// <summary>Creates the attribute; <paramref name="maxVariance"/> must be finite and &gt; 0.</summary>
    public ClipVarianceAttribute(double maxVariance) => MaxVariance = maxVariance;

    /// <summary>The largest posterior variance a weight of this layer may have.</summary>
    public double MaxVariance { get; }
}
