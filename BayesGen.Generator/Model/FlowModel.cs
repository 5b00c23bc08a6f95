using BayesGen.Generator.Helpers;

namespace BayesGen.Generator.Model;

/// <summary>
/// forward's data flow: a chain of steps from the input to the output, or, when it is not a chain BayesGen
/// understands, the reason why not.
/// </summary>
internal sealed record FlowModel(bool Followable, EquatableArray<FlowStep> Steps, string? Reason)
{
    public static FlowModel NotFollowable(string reason) => new(false, EquatableArray<FlowStep>.Empty, reason);
}

/// <summary>One step of the chain.</summary>
/// <param name="Kind">What the step does.</param>
/// <param name="Field">The field it calls (layers and module fields), else null.</param>
/// <param name="Parameter">A real parameter: leaky ReLU's slope, dropout's probability.</param>
/// <param name="Pool">Pooling numbers kH, kW, sH, sW, pH, pW, ceil (0/1) for functional pooling.</param>
internal sealed record FlowStep(FlowStepKind Kind, string? Field, double Parameter, EquatableArray<long> Pool);

internal enum FlowStepKind
{
    /// <summary>A Bayesian layer (Linear or Conv2d) field.</summary>
    Layer,
    /// <summary>A BatchNorm field.</summary>
    Norm,
    /// <summary>A parameter-free module field (activation, pooling, dropout, flatten, softmax).</summary>
    Module,
    Relu,
    Tanh,
    Sigmoid,
    LeakyRelu,
    MaxPool,
    AvgPool,
    Flatten,
    Dropout,
    LogSoftmax,
    Softmax,
}
