using BayesGen.Generator.Helpers;

namespace BayesGen.Generator.Model;

/// <summary>Everything the emitters need about one annotated network, as equatable values.</summary>
/// <param name="Namespace">The namespace, or null for the global namespace.</param>
/// <param name="ContainingTypes">Enclosing type declarations, outermost first (e.g. "partial class Outer").</param>
/// <param name="ClassName">The network class's name.</param>
/// <param name="TypeParameters">Its type parameter list ("&lt;T&gt;"), or empty.</param>
/// <param name="Accessibility">"public", "internal", ...: the generated nested classes use the same.</param>
/// <param name="Prior">The class-level prior.</param>
/// <param name="InputShape">Dimensions from [InputShape], or empty.</param>
/// <param name="Root">The network class itself: its module members and forward.</param>
/// <param name="Blocks">The user's module classes the network uses (directly or through other blocks).</param>
/// <param name="HasParameterlessConstructor">Whether <c>new ClassName()</c> is accessible to nested types.</param>
internal sealed record NetworkModel(
    string? Namespace,
    EquatableArray<string> ContainingTypes,
    string ClassName,
    string TypeParameters,
    string Accessibility,
    PriorModel Prior,
    EquatableArray<int> InputShape,
    ModuleClassModel Root,
    EquatableArray<ModuleClassModel> Blocks,
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

/// <summary>A module class whose Bayesian counterpart is generated: the network itself or one of its blocks.</summary>
/// <param name="DisplayName">The class's name as written (for messages and names).</param>
/// <param name="FullyQualifiedName">The type with global:: (for the network's constructor parameter).</param>
/// <param name="MetadataName">Type.FullName at run time ("NS.Outer+Block"): how the conversion finds the counterpart.</param>
/// <param name="CounterpartName">The generated class's name (the network's is "Bayesian").</param>
/// <param name="Members">The module members and the values forward reads.</param>
/// <param name="Forward">forward, rewritten for the counterpart.</param>
internal sealed record ModuleClassModel(
    string DisplayName,
    string FullyQualifiedName,
    string MetadataName,
    string CounterpartName,
    EquatableArray<MemberModel> Members,
    ForwardModel Forward);

/// <summary>What a member of a module class is to the generated counterpart.</summary>
internal enum MemberKind
{
    /// <summary>A module (any Module&lt;Tensor, Tensor&gt;): converted by what it holds at run time.</summary>
    Module,
    /// <summary>A Sequential (declared as one): converted child by child, still a Sequential.</summary>
    Sequential,
    /// <summary>A ModuleList: converted element by element.</summary>
    ModuleList,
    /// <summary>A value forward reads (a number, an array, a setting): copied.</summary>
    Value,
}

/// <summary>One member of a module class as the counterpart holds it.</summary>
/// <param name="Name">The member's name (a field of the same name in the counterpart).</param>
/// <param name="Kind">What it is.</param>
/// <param name="FieldType">The counterpart field's type, fully qualified.</param>
/// <param name="ElementType">A ModuleList's element type, fully qualified; else empty.</param>
/// <param name="DirectAccess">Whether generated code can read the member directly (else it reads it by reflection).</param>
/// <param name="Settings">Layer settings from attributes on the member, or null.</param>
internal sealed record MemberModel(string Name, MemberKind Kind, string FieldType, string ElementType, bool DirectAccess, LayerSettingsModel? Settings)
{
    /// <summary>
    /// Whether the member may hold null (declared with <c>?</c>, or where nullable annotations are off), as torchvision's
    /// <c>downsample</c> does in the blocks that have none: its counterpart is then null too.
    /// </summary>
    public bool MayBeNull { get; init; }
}

/// <summary>Attributes on a member that set its layers' prior, variance clip or threshold.</summary>
internal sealed record LayerSettingsModel(PriorModel? Prior, double? MaxVariance, double? Threshold);

/// <summary>forward as text for the counterpart.</summary>
/// <param name="ParameterName">The name of forward's tensor parameter.</param>
/// <param name="Body">The body, a block (with braces) or an expression (after =>), every name fully qualified and
/// every tensor operation rewritten into BayesGen's recorded operations.</param>
/// <param name="IsExpressionBody">Whether <see cref="Body"/> is an expression.</param>
/// <param name="NullableDirective">The nullable context at the method ("enable", "disable", …): the body is emitted in the same context.</param>
/// <param name="Recordable">Whether every tensor operation could be rewritten (else the graph cannot be recorded).</param>
internal sealed record ForwardModel(string ParameterName, string Body, bool IsExpressionBody, string NullableDirective, bool Recordable)
{
    /// <summary>The class's own methods forward calls, carried over as whole declarations (rewritten like the body).</summary>
    public EquatableArray<string> Helpers { get; init; } = EquatableArray<string>.Empty;
}
