using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BayesGen.Generator.Parsing;

/// <summary>
/// Finds the user's module classes (blocks) a network uses: those its members are declared as, those a ModuleList
/// holds, and those created anywhere in its source (a constructor, a loop, a factory lambda), then the same for
/// each block found. Each gets a generated Bayesian counterpart; a block made somewhere BayesGen cannot see is
/// named in the error the conversion raises at run time.
/// </summary>
internal static class BlockDiscovery
{
    public static IReadOnlyList<INamedTypeSymbol> Find(INamedTypeSymbol network, SemanticIndex index, CancellationToken cancellationToken)
    {
        var found = new List<INamedTypeSymbol>();
        var seen = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default) { network };
        var work = new Queue<INamedTypeSymbol>();
        work.Enqueue(network);
        while (work.Count > 0)
        {
            var current = work.Dequeue();
            foreach (var candidate in Candidates(current, index, cancellationToken))
            {
                if (candidate is not INamedTypeSymbol block || block.IsGenericType || KnownTypes.RoleOf(block) != ModuleRole.Block) continue;
                if (!KnownTypes.IsTensorModule(block) || block.DeclaringSyntaxReferences.Length == 0) continue;
                if (!seen.Add(block)) continue;
                found.Add(block);
                work.Enqueue(block);
            }
        }
        return found;
    }

    private static IEnumerable<ITypeSymbol> Candidates(INamedTypeSymbol type, SemanticIndex index, CancellationToken cancellationToken)
    {
        for (var t = type; t is not null && !KnownTypes.IsTorchSharp(t); t = t.BaseType)
        {
            foreach (var member in t.GetMembers())
            {
                var memberType = member switch
                {
                    IFieldSymbol { IsStatic: false } f => f.Type,
                    IPropertySymbol { IsStatic: false } p => p.Type,
                    _ => null,
                };
                if (memberType is null) continue;
                yield return memberType;
                if (KnownTypes.ModuleListElement(memberType) is { } element) yield return element;
            }
            foreach (var reference in t.DeclaringSyntaxReferences)
            {
                var declaration = reference.GetSyntax(cancellationToken);
                var model = index.For(declaration.SyntaxTree);
                foreach (var creation in declaration.DescendantNodes().OfType<BaseObjectCreationExpressionSyntax>())
                {
                    if (model.GetTypeInfo(creation, cancellationToken).Type is { } created) yield return created;
                }
            }
        }
    }
}
