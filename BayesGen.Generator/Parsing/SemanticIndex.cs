using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace BayesGen.Generator.Parsing;

/// <summary>
/// What one parse asks the compiler again and again, answered once: a semantic model per syntax tree
/// (<c>Compilation.GetSemanticModel</c> builds a new model, with an empty binding cache, on every call) and, per class,
/// the values assigned to each member in its code (otherwise every member would bind every assignment of the class).
/// </summary>
internal sealed class SemanticIndex
{
    private readonly Dictionary<SyntaxTree, SemanticModel> models = new();
    private readonly Dictionary<INamedTypeSymbol, Dictionary<ISymbol, List<IOperation>>> assignments = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<INamedTypeSymbol, HashSet<ISymbol>> grown = new(SymbolEqualityComparer.Default);
    private readonly CancellationToken cancellationToken;

    public SemanticIndex(SemanticModel first, CancellationToken cancellationToken)
    {
        Compilation = first.Compilation;
        models[first.SyntaxTree] = first;
        this.cancellationToken = cancellationToken;
    }

    public Compilation Compilation { get; }

    /// <summary>The semantic model of <paramref name="tree"/>, made on first use.</summary>
    public SemanticModel For(SyntaxTree tree)
    {
        if (!models.TryGetValue(tree, out var model)) models[tree] = model = Compilation.GetSemanticModel(tree);
        return model;
    }

    /// <summary>The initializer of <paramref name="member"/> and the right-hand sides of simple assignments to it in its class's code.</summary>
    public IEnumerable<IOperation> AssignedValues(ISymbol member)
    {
        foreach (var reference in member.DeclaringSyntaxReferences)
        {
            var syntax = reference.GetSyntax(cancellationToken);
            ExpressionSyntax? initializer = syntax switch
            {
                VariableDeclaratorSyntax v => v.Initializer?.Value,
                PropertyDeclarationSyntax p => p.Initializer?.Value,
                _ => null,
            };
            if (initializer is not null && For(initializer.SyntaxTree).GetOperation(initializer, cancellationToken) is { } op) yield return op;
        }
        if (Assignments(member.ContainingType).TryGetValue(member, out var values))
            foreach (var value in values) yield return value;
    }

    /// <summary>
    /// Whether the class's code adds modules to <paramref name="member"/> after creating it
    /// (<c>features.append(…)</c>, <c>blocks.Add(…)</c>): then its creation does not say what it holds.
    /// </summary>
    public bool IsGrown(ISymbol member)
    {
        Assignments(member.ContainingType);
        return grown[member.ContainingType].Contains(member);
    }

    /// <summary>Methods of Sequential and ModuleList that add modules to a container already created.</summary>
    private static readonly HashSet<string> GrowingMethods = new() { "append", "Add", "add_module", "insert", "Insert", "extend", "AddRange", "register_module" };

    private static ISymbol? MemberOfThis(IOperation? target) => target switch
    {
        IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } f => f.Field,
        IPropertyReferenceOperation { Instance: null or IInstanceReferenceOperation } p => p.Property,
        _ => null,
    };

    private static bool MayAssignOrGrow(SyntaxNode body) => body.DescendantNodes().Any(n => n.IsKind(SyntaxKind.SimpleAssignmentExpression)
        || n is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } && GrowingMethods.Contains(access.Name.Identifier.ValueText));

    private Dictionary<ISymbol, List<IOperation>> Assignments(INamedTypeSymbol type)
    {
        if (assignments.TryGetValue(type, out var index)) return index;
        index = new Dictionary<ISymbol, List<IOperation>>(SymbolEqualityComparer.Default);
        var grows = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            var declaration = (TypeDeclarationSyntax)reference.GetSyntax(cancellationToken);
            var model = For(declaration.SyntaxTree);
            // One operation tree per member body (constructors, methods, accessors): binding each body once.
            foreach (var body in declaration.Members.Where(m => m is BaseMethodDeclarationSyntax or PropertyDeclarationSyntax))
            {
                if (!MayAssignOrGrow(body)) continue;
                foreach (var node in Bodies(body))
                {
                    if (model.GetOperation(node, cancellationToken) is not { } operation) continue;
                    foreach (var assignment in operation.DescendantsAndSelf().OfType<ISimpleAssignmentOperation>())
                    {
                        if (MemberOfThis(assignment.Target) is not { } symbol) continue;
                        if (!index.TryGetValue(symbol, out var list)) index[symbol] = list = new List<IOperation>();
                        list.Add(assignment.Value);
                    }
                    foreach (var call in operation.DescendantsAndSelf().OfType<IInvocationOperation>())
                        if (GrowingMethods.Contains(call.TargetMethod.Name) && MemberOfThis(call.Instance) is { } symbol)
                            grows.Add(symbol);
                }
            }
        }
        assignments[type] = index;
        grown[type] = grows;
        return index;
    }

    /// <summary>The nodes that carry a member's code: a method's body or expression body, a property's accessors.</summary>
    private static IEnumerable<SyntaxNode> Bodies(MemberDeclarationSyntax member)
    {
        var nodes = member switch
        {
            BaseMethodDeclarationSyntax m => new SyntaxNode?[] { m.Body, m.ExpressionBody },
            PropertyDeclarationSyntax p => (p.AccessorList?.Accessors.SelectMany(a => new SyntaxNode?[] { a.Body, a.ExpressionBody }) ?? Enumerable.Empty<SyntaxNode?>())
                .Append(p.ExpressionBody),
            _ => Enumerable.Empty<SyntaxNode?>(),
        };
        foreach (var node in nodes)
            if (node is not null) yield return node;
    }
}
