using System;
using System.Collections.Immutable;
using System.Linq;
using BayesGen.Generator.Diagnostics;
using BayesGen.Generator.Emit;
using BayesGen.Generator.Helpers;
using BayesGen.Generator.Model;
using BayesGen.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BayesGen.Generator;

/// <summary>
/// The BayesGen source generator. It only wires the pipeline: discovery by attribute, parsing into equatable
/// models (<see cref="NetworkParser"/>), and emission (<see cref="NetworkEmitter"/>).
/// </summary>
/// <remarks>
/// Sources and diagnostics leave through two outputs. The source output sees only the equatable model, so an
/// edit that does not change the model regenerates nothing. The diagnostic output pairs the diagnostics with
/// the current compilation to give each one a location in a real syntax tree: a location made from a file path
/// alone would escape #pragma warning disable.
/// </remarks>
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
            .Select(static (r, _) => r!)
            .WithTrackingName(GeneratorStepNames.GroupNJNetworks);

        var horseshoe = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownTypes.HorseshoeAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => NetworkParser.Parse(ctx, PriorKindModel.Horseshoe, ct))
            .Where(static r => r is not null)
            .Select(static (r, _) => r!)
            .WithTrackingName(GeneratorStepNames.HorseshoeNetworks);

        var fieldPriors = FieldPriors(context, KnownTypes.GroupNJAttribute).Collect()
            .Combine(FieldPriors(context, KnownTypes.HorseshoeAttribute).Collect())
            .Select(static (pair, _) => pair.Left.AddRange(pair.Right));

        foreach (var results in new[] { groupNJ, horseshoe })
        {
            var models = results
                .Select(static (r, _) => r.Model)
                .Where(static m => m is not null)
                .WithTrackingName(GeneratorStepNames.Models);
            context.RegisterSourceOutput(models, static (spc, model) => Produce(spc, model!));
        }

        var diagnostics = groupNJ.Collect()
            .Combine(horseshoe.Collect())
            .Select(static (pair, _) => pair.Left.Concat(pair.Right).SelectMany(r => r.Diagnostics).ToImmutableArray())
            .Combine(fieldPriors)
            .Combine(context.CompilationProvider);
        context.RegisterSourceOutput(diagnostics, static (spc, input) =>
        {
            var ((fromNetworks, fromFields), compilation) = input;
            foreach (var d in fromNetworks.Concat(fromFields)) spc.ReportDiagnostic(d.ToDiagnostic(compilation));
        });
    }

    private static IncrementalValuesProvider<DiagnosticInfo> FieldPriors(IncrementalGeneratorInitializationContext context, string attribute)
        => context.SyntaxProvider
            .ForAttributeWithMetadataName(attribute,
                static (node, _) => node is VariableDeclaratorSyntax or PropertyDeclarationSyntax,
                static (ctx, _) => FieldPriorCheck.Check(ctx))
            .Where(static d => d is not null)
            .Select(static (d, _) => d!)
            .WithTrackingName(GeneratorStepNames.FieldPriors);

    private static void Produce(SourceProductionContext context, NetworkModel model)
    {
        string source;
        try
        {
            source = NetworkEmitter.Emit(model);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Never let a generator bug surface as CS8785 with no context: say which network and what failed.
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, null, model.ClassName, e.Message));
            return;
        }
        context.AddSource(model.HintName, source);
    }
}
