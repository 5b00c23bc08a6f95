using TorchSharp.Modules;

namespace BayesGen;

/// <summary>
/// Parameters that step with <paramref name="LearningRateScale"/> times the optimiser's learning rate (1: the rate
/// itself), as a <c>torch.optim</c> parameter group with its own <c>lr</c>.
/// </summary>
public sealed record ParameterGroup(IEnumerable<Parameter> Parameters, double LearningRateScale = 1)
{
    /// <summary>The multiple of the learning rate; finite and &gt; 0.</summary>
    public double LearningRateScale { get; } = LearningRateScale > 0 && double.IsFinite(LearningRateScale)
        ? LearningRateScale
        : throw new ArgumentOutOfRangeException(nameof(LearningRateScale), LearningRateScale, "A learning-rate scale must be finite and > 0.");
}
