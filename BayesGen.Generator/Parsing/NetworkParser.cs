using System.Collections.Generic;
using System.Linq;
using System.Threading;
using BayesGen.Generator.Diagnostics;
using BayesGen.Generator.Helpers;
using BayesGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BayesGen.Generator.Parsing;

/// <summary>What parsing one annotated class produced: a model to emit (null when an error prevents it) and diagnostics.</summary>
internal sealed record ParseResult(NetworkModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>
/// Turns an annotated class into a <see cref="NetworkModel"/> of plain values in a few named phases: the class's
/// declaration, its prior and input shape, the class itself and every block it uses
/// (<see cref="ModuleClassReader"/>), and the checks across them. Errors stop the model from being emitted, so a
/// mistake gives one clear diagnostic rather than a cascade of compiler errors in generated code.
/// </summary>
internal static class NetworkParser
{
    public static ParseResult? Parse(GeneratorAttributeSyntaxContext context, PriorKindModel pipeline, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not ClassDeclarationSyntax declaration)
            return null;
        // A class with both priors is reported once, by the GroupNJ pipeline.
        if (pipeline == PriorKindModel.Horseshoe && AttributeReader.Find(type, KnownTypes.GroupNJAttribute) is not null)
            return null;

        var diagnostics = new List<DiagnosticInfo>();
        var prior = AttributeReader.ReadPrior(type, diagnostics, out _);
        CheckDeclaration(type, declaration, diagnostics);
        if (!KnownTypes.IsTensorModule(type))
        {
            var at = declaration.BaseList is null ? declaration.Identifier.GetLocation() : declaration.BaseList.GetLocation();
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotAModule, LocationInfo.From(at), type.Name));
            return Done(null, diagnostics);
        }
        var inputShape = ReadInputShape(type, diagnostics);
        cancellationToken.ThrowIfCancellationRequested();

        var index = new SemanticIndex(context.SemanticModel, cancellationToken);
        var root = ModuleClassReader.Read(type, type, "Bayesian", inputShape, index, diagnostics, cancellationToken);
        if (root.UserCodeHasErrors || root.Model is null) return Done(null, diagnostics);
        var blocks = new List<ModuleClassModel>();
        bool mayHoldLayers = root.MayHoldLayers;
        foreach (var block in BlockDiscovery.Find(type, index, cancellationToken))
        {
            var reading = ModuleClassReader.Read(block, type, CounterpartName(block, blocks, root.Model), System.Array.Empty<int>(), index, diagnostics, cancellationToken);
            if (reading.UserCodeHasErrors) return Done(null, diagnostics);
            if (reading.Model is not null) blocks.Add(reading.Model);
            mayHoldLayers |= reading.MayHoldLayers;
            cancellationToken.ThrowIfCancellationRequested();
        }
        // Layers forward reaches only through a member it cannot have (BG0015: a List of layers) are that one mistake.
        if (!mayHoldLayers && !diagnostics.Any(d => d.Id == DiagnosticDescriptors.MemberNotCopyable.Id))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoBayesianLayer, LocationInfo.From(declaration.Identifier.GetLocation()), type.Name));
        CheckReservedNames(type, root.Model, diagnostics);

        if (prior is null || diagnostics.Any(d => DiagnosticDescriptors.ById(d.Id).DefaultSeverity == DiagnosticSeverity.Error))
            return Done(null, diagnostics);
        var model = new NetworkModel(
            type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
            ContainingTypes(declaration),
            type.Name,
            declaration.TypeParameterList?.WithoutTrivia().ToString() ?? "",
            SyntaxFacts.GetText(type.DeclaredAccessibility == Accessibility.NotApplicable ? Accessibility.Internal : type.DeclaredAccessibility),
            prior,
            inputShape.ToEquatableArray(),
            root.Model,
            blocks.ToEquatableArray(),
            !type.IsAbstract && type.InstanceConstructors.Any(c => c.Parameters.All(p => p.IsOptional || p.IsParams)));
        return Done(model, diagnostics);
    }

    private static ParseResult Done(NetworkModel? model, List<DiagnosticInfo> diagnostics)
        => new(model, diagnostics.Distinct().ToEquatableArray());

    /// <summary>The class must be partial, inside partial types, and free of the names the generated types take.</summary>
    private static void CheckDeclaration(INamedTypeSymbol type, ClassDeclarationSyntax declaration, List<DiagnosticInfo> diagnostics)
    {
        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, LocationInfo.From(declaration.Identifier.GetLocation()), type.Name));
        for (var outer = declaration.Parent as TypeDeclarationSyntax; outer is not null; outer = outer.Parent as TypeDeclarationSyntax)
        {
            if (!outer.Modifiers.Any(SyntaxKind.PartialKeyword))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ContainingTypeNotPartial, LocationInfo.From(outer.Identifier.GetLocation()), type.Name, outer.Identifier.Text));
        }
        foreach (var member in type.GetMembers())
        {
            if (member.Name is "Bayesian" or "Compressed" && !member.IsImplicitlyDeclared)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NameCollision, LocationInfo.From(member.Locations.FirstOrDefault()), type.Name, member.Name));
        }
    }

    /// <summary>Members of BayesianNetwork (the Bayesian class's base) a copied member must not be named like.</summary>
    private static readonly HashSet<string> ReservedNames = new()
    {
        "Initialize", "BayesianLayers", "BatchNorms", "Prior", "InputShape", "SampleShape", "ObserveInput", "Graph", "RecordGraph",
        "KL", "ScaleKL", "AddWeightKLGradients", "ClipVariances", "NoiseGenerator", "ResolveThreshold", "OwnMasks", "ComputeMasks",
        "LayerUnitsOf", "ApplyMasks", "ClearMasks", "Layer", "Bayesian", "Compressed",
    };

    private static void CheckReservedNames(INamedTypeSymbol type, ModuleClassModel root, List<DiagnosticInfo> diagnostics)
    {
        foreach (var member in root.Members.Where(m => ReservedNames.Contains(m.Name)))
        {
            var symbol = type.GetMembers(member.Name).FirstOrDefault();
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NameCollision, LocationInfo.From(symbol?.Locations.FirstOrDefault()), type.Name, member.Name));
        }
    }

    /// <summary>"{Block}Bayesian", made unique among the blocks and the network's members.</summary>
    private static string CounterpartName(INamedTypeSymbol block, List<ModuleClassModel> blocks, ModuleClassModel root)
    {
        var name = block.Name + "Bayesian";
        for (int k = 2; blocks.Any(b => b.CounterpartName == name) || root.Members.Any(m => m.Name == name); k++) name = block.Name + "Bayesian" + k;
        return name;
    }

    private static List<int> ReadInputShape(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics)
    {
        var shape = new List<int>();
        var attribute = AttributeReader.Find(type, KnownTypes.InputShapeAttribute);
        if (attribute is null) return shape;
        foreach (var argument in attribute.ConstructorArguments)
        {
            if (argument.Kind == TypedConstantKind.Array) shape.AddRange(argument.Values.Select(v => v.Value is int i ? i : 0));
            else if (argument.Value is int single) shape.Add(single);
        }
        if (shape.Count is < 1 or > 4 || shape.Any(d => d <= 0))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputShape, AttributeReader.LocationOf(attribute), type.Name));
            shape.Clear();
        }
        return shape;
    }

    private static EquatableArray<string> ContainingTypes(ClassDeclarationSyntax declaration)
    {
        var result = new List<string>();
        for (var outer = declaration.Parent as TypeDeclarationSyntax; outer is not null; outer = outer.Parent as TypeDeclarationSyntax)
        {
            var keyword = outer switch
            {
                RecordDeclarationSyntax r => r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
                _ => outer.Keyword.Text,
            };
            result.Insert(0, $"partial {keyword} {outer.Identifier.Text}{outer.TypeParameterList}");
        }
        return result.ToEquatableArray();
    }
}
