using System.Collections.Generic;
using System.Linq;
using System.Threading;
using BayesGen.Generator.Diagnostics;
using BayesGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace BayesGen.Generator.Parsing;

/// <summary>What rewriting one forward method produced.</summary>
internal sealed class ForwardResult
{
    public string Body { get; set; } = "";
    public bool IsExpressionBody { get; set; }
    public bool Recordable { get; set; } = true;
    /// <summary>Instance members of the class (or its user base classes) forward reads, by name.</summary>
    public Dictionary<string, ISymbol> Members { get; } = new();
    /// <summary>The class's own methods forward calls (and those they call), rewritten like forward for the counterpart.</summary>
    public List<string> Helpers { get; } = new();

    internal HashSet<IMethodSymbol> Carried { get; } = new(SymbolEqualityComparer.Default);
    internal HashSet<string> RefusedHolders { get; } = new();
    internal Queue<IMethodSymbol> Pending { get; } = new();
}

/// <summary>
/// Carries a module class's forward method into its generated counterpart, as ComputeSharp carries a shader: a
/// <see cref="CSharpSyntaxRewriter"/> guided by the semantic model. Every type and static member becomes fully
/// qualified (so the generated file needs none of the user's usings or aliases), constants of user types become
/// literals, and every tensor operation becomes the matching call of <c>BayesGen.Tracing.Ops</c>, which computes
/// the same thing and records it into the network's graph. What cannot be carried or recorded is reported on the
/// smallest piece of syntax to edit.
/// </summary>
internal sealed class ForwardRewriter : CSharpSyntaxRewriter
{
    private readonly SemanticModel model;
    private readonly INamedTypeSymbol owner;
    private readonly INamedTypeSymbol generatedWithin;
    private readonly List<DiagnosticInfo> diagnostics;
    private readonly CancellationToken cancellationToken;
    private readonly ForwardResult result;

    private ForwardRewriter(SemanticModel model, INamedTypeSymbol owner, INamedTypeSymbol generatedWithin, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken,
        ForwardResult result)
        : base(visitIntoStructuredTrivia: false)
    {
        this.model = model;
        this.owner = owner;
        this.generatedWithin = generatedWithin;
        this.diagnostics = diagnostics;
        this.cancellationToken = cancellationToken;
        this.result = result;
    }

    /// <summary>Rewrites the body of <paramref name="forward"/>, a method of <paramref name="owner"/>, for code generated inside <paramref name="generatedWithin"/>.</summary>
    /// <remarks>The class's own methods that forward calls (a torchvision-style <c>ForwardImpl</c>, a <c>Stage(conv, x)</c>
    /// helper) are carried over too, each rewritten the same way, so what they compute is recorded as well.</remarks>
    public static ForwardResult Rewrite(MethodDeclarationSyntax forward, SemanticModel model, INamedTypeSymbol owner, INamedTypeSymbol generatedWithin,
        List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken, System.Func<SyntaxTree, SemanticModel> modelFor)
    {
        var result = new ForwardResult();
        var rewriter = new ForwardRewriter(model, owner, generatedWithin, diagnostics, cancellationToken, result);
        if (forward.Body is { } body)
        {
            result.Body = Reindent((BlockSyntax)rewriter.Visit(body)!);
        }
        else
        {
            result.IsExpressionBody = true;
            result.Body = ((ExpressionSyntax)rewriter.Visit(forward.ExpressionBody!.Expression)!).ToString();
        }
        while (result.Pending.Count > 0)
        {
            var method = result.Pending.Dequeue();
            var syntax = method.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<MethodDeclarationSyntax>()
                .FirstOrDefault(m => m.Body is not null || m.ExpressionBody is not null);
            if (syntax is null) continue;   // a partial method without a body: the compiler reports its calls
            var helper = new ForwardRewriter(modelFor(syntax.SyntaxTree), owner, generatedWithin, diagnostics, cancellationToken, result);
            result.Helpers.Add(helper.CarryOver(syntax));
        }
        return result;
    }

    /// <summary>
    /// Whether <paramref name="method"/> is one of the class's own methods, or a non-virtual one of a base class of
    /// the user's (a virtual one could be overridden where the copy would not see it), which the counterpart gets a
    /// copy of.
    /// </summary>
    private bool IsHelper(IMethodSymbol method)
    {
        if (method.MethodKind != MethodKind.Ordinary || method.Name == "forward" || method.IsAbstract || method.IsExtern
            || method.DeclaringSyntaxReferences.Length == 0 || method.ContainingType is not { } declaring)
            return false;
        if (SymbolEqualityComparer.Default.Equals(declaring.OriginalDefinition, owner.OriginalDefinition)) return true;
        if (method.IsVirtual || method.IsOverride) return false;
        for (var t = owner.BaseType; t is not null && !KnownTypes.IsTorchSharp(t); t = t.BaseType)
            if (SymbolEqualityComparer.Default.Equals(declaring.OriginalDefinition, t.OriginalDefinition)) return true;
        return false;
    }

    private void Carry(IMethodSymbol method)
    {
        var definition = method.ReducedFrom ?? method.OriginalDefinition;
        if (result.Carried.Add(definition)) result.Pending.Enqueue(definition);
    }

