using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using BayesGen.Tests.Support;

namespace BayesGen.Tests.Architecture;

/// <summary>
/// No TorchSharp <c>Scalar</c> is made on the fly in BayesGen's runtime or sample code. TorchSharp hands a Scalar's native
/// handle to LibTorch and keeps no reference to the object during the call, so one made by an implicit conversion
/// (<c>t.add_(1.0)</c>, <c>0.5 * t</c>) can be finalised by a garbage collection that happens while LibTorch still reads
/// it: a training run died that way at epoch 24 ("Expected false to be true ... toFloat"). So Scalars are made
/// explicitly and held until the call returns (<c>BayesGen.Torch.HeldScalar</c>). This test reads the code, and the
/// code BayesGen's generator adds to the samples, with Roslyn's semantic model and lists every place that converts a
/// number to a Scalar or applies a Tensor operator to a number.
/// </summary>
public sealed class ScalarLifetimeTests
{
    private static IEnumerable<string> Sources(string project)
        => Directory.EnumerateFiles(RepositoryPaths.File(project), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"));

    /// <summary>The framework, and the managed assemblies beside the tests except the project's own (the runtime's too when the samples are read).</summary>
    private static IEnumerable<MetadataReference> References(string project)
    {
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var here = Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll");
        return platform.Concat(here)
            .Where(f => !Path.GetFileName(f).StartsWith("bayesgen", StringComparison.OrdinalIgnoreCase) || (project != "BayesGen.Runtime" && Path.GetFileName(f) is "BayesGen.Runtime.dll" or "BayesGen.Generator.dll"))
            .DistinctBy(Path.GetFileName).Where(IsManaged).Select(p => MetadataReference.CreateFromFile(p));
    }

    private static bool IsManaged(string path)
    {
        try { System.Reflection.AssemblyName.GetAssemblyName(path); return true; }
        catch (BadImageFormatException) { return false; }
    }

    /// <summary>What the SDK's implicit usings add to every file of these projects.</summary>
    private const string GlobalUsings = "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; " +
                                        "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;";

    /// <summary>Every place in <paramref name="compilation"/> where a number becomes a Scalar on the fly, as "file:line: code".</summary>
    public static List<string> OnTheFlyScalars(CSharpCompilation compilation)
    {
        var found = new List<string>();
        foreach (var tree in compilation.SyntaxTrees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var node in tree.GetRoot().DescendantNodes().OfType<ExpressionSyntax>())
            {
                bool converts = model.GetConversion(node) is { IsUserDefined: true, MethodSymbol: { } m } && m.ContainingType.Name == "Scalar"
                                && m.ContainingType.ContainingNamespace.ToDisplayString() == "TorchSharp";
                bool numericOperator = node is BinaryExpressionSyntax or PrefixUnaryExpressionSyntax or AssignmentExpressionSyntax
                                       && model.GetSymbolInfo(node).Symbol is IMethodSymbol { MethodKind: MethodKind.UserDefinedOperator } op
                                       && op.ContainingType.Name == "Tensor"
                                       && op.Parameters.Any(p => p.Type.SpecialType is SpecialType.System_Double or SpecialType.System_Single
                                           or SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Boolean);
                if (!converts && !numericOperator && !(HidesAScalar(model, node) && !WrittenAsUsersWrite(tree))) continue;
                var line = tree.GetLineSpan(node.Span).StartLinePosition.Line + 1;
                found.Add($"{Path.GetRelativePath(RepositoryPaths.Root, tree.FilePath)}:{line}: {node}");
            }
        }
        return found;
    }

    /// <summary>
    /// Whether <paramref name="node"/> calls a TorchSharp overload that makes a Scalar of its own: one that has a twin
    /// taking one more, trailing Scalar (<c>t.add(u)</c> is <c>t.add(u, 1)</c>, the 1 made on the fly inside TorchSharp),
    /// or the tensor <c>+</c> operator, which calls <c>add</c> that way. A training-free compression died of it on LeNet-5
    /// inside <c>THSTensor_add</c> with the same "toFloat" message, twice in about a hundred runs.
    /// </summary>
    private static bool HidesAScalar(SemanticModel model, ExpressionSyntax node)
    {
        if (node is not (InvocationExpressionSyntax or BinaryExpressionSyntax or AssignmentExpressionSyntax)) return false;
        if (model.GetSymbolInfo(node).Symbol is not IMethodSymbol method || !method.ContainingNamespace.ToDisplayString().StartsWith("TorchSharp", StringComparison.Ordinal))
            return false;
        if (method.MethodKind == MethodKind.UserDefinedOperator)
            return method.Name == "op_Addition" && method.Parameters.All(p => p.Type.Name == "Tensor");
        method = method.ReducedFrom ?? method;   // an extension method called on its receiver: compare the declared parameters
        return method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>().Any(twin =>
            twin.Parameters.Length == method.Parameters.Length + 1 && twin.Parameters[^1].Type.Name == "Scalar"
            && twin.Parameters.Take(method.Parameters.Length).Select(p => p.Type).SequenceEqual(method.Parameters.Select(p => p.Type), SymbolEqualityComparer.Default));
    }

    /// <summary>
    /// The sample networks (BayesGen.Samples/Models) are written as users write theirs, residual sums with <c>+</c>; the
    /// deployment and the graph run those sums through BayesGen's own kernels, which hold the alpha.
    /// </summary>
    private static bool WrittenAsUsersWrite(SyntaxTree tree)
        => tree.FilePath.Contains($"BayesGen.Samples{Path.DirectorySeparatorChar}Models{Path.DirectorySeparatorChar}", StringComparison.Ordinal);

    [Theory]
    [InlineData("BayesGen.Runtime")]
    [InlineData("BayesGen.Samples")]
    public void No_scalar_is_made_on_the_fly(string project)
    {
        var options = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = Sources(project).Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), options, f))
            .Append(CSharpSyntaxTree.ParseText(GlobalUsings, options, "GlobalUsings.g.cs"));
        var compilation = CSharpCompilation.Create(project, trees, References(project),
            new CSharpCompilationOptions(project == "BayesGen.Samples" ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
        // The samples' networks are completed by BayesGen's generator: its code is read too.
        CSharpGeneratorDriver.Create(new BayesGen.Generator.BayesGenGenerator()).WithUpdatedParseOptions(options)
            .RunGeneratorsAndUpdateCompilation(compilation, out var generated, out _);
        compilation = (CSharpCompilation)generated;
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Take(5).ToList();
        Assert.True(errors.Count == 0, "the sources did not compile for the check: " + string.Join("; ", errors));
        var found = OnTheFlyScalars(compilation);
        Assert.True(found.Count == 0, $"{found.Count} on-the-fly Scalars (use BayesGen.Torch.HeldScalar, or hold a ToScalar() in a using variable):\n" + string.Join("\n", found));
    }
}
