using System.Collections.Generic;
using System.Linq;
using System.Threading;
using BayesGen.Generator.Diagnostics;
using BayesGen.Generator.Helpers;
using BayesGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace BayesGen.Generator.Parsing;

/// <summary>What reading one module class gave: its model (null when it cannot be generated) and what it holds.</summary>
internal sealed record ClassReading(ModuleClassModel? Model, bool MayHoldLayers, bool UserCodeHasErrors);

/// <summary>
/// Reads one module class (the network or one of its blocks) in named steps: its forward method, carried over by
/// <see cref="ForwardRewriter"/>; its module members and what each holds where the source says it (an
/// initializer or a constructor assignment); the values forward reads; and the attributes that set layers'
/// priors, clips and thresholds. Each problem is reported once, on the syntax to edit.
/// </summary>
internal sealed class ModuleClassReader
{
    private readonly INamedTypeSymbol type;
    private readonly INamedTypeSymbol root;
    private readonly SemanticIndex index;
    private readonly List<DiagnosticInfo> diagnostics;
    private readonly CancellationToken cancellationToken;
    private bool mayHoldLayers;

    private ModuleClassReader(INamedTypeSymbol type, INamedTypeSymbol root, SemanticIndex index, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        this.type = type;
        this.root = root;
        this.index = index;
        this.diagnostics = diagnostics;
        this.cancellationToken = cancellationToken;
    }

    /// <summary>Reads <paramref name="type"/>, whose counterpart will be called <paramref name="counterpartName"/>, for the network <paramref name="root"/>.</summary>
    public static ClassReading Read(INamedTypeSymbol type, INamedTypeSymbol root, string counterpartName, IReadOnlyList<int> inputShape,
        SemanticIndex index, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        => new ModuleClassReader(type, root, index, diagnostics, cancellationToken).Read(counterpartName, inputShape);

    private SemanticModel ModelFor(SyntaxTree tree) => index.For(tree);

    private ClassReading Read(string counterpartName, IReadOnlyList<int> inputShape)
    {
        var forward = FindForward();
        if (forward is null)
        {
            var at = type.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<ClassDeclarationSyntax>().FirstOrDefault();
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ForwardMissing, LocationInfo.From(at?.Identifier.GetLocation()), type.Name));
            return new ClassReading(null, true, false);
        }
        var (method, syntax) = forward.Value;
        var model = ModelFor(syntax.SyntaxTree);
        if (HasErrors(syntax, model)) return new ClassReading(null, true, true);
        cancellationToken.ThrowIfCancellationRequested();