    /// <summary>
    /// A helper method as the counterpart declares it: private (static if it was), its types fully qualified, its body
    /// rewritten. A parameter typed as a particular layer (<c>Conv2d conv</c>) becomes a <c>Module&lt;Tensor, Tensor&gt;</c>,
    /// since the counterpart passes the layer's Bayesian counterpart.
    /// </summary>
    private string CarryOver(MethodDeclarationSyntax method)
    {
        var symbol = model.GetDeclaredSymbol(method, cancellationToken)!;
        var parameters = method.ParameterList.Parameters.Select((p, i) => AsCopied((ParameterSyntax)Visit(p.WithAttributeLists(default))!, symbol.Parameters[i].Type));
        var returnType = ((TypeSyntax)Visit(method.ReturnType)!).WithoutTrivia();
        var typeParameters = method.TypeParameterList?.ToString() ?? "";
        var constraints = string.Concat(method.ConstraintClauses.Select(c => " " + ((TypeParameterConstraintClauseSyntax)Visit(c)!).WithoutTrivia()));
        var hides = HidesInherited(symbol) ? "new " : "";
        var header = $"private {hides}{(symbol.IsStatic ? "static " : "")}{returnType} {method.Identifier.Text}{typeParameters}({string.Join(", ", parameters.Select(p => p.ToString().Trim()))}){constraints}";
        return method.Body is { } body
            ? header + "\n" + Reindent((BlockSyntax)Visit(body)!)
            : $"{header}\n    => {((ExpressionSyntax)Visit(method.ExpressionBody!.Expression)!).ToString().Trim()};";
    }

    /// <summary>
    /// A local function of forward or of a helper (<c>Tensor Stage(Conv2d conv, Tensor t) =&gt; …</c>) is carried with the
    /// body it is declared in and rewritten like it; a parameter typed as a particular layer becomes a
    /// <c>Module&lt;Tensor, Tensor&gt;</c>, as a helper method's does.
    /// </summary>
    public override SyntaxNode? VisitLocalFunctionStatement(LocalFunctionStatementSyntax node)
    {
        var visited = (LocalFunctionStatementSyntax)base.VisitLocalFunctionStatement(node)!;
        if (model.GetDeclaredSymbol(node, cancellationToken) is not IMethodSymbol symbol) return visited;
        var parameters = visited.ParameterList.Parameters.Select((p, i) => AsCopied(p, symbol.Parameters[i].Type));
        return visited.WithParameterList(visited.ParameterList.WithParameters(SyntaxFactory.SeparatedList(parameters, visited.ParameterList.Parameters.GetSeparators())));
    }

    /// <summary>
    /// Whether the copy of <paramref name="method"/> hides a member of the counterpart's base class (BayesianNetwork for
    /// the network, Module&lt;Tensor, Tensor&gt; for a block): one of its name that is not a method, or a method of the
    /// same signature as the copy's. It must then say <c>new</c> (else CS0108), and must not say it otherwise (CS0109).
    /// </summary>
    private bool HidesInherited(IMethodSymbol method)
    {
        var baseType = owner.BaseType;
        while (baseType is not null && !KnownTypes.IsTorchSharp(baseType)) baseType = baseType.BaseType;   // a block's counterpart: Module<Tensor, Tensor>
        if (SymbolEqualityComparer.Default.Equals(owner, generatedWithin))
            baseType = model.Compilation.GetTypeByMetadataName("BayesGen.BayesianNetwork");
        var copied = method.Parameters.Select(p => CopiedParameterType(p.Type)).ToArray();
        for (var t = baseType; t is not null; t = t.BaseType)
            foreach (var member in t.GetMembers(method.Name))
            {
                if (member.DeclaredAccessibility == Accessibility.Private || member.IsImplicitlyDeclared) continue;
                if (member is not IMethodSymbol other) return true;
                if (other.Arity == method.Arity && other.Parameters.Length == copied.Length
                    && other.Parameters.Select(p => p.Type).Zip(copied, (a, b) => b is null || SymbolEqualityComparer.Default.Equals(a, b)).All(same => same))
                    return true;
            }
        return false;
    }

    /// <summary>A parameter as the copy declares it: typed Module&lt;Tensor, Tensor&gt; where the original names a particular layer or block type.</summary>
    private static ParameterSyntax AsCopied(ParameterSyntax parameter, ITypeSymbol type)
        => BecomesTensorModule(type) ? parameter.WithType(SyntaxFactory.ParseTypeName(TensorModule).WithTrailingTrivia(SyntaxFactory.Space)) : parameter;

    /// <summary>Whether a parameter of this type is declared Module&lt;Tensor, Tensor&gt; in the copy: a particular layer or block type.</summary>
    private static bool BecomesTensorModule(ITypeSymbol type) => KnownTypes.IsModule(type) && KnownTypes.RoleOf(type) is not (null or ModuleRole.Container);

    /// <summary>A parameter's type in the copy: a layer type becomes Module&lt;Tensor, Tensor&gt; (null where that type is not found).</summary>
    private ITypeSymbol? CopiedParameterType(ITypeSymbol type)
    {
        if (!BecomesTensorModule(type)) return type;
        var module = model.Compilation.GetTypeByMetadataName("TorchSharp.torch+nn+Module`2");
        var tensor = model.Compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
        return module is null || tensor is null ? null : module.Construct(tensor, tensor);
    }

    private const string TensorModule = "global::TorchSharp.torch.nn.Module<global::TorchSharp.torch.Tensor, global::TorchSharp.torch.Tensor>";

    private ISymbol? SymbolOf(SyntaxNode node)
    {
        var info = model.GetSymbolInfo(node, cancellationToken);
        return info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
    }

    private static string Qualified(ISymbol symbol) => symbol.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

    private static SyntaxNode Text(string text, SyntaxNode like)
        => SyntaxFactory.ParseExpression(text).WithLeadingTrivia(like.GetLeadingTrivia()).WithTrailingTrivia(like.GetTrailingTrivia());

    /// <summary>A type or namespace, fully qualified, as a TypeSyntax (it may stand where only a type may).</summary>
    private static SyntaxNode TypeText(ISymbol symbol, SyntaxNode like)
        => SyntaxFactory.ParseTypeName(Qualified(symbol)).WithLeadingTrivia(like.GetLeadingTrivia()).WithTrailingTrivia(like.GetTrailingTrivia());

