using System.CommandLine;
using System.Diagnostics;
using BayesGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Spectre.Console;

namespace BayesGen.Samples.Commands;

/// <summary>
/// <c>bayesgen bench generator</c>: how long the source generator takes on the sample networks. A fresh driver
/// on a compilation of the sample files (LeNets, VGG, ResNet, MobileNet) does all the generator's work (parse, data-flow analysis, checks,
/// emission); the time of the same compilation with no generator is subtracted, so what remains is the
/// generator's own share. An incremental run after an unrelated edit is timed too.
/// </summary>
public static class GeneratorBenchmark
{
    public static Command Create()
    {
        var runs = new Option<int>("--runs") { Description = "Timed runs (after warm-up).", DefaultValueFactory = _ => 30 };
        var command = new Command("generator", "Time the source generator on the sample networks.");
        command.Options.Add(runs.AtLeast(1));
        command.SetAction(parse =>
        {
            int n = parse.GetValue(runs);
            var assembly = typeof(GeneratorBenchmark).Assembly;
            var sources = assembly.GetManifestResourceNames().Where(r => r.StartsWith("Models/", StringComparison.Ordinal)).OrderBy(r => r).ToList();
            var trees = sources.Select(r =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(r)!);
                return CSharpSyntaxTree.ParseText(reader.ReadToEnd(), new CSharpParseOptions(LanguageVersion.Latest), path: r);
            }).ToList();
            var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
                .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
                .Append(typeof(TorchSharp.torch).Assembly.Location)
                .Append(typeof(BayesianNetwork).Assembly.Location)
                .Select(p => MetadataReference.CreateFromFile(p)).ToList();
            CSharpCompilation Compilation() => CSharpCompilation.Create("Bench", trees, references,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

            // With the generator: a fresh driver each run, then the semantic work a compiler would do anyway.
            var roslynReported = new List<double>();
            double WithGenerator()
            {
                var compilation = Compilation();
                var clock = Stopwatch.StartNew();
                var driver = CSharpGeneratorDriver.Create(new BayesGenGenerator()).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
                clock.Stop();
                if (diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error)) throw new InvalidOperationException("The generator reported errors on the samples.");
                // Roslyn's own timing of the generator (what the compiler reports with -reportAnalyzer).
                roslynReported.Add(driver.GetTimingInfo().GeneratorTimes[0].ElapsedTime.TotalMilliseconds);
                return clock.Elapsed.TotalMilliseconds;
            }
            // As in a build: the compiler has bound every declaration before generators run; time the generator then.
            double AfterDeclarations()
            {
                var compilation = Compilation();
                compilation.GetDeclarationDiagnostics();
                var clock = Stopwatch.StartNew();
                CSharpGeneratorDriver.Create(new BayesGenGenerator()).RunGenerators(compilation);
                clock.Stop();
                return clock.Elapsed.TotalMilliseconds;
            }
            // Without it: the same semantic questions (binding every tree), for the baseline the generator shares.
            double Baseline()
            {
                var compilation = Compilation();
                var clock = Stopwatch.StartNew();
                foreach (var tree in compilation.SyntaxTrees) compilation.GetSemanticModel(tree).GetDiagnostics();
                clock.Stop();
                return clock.Elapsed.TotalMilliseconds;
            }
            double Incremental()
            {
                var compilation = Compilation();
                GeneratorDriver driver = CSharpGeneratorDriver.Create(new BayesGenGenerator());
                driver = driver.RunGenerators(compilation);
                var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Unrelated { }"));
                var clock = Stopwatch.StartNew();
                driver.RunGenerators(edited);
                clock.Stop();
                return clock.Elapsed.TotalMilliseconds;
            }

            for (int i = 0; i < 5; i++) { WithGenerator(); Baseline(); Incremental(); AfterDeclarations(); }
            var afterDeclarations = new List<double>();
            roslynReported.Clear();
            var full = new List<double>();
            var baseline = new List<double>();
            var incremental = new List<double>();
            for (int i = 0; i < n; i++)
            {
                full.Add(WithGenerator());
                baseline.Add(Baseline());
                incremental.Add(Incremental());
                afterDeclarations.Add(AfterDeclarations());
            }
            double Median(List<double> v) { var s = v.OrderBy(x => x).ToList(); return s[s.Count / 2]; }
            var table = new Table().AddColumns("measure", "median (ms)", "per network (ms)");
            table.AddRow($"fresh driver on the {trees.Count} sample networks", Median(full).ToString("F2"), (Median(full) / trees.Count).ToString("F2"));
            table.AddRow("binding the same files without the generator", Median(baseline).ToString("F2"), (Median(baseline) / trees.Count).ToString("F2"));
            table.AddRow("generator's own share (difference)", (Median(full) - Median(baseline)).ToString("F2"), ((Median(full) - Median(baseline)) / trees.Count).ToString("F2"));
            table.AddRow("generator run time as Roslyn reports it", Median(roslynReported).ToString("F2"), (Median(roslynReported) / trees.Count).ToString("F2"));
            table.AddRow("generator after the declarations are bound (as in a build)", Median(afterDeclarations).ToString("F2"), (Median(afterDeclarations) / trees.Count).ToString("F2"));
            table.AddRow("incremental run after an unrelated edit", Median(incremental).ToString("F2"), (Median(incremental) / trees.Count).ToString("F2"));
            AnsiConsole.MarkupLine($"{trees.Count} networks ({string.Join(", ", sources.Select(Path.GetFileNameWithoutExtension))}), {n} runs each, medians");
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
