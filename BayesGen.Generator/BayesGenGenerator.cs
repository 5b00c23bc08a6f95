using System;
using BayesGen.Generator.Diagnostics;
using BayesGen.Generator.Emit;
using BayesGen.Generator.Model;
using BayesGen.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BayesGen.Generator;

/// <summary>
/// The BayesGen source generator. It only wires the pipeline: discovery by attribute, parsing into equatable
/// models (<see cref="NetworkParser"/>), and emission (<see cref="NetworkEmitter"/>).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class BayesGenGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var groupNJ = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownTypes.GroupNJAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => NetworkParser.Parse(ctx, PriorKindModel.GroupNJ, ct))
            .Where(static r => r is not null)
            .WithTrackingName(GeneratorStepNames.GroupNJNetworks);

        var horseshoe = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownTypes.HorseshoeAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => NetworkParser.Parse(ctx, PriorKindModel.Horseshoe, ct))
            .Where(static r => r is not null)
            .WithTrackingName(GeneratorStepNames.HorseshoeNetworks);

        var fieldPriorsNJ = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownTypes.GroupNJAttribute,
                static (node, _) => node is VariableDeclaratorSyntax,
                static (ctx, _) => FieldPriorCheck.Check(ctx))
            .Where(static d => d is not null)
            .WithTrackingName(GeneratorStepNames.FieldPriors);

        var fieldPriorsHorseshoe = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownTypes.HorseshoeAttribute,
                static (node, _) => node is VariableDeclaratorSyntax,
                static (ctx, _) => FieldPriorCheck.Check(ctx))
            .Where(static d => d is not null)
            .WithTrackingName(GeneratorStepNames.FieldPriors);

        context.RegisterSourceOutput(groupNJ, static (spc, result) => Produce(spc, result!));
        context.RegisterSourceOutput(horseshoe, static (spc, result) => Produce(spc, result!));
        context.RegisterSourceOutput(fieldPriorsNJ, static (spc, d) => spc.ReportDiagnostic(d!.ToDiagnostic()));
        context.RegisterSourceOutput(fieldPriorsHorseshoe, static (spc, d) => spc.ReportDiagnostic(d!.ToDiagnostic()));
    }

    private static void Produce(SourceProductionContext context, ParseResult result)
    {
        foreach (var diagnostic in result.Diagnostics) context.ReportDiagnostic(diagnostic.ToDiagnostic());
        if (result.Model is null) return;
        string source;
        try
        {
            source = NetworkEmitter.Emit(result.Model);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Never let a generator bug surface as CS8785 with no context: say which network and what failed.
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, null, result.Model.ClassName, e.Message));
            return;
        }
        context.AddSource(result.Model.HintName, source);
    }
}