    private void Report(DiagnosticDescriptor descriptor, SyntaxNode at, params object?[] args)
        => diagnostics.Add(DiagnosticInfo.Create(descriptor, LocationInfo.From(at), args));

    private void NotRecordable(SyntaxNode at, string what)
    {
        if (conditionDepth > 0 || trainingOnlyDepth > 0) return;
        result.Recordable = false;
        Report(DiagnosticDescriptors.NotRecordable, at, owner.Name, what, TensorOperations.Supported);
    }

    // ---- names: fully qualified, constants inlined -----------------------------------------------------

    public override SyntaxNode? VisitIdentifierName(IdentifierNameSyntax node)
    {
        if (node.IsVar || node.Parent is NameColonSyntax or NameEqualsSyntax) return node;
        if (node.Parent is MemberAccessExpressionSyntax ma && ma.Name == node) return node;
        if (node.Parent is QualifiedNameSyntax q && q.Right == node) return node;
        var symbol = SymbolOf(node);
        return symbol is null ? node : Name(node, symbol);
    }

    public override SyntaxNode? VisitGenericName(GenericNameSyntax node)
    {
        if (node.Parent is MemberAccessExpressionSyntax ma && ma.Name == node) return base.VisitGenericName(node);
        if (node.Parent is QualifiedNameSyntax q && q.Right == node) return base.VisitGenericName(node);
        var symbol = SymbolOf(node);
        if (symbol is ITypeSymbol type) return TypeText(type, node);
        var visited = (GenericNameSyntax)base.VisitGenericName(node)!;
        if (symbol is IMethodSymbol helper && IsHelper(helper))
        {
            Carry(helper);
            return visited;
        }
        return symbol is not null && symbol.IsStatic && symbol is IMethodSymbol method && Accessible(method, node)
            ? Text($"{Qualified(method.ContainingType)}.{visited.WithoutTrivia()}", node)
            : visited;
    }

    public override SyntaxNode? VisitQualifiedName(QualifiedNameSyntax node)
        => SymbolOf(node) is ITypeSymbol or INamespaceSymbol ? TypeText(SymbolOf(node)!, node) : base.VisitQualifiedName(node);

    public override SyntaxNode? VisitAliasQualifiedName(AliasQualifiedNameSyntax node)
        => SymbolOf(node) is ITypeSymbol or INamespaceSymbol ? TypeText(SymbolOf(node)!, node) : base.VisitAliasQualifiedName(node);

    private SyntaxNode Name(SimpleNameSyntax node, ISymbol symbol)
    {
        switch (symbol)
        {
            case ITypeParameterSymbol:
                return node;
            case ITypeSymbol or INamespaceSymbol:
                return TypeText(symbol, node);
            case IFieldSymbol { IsConst: true } constant when !KnownTypes.IsTorchSharp(constant) && Literal(constant) is { } literal:
                return Text(literal, node);
            case IFieldSymbol or IPropertySymbol when symbol.IsStatic && KnownTypes.IsModule(TypeOf(symbol)):
                Report(DiagnosticDescriptors.MemberNotCopyable, node, owner.Name, symbol.Name,
                    "it is a static module, shared by every instance and never made Bayesian (make it an instance field)");
                return node;
            case IFieldSymbol or IPropertySymbol when symbol.IsStatic && KnownTypes.IsTensor(TypeOf(symbol)):
                // A constant tensor (per-channel normalisation constants): the graph records operations between the
                // network's values and numbers, so a held tensor would reach the deployment as nothing it can replay.
                Report(DiagnosticDescriptors.MemberNotCopyable, node, owner.Name, symbol.Name,
                    "it is a tensor held outside a layer; the graph records operations between the network's values and numbers, not constant tensors (normalise the data before the network, or write the constants as numbers: (x - 0.5) / 0.25)");
                return node;
            case IMethodSymbol helper when IsHelper(helper):
                Carry(helper);
                return node;
            case IMethodSymbol { MethodKind: MethodKind.LocalFunction }:
                return node;   // declared in the body being carried, and rewritten with it (VisitLocalFunctionStatement)
            case IFieldSymbol or IPropertySymbol or IMethodSymbol or IEventSymbol when symbol.IsStatic:
                return Accessible(symbol, node) ? Text($"{Qualified(symbol.ContainingType)}.{node.Identifier.Text}", node) : node;
            case IFieldSymbol or IPropertySymbol:
                Member(symbol, node);
                return node;
            case IMethodSymbol or IEventSymbol when !symbol.IsStatic && !DeclaredByTorchSharp(symbol):
                Report(DiagnosticDescriptors.MemberNotCopyable, node, owner.Name, symbol.Name,
                    "it is an instance method of the network, which the counterpart does not have (inline it into forward)");
                return node;
            default:
                return node;
        }
    }

    /// <summary>The declared type of a field or property.</summary>
    private static ITypeSymbol TypeOf(ISymbol fieldOrProperty) => fieldOrProperty is IFieldSymbol f ? f.Type : ((IPropertySymbol)fieldOrProperty).Type;

    private static bool DeclaredByTorchSharp(ISymbol symbol) => symbol.ContainingType is { } t && KnownTypes.IsTorchSharp(t);

    /// <summary>Whether generated code may name a static member (else it is reported).</summary>
    private bool Accessible(ISymbol symbol, SyntaxNode at)
    {
        if (model.Compilation.IsSymbolAccessibleWithin(symbol, generatedWithin)) return true;
        Report(DiagnosticDescriptors.MemberNotCopyable, at, owner.Name, symbol.Name,
            $"it is private to '{symbol.ContainingType?.Name}', which the generated code cannot see into (make it internal, or const)");
        return false;
    }

