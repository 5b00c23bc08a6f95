using TorchSharp;

namespace BayesGen.Layers;

/// <summary>Per-layer settings of a Bayesian layer.</summary>
public sealed record LayerOptions
{
    /// <summary>Clip for the weight variances (log σ²_W ≤ log MaxVariance after every step), or null for none.</summary>
    public double? MaxVariance { get; init; }

    /// <summary>
    /// With <see cref="MaxVariance"/>, clip the bias variances at the same value too, as the reference code's
    /// <c>clip_var</c> does (the default; false: the weights' only, which BayesGen did before 2026-11-29 and its
    /// earlier published LeNet-300-100 runs used).
    /// </summary>
    public bool ClipBiasVariance { get; init; } = true;

    /// <summary>The pruning threshold, or null for the prior's default (GNJ: −3; horseshoe: histogram gap).</summary>
    public double? Threshold { get; init; }

    /// <summary>The initial log-variance of weights, biases and scales (the reference uses −9).</summary>
    public double InitialLogVariance { get; init; } = -9.0;

    /// <summary>The generator initial values are drawn from, or null for TorchSharp's default generator.</summary>
    public torch.Generator? InitGenerator { get; init; }
}
