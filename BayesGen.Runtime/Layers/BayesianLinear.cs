using BayesGen.Priors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using BayesGen.Torch;

namespace BayesGen.Layers;

/// <summary>
/// A fully connected layer with one group scale z per input feature. Training forward (local
/// reparameterisation, z drawn per example and feature):
/// <code>
///   xz = x ⊙ z;   m = xz·μᵀ + μ_b;   v = xz²·σ²ᵀ + σ²_b;   h = m + √v ⊙ ε
/// </code>
/// Evaluation forward: <c>linear(x, E[w], μ_b)</c> with masks applied.
/// </summary>
public sealed class BayesianLinear : BayesianLayer
{
    /// <summary>Creates the layer around initial weight means <c>[out, in]</c> and bias means <c>[out]</c>.</summary>
    public BayesianLinear(Tensor weightMean, Tensor? biasMean, GroupScale scale, LayerOptions? options = null)
        : base(nameof(BayesianLinear), weightMean, biasMean, scale, options ?? new LayerOptions())
    {
        if (weightMean.dim() != 2)
            throw new ArgumentException($"A Linear weight has 2 dimensions [out, in]; got {weightMean.dim()}.", nameof(weightMean));
        if (scale.Groups != weightMean.shape[1])
            throw new ArgumentException($"A Linear layer has one group per input feature ({weightMean.shape[1]}); the scale has {scale.Groups}.", nameof(scale));
        InFeatures = weightMean.shape[1];
        OutFeatures = weightMean.shape[0];
    }

    /// <summary>
    /// Builds the Bayesian counterpart of an ordinary layer: μ starts at its weights (a pretrained start
    /// when it was trained, the usual initialisation otherwise) and μ_b at its bias.
    /// </summary>
    public static BayesianLinear FromLinear(Linear source, GroupScale scale, LayerOptions? options = null)
        => new(source.weight, source.bias, scale, options);

    /// <summary>Input features.</summary>
    public long InFeatures { get; }

    /// <summary>Output features.</summary>
    public long OutFeatures { get; }

    public override GroupLayout Layout => GroupLayout.Columns;

    public override LayerKind Kind => LayerKind.Linear;

    public override long InputUnits => InFeatures;

    public override long OutputUnits => OutFeatures;

    public override Tensor? BiasMean() => BiasMu?.alias();

    public override Tensor forward(Tensor input)
    {
        RequireInputUnits(input, (int)input.dim() - 1);
        if (!IsTraining)
        {
            using var d0 = NewDisposeScope();
            ObserveInput(input, axis: (int)input.dim() - 1);
            var output = nn.functional.linear(input, DeterministicWeight(), DeterministicBias()).MoveToOuterDisposeScope();
            return Recorded(input, output);
        }

        using var d = NewDisposeScope();
        var batch = input.shape[0];
        // One z per example and input feature; an input with more dimensions ([B, T, F]) shares it along them.
        var z = Scale.Sample(batch, NoiseGenerator);
        if (input.dim() > 2)
        {
            var shape = Enumerable.Repeat(1L, (int)input.dim()).ToArray();
            shape[0] = batch;
            shape[^1] = InFeatures;
            z = z.view(shape);
        }
        var (mean, variance) = PreActivationMoments(input, z);
        var eps = randn(mean.shape, dtype: mean.dtype, device: mean.device, generator: NoiseGenerator);
        return Recorded(input, mean.AddProduct_(variance.AddScalar_(VarianceFloor).sqrt_(), eps, 1.0).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The mean and variance of the pre-activations given the sampled scales <paramref name="z"/> (broadcast
    /// against the input): m = (x⊙z)·μᵀ + μ_b and v = (x⊙z)²·σ²ᵀ + σ²_b. What the training forward samples from;
    /// exposed for the equivalence check against the reference formulas.
    /// </summary>
    internal (Tensor Mean, Tensor Variance) PreActivationMoments(Tensor input, Tensor z)
    {
        var xz = input * z;
        return (nn.functional.linear(xz, WeightMu, BiasMu), nn.functional.linear(xz.square(), WeightLogVariance.exp(), BiasLogVariance?.exp()));
    }
}