    /// <summary>An instance member forward reads: the counterpart gets a field of the same name.</summary>
    private void Member(ISymbol symbol, SyntaxNode at)
    {
        if (DeclaredByTorchSharp(symbol)) return;   // training, …: the counterpart is a module too
        if (symbol is IPropertySymbol { IsIndexer: true } || symbol is IFieldSymbol { AssociatedSymbol: not null })
        {
            Report(DiagnosticDescriptors.MemberNotCopyable, at, owner.Name, symbol.Name, "it is not a field or property the counterpart can hold");
            return;
        }
        var type = TypeOf(symbol);
        if (KnownTypes.IsTensor(type) || KnownTypes.IsParameter(type))
        {
            Report(DiagnosticDescriptors.MemberNotCopyable, at, owner.Name, symbol.Name,
                "it is a tensor the network holds; BayesGen makes layers Bayesian and records parameter-free operations (put the tensor in a layer, or compute it in forward)");
            return;
        }
        if (KnownTypes.IsPlainModuleHolder(type))
        {
            if (!result.RefusedHolders.Add(symbol.Name)) return;   // once, on the first use
            // Copied as a value, the counterpart would call the plain layers themselves: not Bayesian, not trained, not pruned.
            Report(DiagnosticDescriptors.MemberNotCopyable, at, owner.Name, symbol.Name,
                $"it holds layers in a {type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}, which neither TorchSharp's RegisterComponents nor BayesGen looks into (hold them in fields of the network or of a block, a ModuleList<Module<Tensor, Tensor>>, or a Sequential)");
            return;
        }
        result.Members[symbol.Name] = symbol;
    }

    private static string? Literal(IFieldSymbol constant)
    {
        var value = constant.ConstantValue;
        string? text = value switch
        {
            null => "null",
            bool b => b ? "true" : "false",
            double d => Emit.Literals.Double(d),
            float s => s.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "f",
            long l => Emit.Literals.Long(l),
            int i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            short or ushort or byte or sbyte or uint or ulong => System.Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
            string s => SymbolDisplay.FormatLiteral(s, quote: true),
            char c => SymbolDisplay.FormatLiteral(c, quote: true),
            _ => null,
        };
        if (text is null) return null;
        return constant.Type.TypeKind == TypeKind.Enum ? $"(({Qualified(constant.Type)})({text}))" : $"(({Qualified(constant.Type)}){text})";
    }

    // ---- member access: qualified statics, layers used only by calling them ------------------------------

    public override SyntaxNode? VisitMemberAccessExpression(MemberAccessExpressionSyntax node)
    {
        var symbol = SymbolOf(node);
        if (symbol is ITypeSymbol or INamespaceSymbol) return TypeText(symbol, node);
        if (symbol is IFieldSymbol { IsConst: true } constant && !KnownTypes.IsTorchSharp(constant) && Literal(constant) is { } literal)
            return Text(literal, node);
        if (symbol is { IsStatic: false } && node.Expression is ThisExpressionSyntax && symbol is IFieldSymbol or IPropertySymbol)
            Member(symbol, node);
        // A tensor's tensor-valued property (x.T, x.mT) computes a new tensor that no recorded operation produced.
        if (symbol is IPropertySymbol { IsStatic: false } property && KnownTypes.IsTensor(property.ContainingType) && KnownTypes.IsTensor(property.Type))
            NotRecordable(node, $"the tensor property '{property.Name}'");
        if (symbol is IMethodSymbol helper && IsHelper(helper) && (node.Expression is ThisExpressionSyntax || SymbolOf(node.Expression) is ITypeSymbol))
        {
            // this.Stage(…) or Net.Stage(…): the counterpart's own copy.
            Carry(helper);
            var helperName = node.Name is GenericNameSyntax gh ? gh.WithTypeArgumentList((TypeArgumentListSyntax)Visit(gh.TypeArgumentList)!) : node.Name;
            return node.Expression is ThisExpressionSyntax ? node.WithName(helperName) : helperName.WithTriviaFrom(node);
        }
        if (symbol is { IsStatic: false } && node.Expression is ThisExpressionSyntax && symbol is IMethodSymbol && !DeclaredByTorchSharp(symbol))
            Report(DiagnosticDescriptors.MemberNotCopyable, node, owner.Name, symbol.Name,
                "it is an instance method of the network, which the counterpart does not have (inline it into forward)");
        CheckLayerUse(node, symbol);
        var expression = (ExpressionSyntax)Visit(node.Expression)!;
        var name = node.Name is GenericNameSyntax g ? g.WithTypeArgumentList((TypeArgumentListSyntax)Visit(g.TypeArgumentList)!) : node.Name;
        return node.WithExpression(expression).WithName(name);
    }

    /// <summary>A module more specific than Module&lt;Tensor, Tensor&gt; (a Conv2d, a block) is used only by calling it.</summary>
    private void CheckLayerUse(MemberAccessExpressionSyntax node, ISymbol? symbol)
    {
        if (symbol is null || symbol.IsStatic) return;
        var receiver = model.GetTypeInfo(node.Expression, cancellationToken).Type;
        if (receiver is null || !KnownTypes.IsModule(receiver)) return;
        var role = KnownTypes.RoleOf(receiver);
        if (role is null or ModuleRole.Container) return;   // Module<Tensor, Tensor>, Sequential, ModuleList: the counterpart has the same type
        if (symbol.Name is "forward" or "call" or "GetName" or "training" or "train" or "eval") return;
        Report(DiagnosticDescriptors.LayerMemberAccess, node, node.Expression.ToString(), symbol.Name);
    }

