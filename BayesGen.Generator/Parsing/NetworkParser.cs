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

/// <summary>What parsing one annotated class produced: a model to emit (null when an error prevents it) and diagnostics.</summary>
internal sealed record ParseResult(NetworkModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>
/// Turns an annotated class (symbols and syntax) into a <see cref="NetworkModel"/> of plain values, checking
/// everything that would otherwise fail at run time. Errors stop the model from being emitted, so a mistake
/// gives one clear diagnostic rather than a cascade of compiler errors in generated code.
/// </summary>
internal static class NetworkParser
{
    private sealed record FieldInfo(IFieldSymbol Symbol, IOperation? Initializer, VariableDeclaratorSyntax? Declarator);

    public static ParseResult? Parse(GeneratorAttributeSyntaxContext context, PriorKindModel pipeline, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.TargetNode is not ClassDeclarationSyntax declaration)
            return null;
        // A class with both priors is reported once, by the GroupNJ pipeline.
        if (pipeline == PriorKindModel.Horseshoe && AttributeReader.Find(type, KnownTypes.GroupNJAttribute) is not null)
            return null;

        var diagnostics = new List<DiagnosticInfo>();
        var known = KnownTypes.Instance;
        bool ok = true;

        var prior = AttributeReader.ReadPrior(type, diagnostics, out var priorValid);
        ok &= priorValid && prior is not null;

        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, LocationInfo.From(declaration.Identifier.GetLocation()), type.Name));
            ok = false;
        }
        for (var outer = declaration.Parent as TypeDeclarationSyntax; outer is not null; outer = outer.Parent as TypeDeclarationSyntax)
        {
            if (!outer.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ContainingTypeNotPartial, LocationInfo.From(outer.Identifier.GetLocation()), type.Name, outer.Identifier.Text));
                ok = false;
            }
        }
        if (!known.IsTensorModule(type))
        {
            var at = (SyntaxNode?)declaration.BaseList ?? declaration;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotAModule,
                LocationInfo.From(declaration.BaseList is null ? declaration.Identifier.GetLocation() : at.GetLocation()), type.Name));
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }
        foreach (var member in type.GetMembers())
        {
            if (member.Name is "Bayesian" or "Compressed" && !member.IsImplicitlyDeclared)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NameCollision, LocationInfo.From(member.Locations.FirstOrDefault()), type.Name, member.Name));
                ok = false;
            }
        }

        var inputShape = ReadInputShape(type, diagnostics, ref ok);
        cancellationToken.ThrowIfCancellationRequested();

        // Fields: Bayesian layers, supported modules, and attributes in the wrong place.
        var layerKinds = new Dictionary<string, LayerKindModel>();
        var moduleKinds = new Dictionary<string, ModuleKind>();
        var fields = new Dictionary<string, FieldInfo>();
        foreach (var field in type.GetMembers().OfType<IFieldSymbol>())
        {
            if (field.IsStatic || field.IsImplicitlyDeclared) continue;
            var info = ReadField(field, type, context.SemanticModel, cancellationToken);
            fields[field.Name] = info;
            if (known.IsLinear(field.Type)) layerKinds[field.Name] = LayerKindModel.Linear;
            else if (known.IsConv2d(field.Type)) layerKinds[field.Name] = LayerKindModel.Conv2d;
            else
            {
                if (known.ModuleKindOf(field.Type) is ModuleKind kind) moduleKinds[field.Name] = kind;
                foreach (var name in new[] { KnownTypes.GroupNJAttribute, KnownTypes.HorseshoeAttribute, KnownTypes.ClipVarianceAttribute, KnownTypes.PruneThresholdAttribute })
                {
                    if (AttributeReader.Find(field, name) is { } misplaced)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.AttributeOnNonLayer, AttributeReader.LocationOf(misplaced),
                            misplaced.AttributeClass!.Name.Replace("Attribute", ""), field.Name));
                        ok = false;
                    }
                }
            }
        }

        // forward: the method the generated models are built from.
        var forward = type.GetMembers("forward").OfType<IMethodSymbol>().FirstOrDefault(m =>
            !m.IsStatic && m.Parameters.Length == 1 && known.IsTensor(m.Parameters[0].Type) && known.IsTensor(m.ReturnType));
        var forwardSyntax = forward?.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<MethodDeclarationSyntax>()
            .FirstOrDefault(m => m.Body is not null || m.ExpressionBody is not null);
        if (forward is null || forwardSyntax is null || !forward.IsOverride)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ForwardMissing, LocationInfo.From(declaration.Identifier.GetLocation()), type.Name));
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }
        var forwardModel = ModelFor(context.SemanticModel, forwardSyntax.SyntaxTree);
        var bodyOperation = forwardModel.GetOperation(forwardSyntax, cancellationToken);
        if (bodyOperation is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ForwardMissing, LocationInfo.From(forwardSyntax.Identifier.GetLocation()), type.Name));
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }
        if (UserCodeHasErrors(declaration, forwardSyntax, forwardModel, bodyOperation, cancellationToken))
        {
            // The compiler already reports the user's errors; generating from broken code would only repeat them
            // inside generated files. The next edit that fixes them regenerates.
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }
        cancellationToken.ThrowIfCancellationRequested();

        var analyzer = new ForwardAnalyzer(type, known, layerKinds, moduleKinds, forward.Parameters[0], diagnostics);
        var flow = analyzer.Analyze(bodyOperation);
        if (diagnostics.Any(d => DiagnosticDescriptors.ById(d.Id).DefaultSeverity == DiagnosticSeverity.Error)) ok = false;
        cancellationToken.ThrowIfCancellationRequested();

        // Each layer used exactly once; unused layers are left out with a warning.
        foreach (var pair in analyzer.Uses)
        {
            if (pair.Value.Count > 1 && (layerKinds.ContainsKey(pair.Key) || moduleKinds[pair.Key] is ModuleKind.BatchNorm1d or ModuleKind.BatchNorm2d))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerUsedTwice, pair.Value[1], pair.Key));
                ok = false;
            }
        }
        foreach (var name in layerKinds.Keys.Where(n => !analyzer.Referenced.Contains(n)))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerUnused, LocationInfo.From(fields[name].Declarator?.Identifier.GetLocation()), name));

        var usedLayers = flow.Followable
            ? flow.Steps.Where(s => s.Kind == FlowStepKind.Layer).Select(s => s.Field!).ToList()
            : layerKinds.Keys.Where(analyzer.Uses.ContainsKey).ToList();   // declaration order
        if (usedLayers.Count == 0 && !layerKinds.Keys.Any(analyzer.Referenced.Contains))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoBayesianLayer, LocationInfo.From(declaration.Identifier.GetLocation()), type.Name));
            ok = false;
        }

        // Per-layer priors, clips, thresholds and compile-time sizes.
        var layers = new List<LayerModel>();
        var sizes = new Dictionary<string, LayerSizes?>();
        var inSizeLocations = new Dictionary<string, LocationInfo?>();
        foreach (var name in usedLayers)
        {
            var field = fields[name];
            var layerPrior = AttributeReader.ReadPrior(field.Symbol, diagnostics, out var fieldPriorValid) ?? prior;
            ok &= fieldPriorValid;
            double? clip = null;
            if (AttributeReader.Find(field.Symbol, KnownTypes.ClipVarianceAttribute) is { } clipAttribute)
            {
                double value = clipAttribute.ConstructorArguments.FirstOrDefault().Value is double d ? d : double.NaN;
                if (!(value > 0) || double.IsInfinity(value))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidClip, AttributeReader.ArgumentLocation(clipAttribute, 0), name, AttributeReader.Format(value)));
                    ok = false;
                }
                clip = value;
            }
            double? threshold = layerPrior is { Threshold: var t } && !double.IsNaN(t) ? t : null;
            if (AttributeReader.Find(field.Symbol, KnownTypes.PruneThresholdAttribute) is { } thresholdAttribute)
            {
                double value = thresholdAttribute.ConstructorArguments.FirstOrDefault().Value is double d ? d : double.NaN;
                if (double.IsNaN(value) || double.IsInfinity(value))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidThreshold, AttributeReader.ArgumentLocation(thresholdAttribute, 0), name, AttributeReader.Format(value)));
                    ok = false;
                }
                threshold = value;
            }
            int before = diagnostics.Count;
            var layerSizes = ReadSizes(field, layerKinds[name], diagnostics, inSizeLocations, ref ok);
            if (layerSizes is null && diagnostics.Count == before)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizesNotConstant, LocationInfo.From(field.Declarator?.Identifier.GetLocation()), name));
            sizes[name] = layerSizes;
            if (layerPrior is not null)
                layers.Add(new LayerModel(name, layerKinds[name], layerPrior, clip, threshold, layerSizes));
        }

        // Module fields forward uses, with their compile-time constants for size checking.
        var modules = new List<ModuleFieldModel>();
        var normFeatures = new Dictionary<string, long?>();
        var modulePools = new Dictionary<string, long[]?>();
        foreach (var name in analyzer.Uses.Keys.Where(moduleKinds.ContainsKey).OrderBy(n => n, System.StringComparer.Ordinal))
        {
            var kind = moduleKinds[name];
            var field = fields[name];
            long? features = null;
            if (kind is ModuleKind.BatchNorm1d or ModuleKind.BatchNorm2d && Invocation(field.Initializer) is { } bn)
            {
                features = Constants.Long(Constants.Argument(bn, "num_features"));
                var arg = Constants.ExplicitArgument(bn, "num_features");
                inSizeLocations[name] = LocationInfo.From(arg?.Syntax ?? field.Declarator);
            }
            if (kind is ModuleKind.MaxPool2d or ModuleKind.AvgPool2d && Invocation(field.Initializer) is { } pool)
                modulePools[name] = PoolConstants(pool);
            normFeatures[name] = features;
            modules.Add(new ModuleFieldModel(name, kind, field.Symbol.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), features));
        }

        CheckReservedNames(usedLayers.Concat(modules.Select(m => m.Name)), flow, fields, type, diagnostics);

        if (flow.Followable)
            new SizeChecker(sizes, layerKinds, normFeatures, moduleKinds, modulePools, inSizeLocations, diagnostics).Check(flow, inputShape);
        if (diagnostics.Any(d => DiagnosticDescriptors.ById(d.Id).DefaultSeverity == DiagnosticSeverity.Error)) ok = false;
        cancellationToken.ThrowIfCancellationRequested();

        if (!ok || prior is null)
        {
            // With an error nothing is generated, so "the flow cannot be followed" would only repeat it.
            diagnostics.RemoveAll(d => d.Id == DiagnosticDescriptors.FlowNotFollowed.Id);
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }

        var model = new NetworkModel(
            type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
            ContainingTypes(declaration),
            type.Name,
            declaration.TypeParameterList?.WithoutTrivia().ToString() ?? "",
            SyntaxFacts.GetText(type.DeclaredAccessibility == Accessibility.NotApplicable ? Accessibility.Internal : type.DeclaredAccessibility),
            prior,
            layers.ToEquatableArray(),
            modules.ToEquatableArray(),
            flow,
            inputShape.ToEquatableArray(),
            ReadForward(forwardSyntax, forward.Parameters[0].Name),
            HasParameterlessConstructor(type));
        return new ParseResult(model, diagnostics.ToEquatableArray());
    }

    /// <summary>
    /// Whether the parts the generated code copies or depends on have compile errors: syntax errors anywhere in
    /// the class or its file's usings, and any error inside forward (its body and usings are carried over).
    /// </summary>
    private static bool UserCodeHasErrors(ClassDeclarationSyntax declaration, MethodDeclarationSyntax forward, SemanticModel model, IOperation body, CancellationToken cancellationToken)
    {
        bool IsError(Diagnostic d) => d.Severity == DiagnosticSeverity.Error;
        // Syntax errors: cheap, from the trees themselves.
        if (declaration.GetDiagnostics().Any(IsError) || forward.GetDiagnostics().Any(IsError)) return true;
        foreach (var ns in declaration.Ancestors().OfType<BaseNamespaceDeclarationSyntax>())
            if (ns.Name.GetDiagnostics().Any(IsError) || ns.Name.IsMissing) return true;
        foreach (var outer in declaration.Ancestors().OfType<TypeDeclarationSyntax>())
            if (outer.Identifier.IsMissing) return true;
        // Semantic errors in forward show as invalid operations or error types in its (already bound) operation tree.
        foreach (var op in body.DescendantsAndSelf())
            if (op is IInvalidOperation || op.Type?.TypeKind == TypeKind.Error) return true;
        // Usings the body relies on must resolve.
        var usings = (forward.SyntaxTree.GetRoot(cancellationToken) as CompilationUnitSyntax)?.Usings.AsEnumerable() ?? Enumerable.Empty<UsingDirectiveSyntax>();
        usings = usings.Concat(forward.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().SelectMany(ns => ns.Usings));
        foreach (var u in usings)
        {
            if (u.GetDiagnostics().Any(IsError)) return true;
            var target = u.NamespaceOrType;
            if (target is not null && model.GetSymbolInfo(target, cancellationToken).Symbol is null) return true;
        }
        return false;
    }

    /// <summary>Members of the generated classes (and their base classes) that a layer field must not be named like.</summary>
    private static readonly string[] ReservedNames =
    {
        "bayesGenLayers", "BayesianLayers", "Prior", "InputShape", "Graph", "KL", "ScaleKL", "AddWeightKLGradients", "ClipVariances",
        "ComputeMasks", "ApplyMasks", "ClearMasks", "NoiseGenerator", "ResolveThreshold", "OwnMasks", "Layer",
        "ExpectedOps", "Model", "Load", "From", "Bayesian", "Compressed",
    };

    private static void CheckReservedNames(IEnumerable<string> fieldNames, FlowModel flow, Dictionary<string, FieldInfo> fields, INamedTypeSymbol type, List<DiagnosticInfo> diagnostics)
    {
        var reserved = new HashSet<string>(ReservedNames);
        for (int i = 0; i < flow.Steps.Count; i++)
        {
            var step = flow.Steps[i];
            if (step.Kind == FlowStepKind.Layer) reserved.Add(step.Field + "Inputs");
            if (step.Kind is FlowStepKind.MaxPool or FlowStepKind.AvgPool) reserved.Add("pool" + i);
            if (step.Kind == FlowStepKind.Module) reserved.Add(step.Field + "Slope");
        }
        foreach (var name in fieldNames.Distinct())
        {
            if (!reserved.Contains(name)) continue;
            var at = fields.TryGetValue(name, out var f) ? LocationInfo.From(f.Declarator?.Identifier.GetLocation()) : null;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NameCollision, at, type.Name, name));
        }
    }

    private static List<int> ReadInputShape(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics, ref bool ok)
    {
        var shape = new List<int>();
        var attribute = AttributeReader.Find(type, KnownTypes.InputShapeAttribute);
        if (attribute is null) return shape;
        foreach (var argument in attribute.ConstructorArguments)
        {
            if (argument.Kind == TypedConstantKind.Array)
                shape.AddRange(argument.Values.Select(v => v.Value is int i ? i : 0));
            else if (argument.Value is int single)
                shape.Add(single);
        }
        if (shape.Count is not (1 or 3) || shape.Any(d => d <= 0))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputShape, AttributeReader.LocationOf(attribute), type.Name));
            ok = false;
            shape.Clear();
        }
        return shape;
    }

    /// <summary>
    /// The semantic model of <paramref name="tree"/>: the one the pipeline handed over when it is the same tree
    /// (it has already bound what the attribute lookup needed, and keeps what it binds), a new one otherwise.
    /// </summary>
    private static SemanticModel ModelFor(SemanticModel model, SyntaxTree tree)
        => model.SyntaxTree == tree ? model : model.Compilation.GetSemanticModel(tree);

    private static FieldInfo ReadField(IFieldSymbol field, INamedTypeSymbol type, SemanticModel model, CancellationToken cancellationToken)
    {
        var declarator = field.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<VariableDeclaratorSyntax>().FirstOrDefault();
        ExpressionSyntax? expression = declarator?.Initializer?.Value;
        if (expression is null)
        {
            // Assigned in a constructor: fc1 = Linear(784, 300);
            foreach (var ctor in type.InstanceConstructors)
            {
                foreach (var syntax in ctor.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)))
                {
                    foreach (var assignment in syntax.DescendantNodes().OfType<AssignmentExpressionSyntax>())
                    {
                        var target = assignment.Left is MemberAccessExpressionSyntax m && m.Expression is ThisExpressionSyntax ? m.Name : assignment.Left;
                        if (target is IdentifierNameSyntax id && id.Identifier.Text == field.Name) expression ??= assignment.Right;
                    }
                }
            }
        }
        var operation = expression is null ? null : ModelFor(model, expression.SyntaxTree).GetOperation(expression, cancellationToken);
        return new FieldInfo(field, operation, declarator);
    }

    private static IInvocationOperation? Invocation(IOperation? operation)
        => operation is null ? null : Constants.Unwrap(operation) as IInvocationOperation;

    private static LayerSizes? ReadSizes(FieldInfo field, LayerKindModel kind, List<DiagnosticInfo> diagnostics, Dictionary<string, LocationInfo?> inSizeLocations, ref bool ok)
    {
        var name = field.Symbol.Name;
        inSizeLocations[name] = LocationInfo.From(field.Declarator?.Identifier.GetLocation());
        var invocation = Invocation(field.Initializer);
        if (invocation is null) return null;
        if (kind == LayerKindModel.Linear)
        {
            var inArg = Constants.ExplicitArgument(invocation, "inputSize");
            if (inArg is not null) inSizeLocations[name] = LocationInfo.From(inArg.Syntax);
            var input = Constants.Long(Constants.Argument(invocation, "inputSize"));
            var output = Constants.Long(Constants.Argument(invocation, "outputSize"));
            return input is null || output is null ? null : new LayerSizes(input.Value, output.Value, EquatableArray<long>.Empty);
        }

        var inChannels = Constants.ExplicitArgument(invocation, "in_channels");
        if (inChannels is not null) inSizeLocations[name] = LocationInfo.From(inChannels.Syntax);
        var paddingArgument = Constants.Argument(invocation, "padding");
        if (paddingArgument is not null && Constants.Unwrap(paddingArgument).Type?.Name == "Padding")
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedConvolution, LocationInfo.From(Constants.ExplicitArgument(invocation, "padding")?.Syntax ?? invocation.Syntax), name, "a padding type (Padding.Same or Padding.Valid)"));
            ok = false;
            return null;
        }
        if (Constants.ExplicitArgument(invocation, "padding_mode") is { } mode && Constants.Long(mode.Value) is long m && m != 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedConvolution, LocationInfo.From(mode.Syntax), name, "a padding mode other than zeros"));
            ok = false;
        }
        if (Constants.ExplicitArgument(invocation, "groups") is { } groupsArgument && Constants.Long(groupsArgument.Value) is long g && g != 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedConvolution, LocationInfo.From(groupsArgument.Syntax), name, $"groups = {g}"));
            ok = false;
        }
        var inC = Constants.Long(Constants.Argument(invocation, "in_channels"));
        var outC = Constants.Long(Constants.Argument(invocation, "out_channels"));
        var kernel = Constants.Pair(Constants.Argument(invocation, "kernel_size"));
        var strideArg = Constants.Argument(invocation, "stride");
        var stride = Constants.IsNull(strideArg) ? new long[] { 1, 1 } : Constants.Pair(strideArg);
        var padArg = Constants.Argument(invocation, "padding");
        var padding = Constants.IsNull(padArg) ? new long[] { 0, 0 } : Constants.Pair(padArg);
        var dilArg = Constants.Argument(invocation, "dilation");
        var dilation = Constants.IsNull(dilArg) ? new long[] { 1, 1 } : Constants.Pair(dilArg);
        if (inC is null || outC is null || kernel is null || stride is null || padding is null || dilation is null) return null;
        return new LayerSizes(inC.Value, outC.Value, new[] { kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1] }.ToEquatableArray());
    }

    private static long[]? PoolConstants(IInvocationOperation pool)
    {
        var kernel = Constants.Pair(Constants.Argument(pool, "kernel_size"));
        var strideArg = Constants.Argument(pool, "stride", "strides");
        var stride = Constants.IsNull(strideArg) ? kernel : Constants.Pair(strideArg);
        var padArg = Constants.Argument(pool, "padding");
        var padding = Constants.IsNull(padArg) ? new long[] { 0, 0 } : Constants.Pair(padArg);
        var ceil = Constants.Argument(pool, "ceil_mode")?.ConstantValue is { HasValue: true, Value: true } ? 1L : 0L;
        if (kernel is null || stride is null || padding is null) return null;
        return new[] { kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], ceil };
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

    private static ForwardModel ReadForward(MethodDeclarationSyntax method, string parameterName)
    {
        var fileUsings = new List<string>();
        var namespaceUsings = new List<string>();
        if (method.SyntaxTree.GetRoot() is CompilationUnitSyntax unit)
            fileUsings.AddRange(unit.Usings.Where(u => u.GlobalKeyword.IsKind(SyntaxKind.None)).Select(u => u.WithoutTrivia().ToString()));
        foreach (var ns in method.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().Reverse())
            namespaceUsings.AddRange(ns.Usings.Select(u => u.WithoutTrivia().ToString()));
        var body = method.Body is not null ? Reindent(method.Body) : method.ExpressionBody!.Expression.ToString();
        return new ForwardModel(parameterName, body, method.Body is null, fileUsings.ToEquatableArray(), namespaceUsings.ToEquatableArray());
    }

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
        // The closing brace sits at the method's indentation; everything else is indented more.
        int braceIndent = lines.Length > 1 ? lines[lines.Length - 1].Length - lines[lines.Length - 1].TrimStart().Length : 0;
        indent = System.Math.Min(indent == int.MaxValue ? 0 : indent, braceIndent);
        for (int i = 1; i < lines.Length; i++)
            lines[i] = lines[i].Length >= indent && lines[i].Substring(0, indent).Trim().Length == 0 ? lines[i].Substring(indent) : lines[i].TrimStart();
        return string.Join("\n", lines).TrimEnd();
    }

    private static bool HasParameterlessConstructor(INamedTypeSymbol type)
        => !type.IsAbstract && type.InstanceConstructors.Any(c => c.Parameters.Length == 0);
}
