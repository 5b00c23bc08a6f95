using System.Collections.Immutable;
using BayesGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace BayesGen.Tests.SourceGeneration;

/// <summary>
/// Runs the generator on source text: through Microsoft.CodeAnalysis.Testing (<see cref="Test"/>) for expected
/// sources and diagnostics, or through a plain driver (<see cref="Run"/>) for incrementality and robustness.
/// References are the running runtime's assemblies plus TorchSharp and BayesGen.Runtime, so nothing is
/// downloaded at test time (the testing library's reference packs would be).
/// </summary>
public static class GeneratorHarness
{
    public static ImmutableArray<MetadataReference> References { get; } = BuildReferences();

    private static ImmutableArray<MetadataReference> BuildReferences()
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .ToList();
        paths.Add(typeof(TorchSharp.torch).Assembly.Location);
        paths.Add(typeof(BayesianNetwork).Assembly.Location);
        return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    }

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    /// <summary>A compilation of <paramref name="sources"/> against the references, as a library with nullable on.</summary>
    public static CSharpCompilation Compile(params string[] sources)
        => CSharpCompilation.Create("UserNetworks",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>A driver that records step outputs, for incrementality checks.</summary>
    public static GeneratorDriver Driver()
        => CSharpGeneratorDriver.Create(new[] { new BayesGenGenerator().AsSourceGenerator() }, parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator once; returns the output compilation and every diagnostic (generator and compiler).</summary>
    public static (Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics, GeneratorDriverRunResult Result) Run(Compilation compilation)
    {
        var driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return (output, diagnostics, driver.GetRunResult());
    }

    /// <summary>A Microsoft.CodeAnalysis.Testing test of the generator.</summary>
    public sealed class Test : CSharpSourceGeneratorTest<BayesGenGenerator, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = new ReferenceAssemblies("net10.0");
            TestState.AdditionalReferences.AddRange(References);
        }

        protected override CompilationOptions CreateCompilationOptions()
            => ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithNullableContextOptions(NullableContextOptions.Enable);

        protected override ParseOptions CreateParseOptions() => ParseOptions;
    }

    /// <summary>The expected generated source stored under Generator/Expected.</summary>
    public static string Expected(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Generator", "Expected", name)).Replace("\r\n", "\n");
}