    public override SyntaxNode? VisitThisExpression(ThisExpressionSyntax node)
    {
        if (node.Parent is not MemberAccessExpressionSyntax)
            Report(DiagnosticDescriptors.MemberNotCopyable, node, owner.Name, "this",
                "the counterpart is another class, so 'this' cannot be passed along (pass the values forward needs instead)");
        return node;
    }

    // ---- tensor operations --------------------------------------------------------------------------------

    public override SyntaxNode? VisitInvocationExpression(InvocationExpressionSyntax node)
    {
        if (model.GetOperation(node, cancellationToken) is not IInvocationOperation call) return base.VisitInvocationExpression(node);
        var method = call.TargetMethod;

        if (method.Name is "forward" or "call" && call.Instance is { } receiver && KnownTypes.IsModule(receiver.Type))
        {
            var made = Constants.Unwrap(receiver);
            if (made is IObjectCreationOperation || made is IInvocationOperation { TargetMethod.IsStatic: true } factory && KnownTypes.IsTorchSharp(factory.TargetMethod.ContainingType))
                NotRecordable(node, "a module created inside forward (hold it in a field, created in the constructor)");
            return base.VisitInvocationExpression(node);
        }
        if (method.Name is "MoveToOuterDisposeScope" or "DetachFromDisposeScope") return base.VisitInvocationExpression(node);

        var rewritten = (InvocationExpressionSyntax)base.VisitInvocationExpression(node)!;
        if (method.ReducedFrom is { } extension && rewritten.Expression is MemberAccessExpressionSyntax extended)
        {
            // The generated file has none of the user's usings: an extension method is called in its static form.
            if (KnownTypes.IsTensor(call.Type)) NotRecordable(node, $"'{method.Name}', an extension method");
            var typeArguments = extended.Name is GenericNameSyntax generic ? generic.TypeArgumentList.ToString() : "";
            var all = new[] { extended.Expression.ToString() }.Concat(rewritten.ArgumentList.Arguments.Select(a => a.ToString()));
            return Text($"{Qualified(extension.ContainingType)}.{method.Name}{typeArguments}({string.Join(", ", all)})", node);
        }
        if (method.MethodKind == MethodKind.DelegateInvoke && KnownTypes.IsTensor(call.Type) && Constants.Unwrap(call.Instance!) is not ILocalReferenceOperation)
        {
            // A delegate held in a field or passed in: its body is elsewhere, so what it computes cannot be recorded.
            NotRecordable(node, $"a call through the delegate '{node.Expression}', whose body forward does not contain (write the operation in forward, or pick it with a setting)");
            return rewritten;
        }
        if (method.MethodKind is MethodKind.LocalFunction or MethodKind.DelegateInvoke || method.MethodKind == MethodKind.AnonymousFunction)
            return rewritten;   // their bodies are in forward and rewritten with it
        if (IsHelper(method)) return rewritten;   // carried over and rewritten like forward
        string? receiverText = call.Instance is not null && rewritten.Expression is MemberAccessExpressionSyntax access ? access.Expression.ToString() : null;
        var arguments = Arguments(call, node, rewritten, receiverText);
        var replacement = TensorOperations.Rewrite(call, arguments, out var reason);
        if (replacement is not null) return Text(replacement, node);
        if (reason is not null)
        {
            NotRecordable(node, reason);
            return rewritten;
        }
        // A TorchSharp call that returns several tensors (unbind, tensor_split, max(dim)) is as unrecorded as one returning
        // a tensor; LINQ over tensors forward computed (Select, ToArray) only passes recorded tensors along.
        if (KnownTypes.IsTensor(call.Type) || KnownTypes.HoldsTensors(call.Type) && KnownTypes.IsTorchSharp(method.ContainingType))
            NotRecordable(node, $"a call of '{method.ContainingType?.Name}.{method.Name}', which BayesGen does not look into");
        return rewritten;
    }

