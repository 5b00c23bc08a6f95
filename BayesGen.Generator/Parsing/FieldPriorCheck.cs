using BayesGen.Generator.Diagnostics;
using BayesGen.Generator.Model;
using Microsoft.CodeAnalysis;

namespace BayesGen.Generator.Parsing;

/// <summary>A prior attribute on a field or property of a class that has none: the attribute would silently do nothing.</summary>
internal static class FieldPriorCheck
{
    public static DiagnosticInfo? Check(GeneratorAttributeSyntaxContext context)
    {
        if (context.TargetSymbol is not (IFieldSymbol or IPropertySymbol)) return null;
        var field = context.TargetSymbol;
        var type = field.ContainingType;
        if (AttributeReader.Find(type, KnownTypes.GroupNJAttribute) is not null || AttributeReader.Find(type, KnownTypes.HorseshoeAttribute) is not null)
            return null;
        foreach (var attribute in context.Attributes)
        {
            return DiagnosticInfo.Create(DiagnosticDescriptors.PriorWithoutNetwork, AttributeReader.LocationOf(attribute),
                attribute.AttributeClass!.Name.Replace("Attribute", ""), field.Name, type.Name);
        }
        return null;
    }
}