        var rewritten = ForwardRewriter.Rewrite(syntax, model, type, root, diagnostics, cancellationToken, ModelFor);
        cancellationToken.ThrowIfCancellationRequested();
        var members = Members(rewritten);
        CheckCreations();
        StaticShapes.Check(type, method, model.GetOperation(syntax, cancellationToken)!, inputShape, index, diagnostics, cancellationToken);
        var nullable = model.GetNullableContext(syntax.SpanStart);
        var directive = nullable.AnnotationsEnabled() && nullable.WarningsEnabled() ? "enable"
            : nullable.AnnotationsEnabled() ? "enable annotations"
            : nullable.WarningsEnabled() ? "enable warnings" : "disable";
        var forwardModel = new ForwardModel(method.Parameters[0].Name, rewritten.Body, rewritten.IsExpressionBody, directive, rewritten.Recordable)
        {
            Helpers = rewritten.Helpers.ToEquatableArray(),
        };
        var classModel = new ModuleClassModel(type.Name, Qualified(type), MetadataName(type), counterpartName, members.ToEquatableArray(), forwardModel);
        return new ClassReading(classModel, mayHoldLayers, false);
    }

    private static string Qualified(ISymbol symbol) => symbol.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

    /// <summary>Type.FullName of a (non-generic) type: Namespace.Outer+Inner.</summary>
    public static string MetadataName(INamedTypeSymbol type)
    {
        var name = type.MetadataName;
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType) name = outer.MetadataName + "+" + name;
        return type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + name : name;
    }

    // ---- forward ------------------------------------------------------------------------------------------

    private (IMethodSymbol, MethodDeclarationSyntax)? FindForward()
    {
        foreach (var method in type.GetMembers("forward").OfType<IMethodSymbol>())
        {
            if (method.IsStatic || !method.IsOverride || method.Parameters.Length != 1 || !KnownTypes.IsTensor(method.Parameters[0].Type) || !KnownTypes.IsTensor(method.ReturnType))
                continue;
            var syntax = method.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<MethodDeclarationSyntax>()
                .FirstOrDefault(m => m.Body is not null || m.ExpressionBody is not null);
            if (syntax is not null) return (method, syntax);
        }
        return null;
    }

    /// <summary>
    /// Whether forward (or the class's syntax) has compile errors: the compiler reports them, and generating from
    /// broken code would only repeat them inside generated files. The next edit that fixes them regenerates.
    /// </summary>
    private bool HasErrors(MethodDeclarationSyntax forward, SemanticModel model)
    {
        static bool IsError(Diagnostic d) => d.Severity == DiagnosticSeverity.Error;
        if (forward.GetDiagnostics().Any(IsError)) return true;
        foreach (var reference in type.DeclaringSyntaxReferences)
            if (reference.GetSyntax(cancellationToken).GetDiagnostics().Any(IsError)) return true;
        foreach (var outer in forward.Ancestors().OfType<BaseNamespaceDeclarationSyntax>())
            if (outer.Name.IsMissing || outer.Name.GetDiagnostics().Any(IsError)) return true;
        if (model.GetOperation(forward, cancellationToken) is not { } body) return true;
        foreach (var op in body.DescendantsAndSelf())
            if (op is IInvalidOperation || op.Type?.TypeKind == TypeKind.Error) return true;
        return false;
    }

    // ---- members ------------------------------------------------------------------------------------------

    /// <summary>Instance fields and auto-properties of the class and of its user base classes.</summary>
    private IEnumerable<(ISymbol Member, ITypeSymbol Type)> Storage()
    {
        for (var t = type; t is not null && !KnownTypes.IsTorchSharp(t); t = t.BaseType)
        {
            foreach (var field in t.GetMembers().OfType<IFieldSymbol>())
            {
                if (field.IsStatic || field.IsConst) continue;
                if (field.AssociatedSymbol is IPropertySymbol property) yield return (property, property.Type);
                else if (!field.IsImplicitlyDeclared) yield return (field, field.Type);
            }
        }
    }

    private List<MemberModel> Members(ForwardResult forward)
    {
        var result = new List<MemberModel>();
        var seen = new HashSet<string>();
        foreach (var (member, memberType) in Storage())
        {
            if (!seen.Add(member.Name)) continue;
            var settings = Settings(member);
            bool used = forward.Members.ContainsKey(member.Name);
            if (!KnownTypes.IsModule(memberType))
            {
                if (settings is not null) MisplacedAttributes(member, "it holds no layer");
                if (used) result.Add(Value(member, memberType));
                continue;
            }
            var held = Held(member, memberType);
            if (held.Contains(ModuleRole.Function) || held.Contains(ModuleRole.Norm))
            {
                if (settings is not null && !held.Any(r => r is ModuleRole.Layer or ModuleRole.Container or ModuleRole.Block))
                    MisplacedAttributes(member, "it holds no layer");
            }
            if (!used)
            {
                if (held.Any(r => r is ModuleRole.Layer or ModuleRole.Container or ModuleRole.Block))
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerUnused, Location(member), member.Name));
                continue;
            }
            if (held.Count == 0 || held.Any(r => r is ModuleRole.Layer or ModuleRole.Container or ModuleRole.Block)) mayHoldLayers = true;
            if (held.Contains(ModuleRole.Layer) && !LayerSizesConstant(member))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizesNotConstant, Location(member), member.Name));
            bool mayBeNull = memberType.NullableAnnotation != NullableAnnotation.NotAnnotated;
            if (KnownTypes.ModuleListElement(memberType) is { } element)
            {
                var elementType = KnownTypes.IsTensorModule(element) ? "global::TorchSharp.torch.nn.Module<global::TorchSharp.torch.Tensor, global::TorchSharp.torch.Tensor>" : "global::TorchSharp.torch.nn.Module";
                result.Add(new MemberModel(member.Name, MemberKind.ModuleList, $"global::TorchSharp.Modules.ModuleList<{elementType}>", elementType, Direct(member), settings) { MayBeNull = mayBeNull });
            }
            else if (KnownTypes.DerivesFromModules(memberType, "Sequential"))
                result.Add(new MemberModel(member.Name, MemberKind.Sequential, "global::TorchSharp.Modules.Sequential", "", Direct(member), settings) { MayBeNull = mayBeNull });
            else if (KnownTypes.IsTensorModule(memberType) || IsPlainModule(memberType))
                result.Add(new MemberModel(member.Name, MemberKind.Module, "global::TorchSharp.torch.nn.Module<global::TorchSharp.torch.Tensor, global::TorchSharp.torch.Tensor>", "", Direct(member), settings) { MayBeNull = mayBeNull });
            else if (!held.Contains(ModuleRole.Unsupported))   // else already reported where the module is created
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedLayer, Location(member), member.Name, memberType.Name, KnownTypes.SupportedList));
        }
        // Members forward reads that hold no storage of their own: computed properties.
        foreach (var pair in forward.Members)
        {
            var (name, symbol) = (pair.Key, pair.Value);
            if (seen.Contains(name) || symbol is not IPropertySymbol { GetMethod: not null } property) continue;
            seen.Add(name);
            if (KnownTypes.IsModule(property.Type))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberNotCopyable, Location(property), type.Name, name,
                    "it is a computed property, which gives a module without holding it (hold the module in a field or an auto-property)"));
            else
                result.Add(Value(property, property.Type));
        }
        return result;
    }

    private static bool IsPlainModule(ITypeSymbol t) => t is INamedTypeSymbol { Name: "Module", Arity: 0 } && KnownTypes.IsTorchSharp(t);

    private MemberModel Value(ISymbol member, ITypeSymbol memberType)
        => new(member.Name, MemberKind.Value, Qualified(memberType), "", Direct(member), null);

    private bool Direct(ISymbol member) => index.Compilation.IsSymbolAccessibleWithin(member, root) && SymbolEqualityComparer.Default.Equals(type, root);

    private static LocationInfo? Location(ISymbol member)
    {
        var syntax = member.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax();
        return syntax switch
        {
            VariableDeclaratorSyntax v => LocationInfo.From(v.Identifier.GetLocation()),
            PropertyDeclarationSyntax p => LocationInfo.From(p.Identifier.GetLocation()),
            _ => LocationInfo.From(syntax),
        };
    }

    /// <summary>
    /// What the member holds, from its declared type and every expression assigned to it in the class (its
    /// initializer, constructor assignments): the roles found; empty when nothing tells.
    /// </summary>
    private List<ModuleRole> Held(ISymbol member, ITypeSymbol declared)
    {
        var roles = new List<ModuleRole>();
        if (KnownTypes.RoleOf(declared) is { } declaredRole) roles.Add(declaredRole);
        var values = AssignedValues(member).SelectMany(Alternatives).ToList();
        foreach (var value in values)
        {
            var role = KnownTypes.RoleOf(Constants.Unwrap(value).Type);
            if (role is { } r) roles.Add(r);
        }
        if (roles.Contains(ModuleRole.Unsupported))
        {
            var unsupported = values.FirstOrDefault(v => KnownTypes.RoleOf(Constants.Unwrap(v).Type) == ModuleRole.Unsupported);
            var name = unsupported is not null ? Constants.Unwrap(unsupported).Type!.Name : declared.Name;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedLayer,
                unsupported is not null ? LocationInfo.From(unsupported.Syntax) : Location(member), member.Name, name, KnownTypes.SupportedList));
        }
        else if (roles.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ResolvedAtRunTime, Location(member), member.Name));
        }
        return roles;
    }

    /// <summary>The values an expression may have: both branches of a conditional, both sides of a ??.</summary>
    private static IEnumerable<IOperation> Alternatives(IOperation value)
    {
        var unwrapped = Constants.Unwrap(value);
        switch (unwrapped)
        {
            case IConditionalOperation { WhenFalse: not null } conditional:
                return Alternatives(conditional.WhenTrue).Concat(Alternatives(conditional.WhenFalse));
            case ICoalesceOperation coalesce:
                return Alternatives(coalesce.Value).Concat(Alternatives(coalesce.WhenNull));
            default:
                return new[] { unwrapped };
        }
    }

    /// <summary>Whether every layer creation assigned to the member gives its sizes as constants.</summary>
    private bool LayerSizesConstant(ISymbol member)
    {
        foreach (var value in AssignedValues(member))
        {
            if (Constants.Unwrap(value) is not IInvocationOperation factory || KnownTypes.RoleOf(factory.Type) != ModuleRole.Layer) continue;
            var sizes = new[] { "inputSize", "outputSize", "in_channels", "out_channels" }
                .Select(n => Constants.Argument(factory, n)).Where(a => a is not null);
            if (sizes.Any(a => Constants.Long(a) is null)) return false;
        }
        return true;
    }

    /// <summary>The initializer of a member and the right-hand sides of assignments to it in the class's code.</summary>
    private IEnumerable<IOperation> AssignedValues(ISymbol member) => index.AssignedValues(member);

    /// <summary>
    /// Modules created anywhere in the class (a Sequential's contents, a list built in a loop): an unsupported
    /// TorchSharp module is an error where it is created; a convolution's options are checked there.
    /// </summary>
    private void CheckCreations()
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            var declaration = reference.GetSyntax(cancellationToken);
            var model = ModelFor(declaration.SyntaxTree);
            foreach (var node in declaration.DescendantNodes())
            {
                if (node is not (InvocationExpressionSyntax or BaseObjectCreationExpressionSyntax)) continue;
                if (node.Ancestors().OfType<MethodDeclarationSyntax>().FirstOrDefault() is { Identifier.Text: "forward" }) continue;
                var created = model.GetTypeInfo(node, cancellationToken).Type;
                if (created is null || !KnownTypes.IsTensorModule(created) || !KnownTypes.IsTorchSharp(created)) continue;
                var role = KnownTypes.RoleOf(created);
                if (role == ModuleRole.Unsupported)
                {
                    var at = LocationInfo.From(node);
                    if (!diagnostics.Any(d => d.Id == DiagnosticDescriptors.UnsupportedLayer.Id && d.Location == at))
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedLayer, at, node.ToString(), created.Name, KnownTypes.SupportedList));
                    continue;
                }
                if (created.Name is "Conv1d" or "Conv2d" && model.GetOperation(node, cancellationToken) is IInvocationOperation conv)
                    CheckConvolution(conv, created.Name);
            }
        }
    }

    private void CheckConvolution(IInvocationOperation conv, string name)
    {
        var label = conv.Syntax.ToString();
        if (Constants.ExplicitArgument(conv, "padding_mode") is { } mode && Constants.Long(mode.Value) is long m && m != 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedConvolution, LocationInfo.From(mode.Syntax), label, "a padding mode other than zeros"));
        if (Constants.ExplicitArgument(conv, "padding") is { } padding && Constants.Unwrap(padding.Value).Type?.Name == "Padding"
            && Constants.Long(padding.Value) == 1 /* Padding.Same */)
        {
            var kernel = Constants.Pair(Constants.Argument(conv, "kernel_size", "kernelSize"));
            var dilation = Constants.Argument(conv, "dilation") is { } d && !Constants.IsNull(d) ? Constants.Pair(d) : new long[] { 1, 1 };
            if (kernel is not null && dilation is not null && (dilation[0] * (kernel[0] - 1) % 2 != 0 || dilation[1] * (kernel[1] - 1) % 2 != 0))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedConvolution, LocationInfo.From(padding.Syntax), label, "Padding.Same with an even kernel, which pads unevenly"));
        }
    }

    // ---- attributes ---------------------------------------------------------------------------------------

    private LayerSettingsModel? Settings(ISymbol member)
    {
        var prior = AttributeReader.ReadPrior(member, diagnostics, out _);
        double? clip = null, threshold = null;
        if (AttributeReader.Find(member, KnownTypes.ClipVarianceAttribute) is { } clipAttribute)
        {
            double value = clipAttribute.ConstructorArguments.FirstOrDefault().Value is double d ? d : double.NaN;
            if (!(value > 0) || double.IsInfinity(value))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidClip, AttributeReader.ArgumentLocation(clipAttribute, 0), member.Name, AttributeReader.Format(value)));
            else clip = value;
        }
        if (AttributeReader.Find(member, KnownTypes.PruneThresholdAttribute) is { } thresholdAttribute)
        {
            double value = thresholdAttribute.ConstructorArguments.FirstOrDefault().Value is double d ? d : double.NaN;
            if (double.IsNaN(value) || double.IsInfinity(value))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidThreshold, AttributeReader.ArgumentLocation(thresholdAttribute, 0), member.Name, AttributeReader.Format(value)));
            else threshold = value;
        }
        return prior is null && clip is null && threshold is null ? null : new LayerSettingsModel(prior, clip, threshold);
    }

    private void MisplacedAttributes(ISymbol member, string why)
    {
        foreach (var name in new[] { KnownTypes.GroupNJAttribute, KnownTypes.HorseshoeAttribute, KnownTypes.ClipVarianceAttribute, KnownTypes.PruneThresholdAttribute })
        {
            if (AttributeReader.Find(member, name) is { } misplaced)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.AttributeOnNonLayer, AttributeReader.LocationOf(misplaced),
                    misplaced.AttributeClass!.Name.Replace("Attribute", ""), member.Name));
        }
    }
}
