using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace BayesGen.Generator.Diagnostics;

/// <summary>
/// Every diagnostic BayesGen reports, with stable IDs (never reused). Each message names the symbol, states
/// the rule, and gives the fix in parentheses. Release tracking: AnalyzerReleases.*.md.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "BayesGen";
    private static DiagnosticDescriptor Make(string id, string title, string message, DiagnosticSeverity severity)
        => new(id, title, message, Category, severity, isEnabledByDefault: true,
            description: "See docs/diagnostics.md in the BayesGen repository for " + id + ".");

    public static readonly DiagnosticDescriptor NotPartial = Make("BG0001", "Network class must be partial",
        "The network '{0}' must be declared partial so that BayesGen can add its Bayesian and Compressed models to it (add the 'partial' modifier)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor NotAModule = Make("BG0002", "Network must be a Module<Tensor, Tensor>",
        "'{0}' must derive from torch.nn.Module<Tensor, Tensor> to be made Bayesian; BayesGen networks take one tensor and return one (derive from Module<Tensor, Tensor>)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ConflictingPriors = Make("BG0003", "Conflicting prior attributes",
        "'{0}' carries both [GroupNJ] and [Horseshoe]; a network or a layer has one prior (remove one of the attributes)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor InvalidTau0 = Make("BG0004", "Invalid horseshoe scale",
        "The horseshoe scale tau0 of '{0}' is {1}; it must be finite and greater than 0 (the paper uses 1e-5)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor InvalidClip = Make("BG0005", "Invalid variance clip",
        "The variance clip of '{0}' is {1}; it must be finite and greater than 0 (the reference clips the first layer at 0.04)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor InvalidThreshold = Make("BG0006", "Invalid pruning threshold",
        "The pruning threshold of '{0}' is {1}; it must be a finite number (omit it to use the prior's default)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnsupportedLayer = Make("BG0007", "Unsupported module type",
        "'{0}' holds a {1}, which BayesGen cannot make Bayesian; it converts {2} (replace it, or keep it outside this network)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor SizesNotConstant = Make("BG0008", "Layer sizes are not compile-time constants",
        "The sizes of layer '{0}' are not compile-time constants, so BayesGen cannot check at compile time that it chains with its neighbours; the Bayesian model still reads the sizes from the network at run time (use constants to get the check)",
        DiagnosticSeverity.Info);

    public static readonly DiagnosticDescriptor SizeMismatch = Make("BG0009", "Layer sizes do not chain",
        "Layer '{0}' expects {1}, but {2} (make the sizes agree)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor NotRecordable = Make("BG0010", "Operation BayesGen cannot record",
        "BayesGen cannot record {1} in {0}.forward, so the graph that pruning and the compressed model follow cannot be built; the Bayesian model still trains (use an operation BayesGen records: {2})",
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor LayerUnused = Make("BG0012", "Module declared but not used",
        "'{0}' is declared but forward never uses it, so it is left out of the Bayesian model (remove it, or use it in forward)",
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor ForwardMissing = Make("BG0014", "No forward method",
        "'{0}' has no 'public override Tensor forward(Tensor)' method with a body, which BayesGen builds its Bayesian counterpart from (add the method)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor MemberNotCopyable = Make("BG0015", "forward uses a member that cannot be carried over",
        "forward of '{0}' uses '{1}', which the generated Bayesian counterpart cannot have: {2}",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor LayerMemberAccess = Make("BG0016", "forward uses a layer other than by calling it",
        "forward uses '{0}.{1}', but BayesGen replaces '{0}' by a Bayesian layer that can only be called (call it as {0}.forward(x))",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor NoBayesianLayer = Make("BG0017", "No Linear or convolution layer",
        "'{0}' holds no Linear or convolution layer that forward uses, so there is nothing to make Bayesian (add one, or remove the prior attribute)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnsupportedConvolution = Make("BG0018", "Unsupported convolution option",
        "Convolution '{0}' uses {1}, which BayesGen does not support (use zero padding, given as numbers or as Padding.Same with an odd kernel)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor AttributeOnNonLayer = Make("BG0019", "Layer attribute on a member that holds no layer",
        "[{0}] on '{1}' has no effect: it applies to layers and to members that hold layers (Sequential, ModuleList, blocks) (remove it)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor PriorWithoutNetwork = Make("BG0020", "Field prior without a network prior",
        "[{0}] on field '{1}' has no effect because '{2}' has no class-level [GroupNJ] or [Horseshoe] (put the prior on the class)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor InvalidInputShape = Make("BG0021", "Invalid input shape",
        "[InputShape] of '{0}' must list 1 to 4 positive dimensions, one example without the batch (for MNIST images: [InputShape(1, 28, 28)])",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Make("BG0022", "Containing type must be partial",
        "'{0}' is nested in '{1}', which must be declared partial too (add the 'partial' modifier to '{1}')",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor NameCollision = Make("BG0023", "Generated name already in use",
        "'{0}' has a member named '{1}', a name the generated Bayesian or Compressed class needs for itself (rename the member)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor InternalError = Make("BG0024", "Internal generator error",
        "BayesGen failed while generating the models of '{0}': {1} (please report this with the network's source)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ResolvedAtRunTime = Make("BG0025", "Module resolved at run time",
        "BayesGen cannot tell at compile time which module '{0}' holds; the Bayesian model converts whatever it holds when it is built, and an unsupported module is an error then (initialise it with a layer factory such as Conv2d(...), or declare its layer type, to have it checked now)",
        DiagnosticSeverity.Info);

    public static readonly DiagnosticDescriptor DataDependentControlFlow = Make("BG0026", "Control flow depends on tensor values or shapes",
        "{0}.forward decides '{1}' from {2}, so the recorded graph follows the path one sample input takes ({3})",
        DiagnosticSeverity.Warning);

    private static readonly Dictionary<string, DiagnosticDescriptor> All = typeof(DiagnosticDescriptors)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Select(f => f.GetValue(null)).OfType<DiagnosticDescriptor>().ToDictionary(d => d.Id);

    public static DiagnosticDescriptor ById(string id) => All[id];
}