    private static CallArguments Arguments(IInvocationOperation call, InvocationExpressionSyntax original, InvocationExpressionSyntax rewritten, string? receiver)
    {
        var result = new CallArguments(receiver);
        string TextOf(SyntaxNode syntax)
        {
            var argument = syntax as ArgumentSyntax ?? syntax.FirstAncestorOrSelf<ArgumentSyntax>();
            int index = argument is null ? -1 : original.ArgumentList.Arguments.IndexOf(argument);
            return index >= 0 ? rewritten.ArgumentList.Arguments[index].Expression.ToString() : syntax.ToString();
        }
        foreach (var argument in call.Arguments)
        {
            if (argument.Parameter is null) continue;
            string text;
            switch (argument.ArgumentKind)
            {
                case ArgumentKind.DefaultValue:
                    text = CallArguments.DefaultText(argument.Parameter);
                    break;
                case ArgumentKind.ParamArray:
                {
                    var elements = argument.Value is IArrayCreationOperation { Initializer: { } init } ? init.ElementValues.Select(e => TextOf(e.Syntax)).ToArray() : new string[0];
                    var elementType = (argument.Parameter.Type as IArrayTypeSymbol)?.ElementType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) ?? "long";
                    text = elements.Length == 0 ? $"new {elementType}[0]" : $"new {elementType}[] {{ {string.Join(", ", elements)} }}";
                    break;
                }
                default:
                    text = TextOf(argument.Syntax);
                    break;
            }
            result.Add(argument.Parameter.Name, text, argument);
        }
        return result;
    }

    public override SyntaxNode? VisitBinaryExpression(BinaryExpressionSyntax node)
    {
        if (model.GetOperation(node, cancellationToken) is not IBinaryOperation { OperatorMethod: { } op } binary || !KnownTypes.IsTensor(op.ContainingType))
            return base.VisitBinaryExpression(node);
        var left = ((ExpressionSyntax)Visit(node.Left)!).ToString();
        var right = ((ExpressionSyntax)Visit(node.Right)!).ToString();
        string? kind = binary.OperatorKind switch
        {
            BinaryOperatorKind.Add => "Add",
            BinaryOperatorKind.Subtract => "Subtract",
            BinaryOperatorKind.Multiply => "Multiply",
            BinaryOperatorKind.Divide => "Divide",
            _ => null,
        };
        if (kind is null)
        {
            NotRecordable(node, $"the operator '{node.OperatorToken.Text}' on tensors");
            return node.WithLeft(SyntaxFactory.ParseExpression(left)).WithRight(SyntaxFactory.ParseExpression(right));
        }
        bool leftTensor = KnownTypes.IsTensor(Constants.Unwrap(binary.LeftOperand).Type);
        bool rightTensor = KnownTypes.IsTensor(Constants.Unwrap(binary.RightOperand).Type);
        var text = leftTensor && rightTensor
            ? $"global::BayesGen.Tracing.Ops.Binary({left}, {right}, global::BayesGen.Graph.BinaryKind.{kind})"
            : leftTensor
                ? $"global::BayesGen.Tracing.Ops.Scalar({left}, {right}, global::BayesGen.Graph.BinaryKind.{kind})"
                : $"global::BayesGen.Tracing.Ops.Scalar({right}, {left}, global::BayesGen.Graph.BinaryKind.{kind}, scalarFirst: true)";
        return Text(text, node);
    }

    public override SyntaxNode? VisitPrefixUnaryExpression(PrefixUnaryExpressionSyntax node)
    {
        if (node.IsKind(SyntaxKind.UnaryMinusExpression) && model.GetOperation(node, cancellationToken) is IUnaryOperation { OperatorMethod: { } op }
            && KnownTypes.IsTensor(op.ContainingType))
        {
            var operand = ((ExpressionSyntax)Visit(node.Operand)!).ToString();
            return Text($"global::BayesGen.Tracing.Ops.Scalar({operand}, -1d, global::BayesGen.Graph.BinaryKind.Multiply)", node);
        }
        if (model.GetOperation(node, cancellationToken) is IUnaryOperation { OperatorMethod: { } other } && KnownTypes.IsTensor(other.ContainingType))
            NotRecordable(node, $"the operator '{node.OperatorToken.Text}' on tensors");
        return base.VisitPrefixUnaryExpression(node);
    }

    public override SyntaxNode? VisitAssignmentExpression(AssignmentExpressionSyntax node)
    {
        if (model.GetOperation(node, cancellationToken) is not ICompoundAssignmentOperation { OperatorMethod: { } op } compound || !KnownTypes.IsTensor(op.ContainingType))
            return base.VisitAssignmentExpression(node);
        string? kind = compound.OperatorKind switch
        {
            BinaryOperatorKind.Add => "Add",
            BinaryOperatorKind.Subtract => "Subtract",
            BinaryOperatorKind.Multiply => "Multiply",
            BinaryOperatorKind.Divide => "Divide",
            _ => null,
        };
        var target = ((ExpressionSyntax)Visit(node.Left)!).ToString();
        var value = ((ExpressionSyntax)Visit(node.Right)!).ToString();
        if (kind is null)
        {
            NotRecordable(node, $"the operator '{node.OperatorToken.Text}' on tensors");
            return base.VisitAssignmentExpression(node);
        }
        bool valueTensor = KnownTypes.IsTensor(Constants.Unwrap(compound.Value).Type);
        var call = valueTensor
            ? $"global::BayesGen.Tracing.Ops.Binary({target}, {value}, global::BayesGen.Graph.BinaryKind.{kind})"
            : $"global::BayesGen.Tracing.Ops.Scalar({target}, {value}, global::BayesGen.Graph.BinaryKind.{kind})";
        return Text($"{target} = {call}", node);
    }

    public override SyntaxNode? VisitElementAccessExpression(ElementAccessExpressionSyntax node)
    {
        if (!KnownTypes.IsTensor(model.GetTypeInfo(node.Expression, cancellationToken).Type))
            return base.VisitElementAccessExpression(node);
        if (node.Parent is AssignmentExpressionSyntax assignment && assignment.Left == node)
        {
            NotRecordable(node, "writing into a tensor's elements");
            return base.VisitElementAccessExpression(node);
        }
        if (RangeSlices(node) is { } slices)
        {
            // x[.., a..b] and x[TensorIndex.Colon, TensorIndex.Slice(a, b)]: one narrow per sliced dimension.
            var text = ((ExpressionSyntax)Visit(node.Expression)!).ToString();
            foreach (var (dim, bounds) in slices)
                text = $"global::BayesGen.Tracing.Ops.RangeSlice({text}, {dim}, {string.Join(", ", bounds.Select(b => ((ExpressionSyntax)Visit(b)!).ToString()))})";
            return Text(text, node);
        }
        NotRecordable(node, "indexing a tensor other than by ranges of consecutive elements (x[.., a..b])");
        return base.VisitElementAccessExpression(node);
    }

    /// <summary>
    /// The sliced dimensions of an index made only of whole dimensions (<c>..</c>, <c>TensorIndex.Colon</c>), at most one
    /// <c>TensorIndex.Ellipsis</c>, and ranges (<c>a..b</c>, <c>..^1</c>, <c>TensorIndex.Slice(a, b)</c> without a step),
    /// each with the bounds to hand to <c>Ops.RangeSlice</c> (a range, or a start and a stop); dimensions after an
    /// ellipsis count from the end. Null for anything else (a single element, a step, a tensor of indices).
    /// </summary>
    private List<(int Dim, ExpressionSyntax[] Bounds)>? RangeSlices(ElementAccessExpressionSyntax node)
    {
        var arguments = node.ArgumentList.Arguments;
        int ellipsis = -1;
        var result = new List<(int, ExpressionSyntax[])>();
        for (int i = 0; i < arguments.Count; i++)
        {
            var expression = arguments[i].Expression;
            if (expression is RangeExpressionSyntax { LeftOperand: null, RightOperand: null }) continue;
            if (expression is RangeExpressionSyntax range) { result.Add((i, new ExpressionSyntax[] { range })); continue; }
            if (SymbolOf(expression) is IFieldSymbol { Name: "Colon" or "Ellipsis" } field && KnownTypes.IsTorchSharp(field))
            {
                if (field.Name == "Ellipsis") { if (ellipsis >= 0) return null; ellipsis = i; }
                continue;
            }
            if (expression is InvocationExpressionSyntax call && model.GetSymbolInfo(call, cancellationToken).Symbol is IMethodSymbol { Name: "Slice" } slice
                && KnownTypes.IsTorchSharp(slice) && SliceBounds(call, slice) is { } bounds)
            {
                result.Add((i, bounds));
                continue;
            }
            return null;
        }
        if (ellipsis < 0) return result;
        return result.Select(r => r.Item1 < ellipsis ? r : (r.Item1 - arguments.Count, r.Item2)).ToList();
    }

    /// <summary><c>TensorIndex.Slice(start, stop)</c>, <c>Slice(range)</c> or <c>Slice((start, stop))</c>: its bounds; null with a step.</summary>
    private static ExpressionSyntax[]? SliceBounds(InvocationExpressionSyntax call, IMethodSymbol slice)
    {
        if (call.ArgumentList.Arguments.Any(a => a.NameColon is not null)) return null;
        var args = call.ArgumentList.Arguments.Select(a => a.Expression).ToArray();
        if (slice.Parameters.Length == 3)
            return args.Length == 2 || args.Length == 3 && args[2] is LiteralExpressionSyntax { Token.ValueText: "null" }
                ? new[] { args[0], args[1] } : null;
        return args.Length == 1 ? args : null;
    }

    public override SyntaxNode? VisitObjectCreationExpression(ObjectCreationExpressionSyntax node)
    {
        if (KnownTypes.IsModule(model.GetTypeInfo(node, cancellationToken).Type))
            NotRecordable(node, "a module created inside forward (hold it in a field, created in the constructor)");
        return base.VisitObjectCreationExpression(node);
    }

    public override SyntaxNode? VisitImplicitObjectCreationExpression(ImplicitObjectCreationExpressionSyntax node)
    {
        if (KnownTypes.IsModule(model.GetTypeInfo(node, cancellationToken).Type))
            NotRecordable(node, "a module created inside forward (hold it in a field, created in the constructor)");
        return base.VisitImplicitObjectCreationExpression(node);
    }

    // ---- control flow that depends on data ------------------------------------------------------------------

    // A condition's tensor arithmetic (x.sum().item<float>() > 0) feeds a decision, not the network's data: it is
    // not recorded and needs no recording; BG0026 says what such a decision means for the graph.
    private int conditionDepth;

    private ExpressionSyntax Condition(ExpressionSyntax condition)
    {
        // `training && …` is false and `!training || …` true while the graph is recorded, whatever the data says.
        if (!ImpliesTraining(condition) && !ExitsUnlessTraining(condition)) CheckCondition(condition);
        conditionDepth++;
        try { return (ExpressionSyntax)Visit(condition)!; }
        finally { conditionDepth--; }
    }

    public override SyntaxNode? VisitIfStatement(IfStatementSyntax node)
    {
        var condition = Condition(node.Condition);
        bool trainingOnly = ImpliesTraining(node.Condition);
        StatementSyntax statement;
        if (trainingOnly) trainingOnlyDepth++;
        try { statement = (StatementSyntax)Visit(node.Statement)!; }
        finally { if (trainingOnly) trainingOnlyDepth--; }
        return node.WithCondition(condition).WithStatement(statement).WithElse(node.Else is null ? null : (ElseClauseSyntax)Visit(node.Else)!);
    }

    // ---- code that runs only while training -----------------------------------------------------------------

    // The graph is recorded with the network in evaluation mode (BayesianNetwork.RecordGraph), so what runs only while
    // training (stochastic depth's random mask, noise added to the input) never reaches it, and an operation there that
    // BayesGen does not record is no reason for BG0010: the body of `if (training …)`, and what follows
    // `if (!training || …) return …;` in the same block.
    private int trainingOnlyDepth;

    public override SyntaxNode? VisitBlock(BlockSyntax node)
    {
        var statements = new List<StatementSyntax>(node.Statements.Count);
        int entered = 0;
        try
        {
            foreach (var statement in node.Statements)
            {
                statements.Add((StatementSyntax)Visit(statement)!);
                if (statement is IfStatementSyntax { Else: null } guard && ExitsUnlessTraining(guard.Condition) && AlwaysLeaves(guard.Statement))
                {
                    trainingOnlyDepth++;
                    entered++;
                }
            }
        }
        finally { trainingOnlyDepth -= entered; }
        return node.WithStatements(SyntaxFactory.List(statements));
    }

    /// <summary>Whether the expression is the module's <c>training</c> flag (<c>training</c>, <c>this.training</c>).</summary>
    private bool IsTrainingFlag(ExpressionSyntax e)
    {
        while (e is ParenthesizedExpressionSyntax p) e = p.Expression;
        if (e is not (IdentifierNameSyntax { Identifier.ValueText: "training" } or MemberAccessExpressionSyntax { Name.Identifier.ValueText: "training", Expression: ThisExpressionSyntax or BaseExpressionSyntax }))
            return false;
        return SymbolOf(e) is (IFieldSymbol or IPropertySymbol) and { ContainingType: { } owner } && KnownTypes.IsTorchSharp(owner);
    }

    /// <summary>Whether the condition can hold only while training: the flag, or a conjunction with it.</summary>
    private bool ImpliesTraining(ExpressionSyntax condition)
    {
        while (condition is ParenthesizedExpressionSyntax p) condition = p.Expression;
        return IsTrainingFlag(condition)
            || condition is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalAndExpression } conjunction && (ImpliesTraining(conjunction.Left) || ImpliesTraining(conjunction.Right));
    }

    /// <summary>Whether the condition holds whenever the network is not training: <c>!training</c>, or a disjunction with it.</summary>
    private bool ExitsUnlessTraining(ExpressionSyntax condition)
    {
        while (condition is ParenthesizedExpressionSyntax p) condition = p.Expression;
        return condition is PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression } negation && IsTrainingFlag(negation.Operand)
            || condition is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalOrExpression } disjunction && (ExitsUnlessTraining(disjunction.Left) || ExitsUnlessTraining(disjunction.Right));
    }

    /// <summary>Whether control never passes the statement: a return or a throw, alone or ending a block.</summary>
    private static bool AlwaysLeaves(StatementSyntax statement) => statement switch
    {
        ReturnStatementSyntax or ThrowStatementSyntax => true,
        BlockSyntax { Statements.Count: > 0 } block => AlwaysLeaves(block.Statements[block.Statements.Count - 1]),
        _ => false,
    };

    public override SyntaxNode? VisitWhileStatement(WhileStatementSyntax node)
        => node.WithCondition(Condition(node.Condition)).WithStatement((StatementSyntax)Visit(node.Statement)!);

    public override SyntaxNode? VisitDoStatement(DoStatementSyntax node)
        => node.WithStatement((StatementSyntax)Visit(node.Statement)!).WithCondition(Condition(node.Condition));

    public override SyntaxNode? VisitForStatement(ForStatementSyntax node)
        => node.WithDeclaration(node.Declaration is null ? null : (VariableDeclarationSyntax)Visit(node.Declaration)!)
            .WithInitializers(VisitList(node.Initializers))
            .WithCondition(node.Condition is null ? null : Condition(node.Condition))
            .WithIncrementors(VisitList(node.Incrementors))
            .WithStatement((StatementSyntax)Visit(node.Statement)!);

    public override SyntaxNode? VisitConditionalExpression(ConditionalExpressionSyntax node)
        => node.WithCondition(Condition(node.Condition)).WithWhenTrue((ExpressionSyntax)Visit(node.WhenTrue)!).WithWhenFalse((ExpressionSyntax)Visit(node.WhenFalse)!);

    private void CheckCondition(ExpressionSyntax condition)
    {
        if (model.GetOperation(condition, cancellationToken) is not { } op) return;
        if (!op.DescendantsAndSelf().Any(o => KnownTypes.IsTensor(o.Type))) return;
        if (ReadsOnlyShapes(op))
            Report(DiagnosticDescriptors.DataDependentControlFlow, condition, owner.Name, condition.ToString(), "the shape of a tensor",
                "the compressed model always takes the path of the example it was recorded on ([InputShape], or the first batch): give it inputs of that shape, or shape them before the network");
        else
            Report(DiagnosticDescriptors.DataDependentControlFlow, condition, owner.Name, condition.ToString(), "tensor values", "decide from settings instead of data");
    }

    /// <summary>Tensor members that describe a tensor rather than read its values.</summary>
    private static readonly HashSet<string> ShapeMembers = new() { "dim", "size", "shape", "ndim", "Dimensions", "numel", "NumberOfElements", "dtype", "device", "device_type" };

    /// <summary>Whether every tensor in <paramref name="condition"/> is only asked for its shape (<c>x.dim() == 3</c>, <c>x.shape[1] == 1</c>).</summary>
    private static bool ReadsOnlyShapes(IOperation condition)
    {
        foreach (var o in condition.DescendantsAndSelf())
        {
            if (!KnownTypes.IsTensor(o.Type)) continue;
            var parent = o.Parent;
            while (parent is IArgumentOperation or IConversionOperation) parent = parent.Parent;
            if (parent is not null && KnownTypes.IsTensor(parent.Type)) continue;   // part of a tensor expression: judged where that ends
            bool described = parent switch
            {
                IInvocationOperation call => call.Instance is { } i && i.DescendantsAndSelf().Contains(o) && ShapeMembers.Contains(call.TargetMethod.Name),
                IPropertyReferenceOperation property => property.Instance is { } i && i.DescendantsAndSelf().Contains(o) && ShapeMembers.Contains(property.Property.Name),
                _ => false,
            };
            if (!described) return false;
        }
        return true;
    }

    // ---- layout -------------------------------------------------------------------------------------------

    /// <summary>The block's text with its common indentation removed, so the emitter can indent it anew.</summary>
    private static string Reindent(BlockSyntax body)
    {
        var text = body.WithoutLeadingTrivia().WithoutTrailingTrivia().ToFullString().Replace("\r\n", "\n");
        var lines = text.Split('\n');
        int indent = int.MaxValue;
        foreach (var line in lines.Skip(1))
        {
            if (line.Trim().Length == 0) continue;
            indent = System.Math.Min(indent, line.Length - line.TrimStart().Length);
        }
        int braceIndent = lines.Length > 1 ? lines[lines.Length - 1].Length - lines[lines.Length - 1].TrimStart().Length : 0;
        indent = System.Math.Min(indent == int.MaxValue ? 0 : indent, braceIndent);
        for (int i = 1; i < lines.Length; i++)
            lines[i] = lines[i].Length >= indent && lines[i].Substring(0, indent).Trim().Length == 0 ? lines[i].Substring(indent) : lines[i].TrimStart();
        return string.Join("\n", lines).TrimEnd();
    }
}
