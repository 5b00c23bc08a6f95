using BayesGen.Generator.Helpers;

namespace BayesGen.Generator.Model;

/// <summary>Everything the emitters need about one annotated network, as equatable values.</summary>
/// <param name="Namespace">The namespace, or null for the global namespace.</param>
/// <param name="ContainingTypes">Enclosing type declarations, outermost first (e.g. "partial class Outer").</param>
/// <param name="ClassName">The network class's name.</param>
/// <param name="TypeParameters">Its type parameter list ("&lt;T&gt;"), or empty.</param>
/// <param name="Accessibility">"public", "internal", ...: the generated nested classes use the same.</param>
/// <param name="Prior">The class-level prior.</param>
/// <param name="Layers">The Linear and Conv2d fields made Bayesian, in data-flow (or declaration) order.</param>
/// <param name="Modules">The other module fields forward uses (BatchNorm, activations, pooling, dropout, flatten).</param>
/// <param name="Flow">The forward data flow as a chain, when it could be followed.</param>
/// <param name="InputShape">Dimensions from [InputShape], or empty.</param>
/// <param name="Forward">The forward method's parameter and body, and the usings it needs.</param>
/// <param name="HasParameterlessConstructor">Whether <c>new ClassName()</c> is accessible to nested types.</param>
internal sealed record NetworkModel(
    string? Namespace,
    EquatableArray<string> ContainingTypes,
    string ClassName,
    string TypeParameters,
    string Accessibility,
    PriorModel Prior,
    EquatableArray<LayerModel> Layers,
    EquatableArray<ModuleFieldModel> Modules,
    FlowModel Flow,
    EquatableArray<int> InputShape,
    ForwardModel Forward,
    bool HasParameterlessConstructor)
{
    /// <summary>The class as a type reference inside its own declaration ("Net" or "Net&lt;T&gt;").</summary>
    public string SelfType => ClassName + TypeParameters;

    /// <summary>The file name of the generated source: unique per type.</summary>
    public string HintName
    {
        get
        {
            var parts = new System.Collections.Generic.List<string>();
            if (Namespace is not null) parts.Add(Namespace);
            foreach (var c in ContainingTypes) parts.Add(c.Substring(c.LastIndexOf(' ') + 1));
            parts.Add(ClassName + TypeParameters);
            return string.Join(".", parts).Replace('<', '{').Replace('>', '}').Replace(" ", "") + ".BayesGen.g.cs";
        }
    }
}

/// <summary>The prior of a network or layer.</summary>
/// <param name="Kind">GroupNJ or Horseshoe.</param>
/// <param name="Tau0">The horseshoe's global scale (unused for GNJ).</param>
/// <param name="GlobalScale">HorseshoeGlobalScale as an integer.</param>
/// <param name="Statistic">HorseshoeStatistic as an integer.</param>
/// <param name="Threshold">The attribute's threshold, or NaN for the default.</param>
/// <param name="Initialization">HorseshoeInitialization as an integer.</param>
internal sealed record PriorModel(PriorKindModel Kind, double Tau0, int GlobalScale, int Statistic, double Threshold, int Initialization = 0);

internal enum PriorKindModel
{
    GroupNJ,
    Horseshoe,
}

/// <summary>A Linear or Conv2d field that becomes a Bayesian layer.</summary>
/// <param name="Name">The field's name.</param>
/// <param name="Kind">Linear or Conv2d.</param>
/// <param name="Prior">Its prior (the class's, or its own attribute's).</param>
/// <param name="MaxVariance">[ClipVariance], or null.</param>
/// <param name="Threshold">[PruneThreshold] or the prior attribute's threshold, or null.</param>
/// <param name="Sizes">Constant sizes when the initializer's arguments are compile-time constants.</param>
internal sealed record LayerModel(string Name, LayerKindModel Kind, PriorModel Prior, double? MaxVariance, double? Threshold, LayerSizes? Sizes);

internal enum LayerKindModel
{
    Linear,
    Conv2d,
}

/// <summary>
/// Compile-time sizes of a layer: Linear (in, out); Conv2d (in, out, kH, kW, sH, sW, pH, pW, dH, dW).
/// </summary>
internal sealed record LayerSizes(long In, long Out, EquatableArray<long> Conv);

/// <summary>A module field that forward uses and that is not made Bayesian.</summary>
/// <param name="Name">The field's name.</param>
/// <param name="Kind">What it is.</param>
/// <param name="TypeName">Its fully qualified type name.</param>
/// <param name="Features">BatchNorm's feature count when constant, else null.</param>
internal sealed record ModuleFieldModel(string Name, ModuleKind Kind, string TypeName, long? Features);

internal enum ModuleKind
{
    BatchNorm1d,
    BatchNorm2d,
    ReLU,
    Tanh,
    Sigmoid,
    LeakyReLU,
    Dropout,
    Identity,
    MaxPool2d,
    AvgPool2d,
    Flatten,
    LogSoftmax,
    Softmax,
}

/// <summary>The forward method as text to carry into the Bayesian model.</summary>
/// <param name="ParameterName">The name of forward's tensor parameter.</param>
/// <param name="Body">The body, a block (with braces) or an expression (after =>).</param>
/// <param name="IsExpressionBody">Whether <see cref="Body"/> is an expression.</param>
/// <param name="FileUsings">The file-level using directives of forward's file (not global ones).</param>
/// <param name="NamespaceUsings">The using directives inside the enclosing namespace declarations.</param>
internal sealed record ForwardModel(string ParameterName, string Body, bool IsExpressionBody, EquatableArray<string> FileUsings, EquatableArray<string> NamespaceUsings);
