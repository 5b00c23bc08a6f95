using System.Collections;
using System.Reflection;
using BayesGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace BayesGen.Tests.SourceGeneration;

/// <summary>
/// The pipeline caches: edits that do not change a network leave its steps Cached or Unchanged, and nothing in
/// the pipeline's state is a Roslyn object (symbols, syntax, compilations and locations would defeat caching
/// and keep old compilations alive in the IDE).
/// </summary>
public class IncrementalityTests
{
    private static readonly string[] Steps = { GeneratorStepNames.GroupNJNetworks, GeneratorStepNames.Models };

    private static GeneratorRunResult RunTwice(Func<CSharpCompilation, CSharpCompilation> edit)
    {
        var compilation = GeneratorHarness.Compile(Sources.Mlp, "namespace Other { internal class Unrelated { } }");
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        driver = driver.RunGenerators(edit(compilation));
        return driver.GetRunResult().Results.Single();
    }

    private static void AssertAllCached(GeneratorRunResult result, params string[] steps)
    {
        foreach (var step in steps)
        {
            Assert.True(result.TrackedSteps.ContainsKey(step), $"step {step} was not tracked");
            foreach (var run in result.TrackedSteps[step])
                foreach (var (_, reason) in run.Outputs)
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step} output was {reason}");
        }
        // The source output sees only the models: its inputs are unchanged, so nothing is emitted again.
        foreach (var (_, runs) in result.TrackedOutputSteps)
            foreach (var run in runs)
                foreach (var (_, reason) in run.Outputs)
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"an output step was {reason}");
    }

    [Fact]
    public void Editing_an_unrelated_file_leaves_every_step_cached()
    {
        var result = RunTwice(c => c.ReplaceSyntaxTree(c.SyntaxTrees.Last(),
            CSharpSyntaxTree.ParseText("namespace Other { internal class Unrelated { private int changed; } }", GeneratorHarness.ParseOptions, path: "Source1.cs")));
        AssertAllCached(result, Steps);
    }

    [Fact]
    public void Adding_a_file_leaves_every_step_cached()
    {
        var result = RunTwice(c => c.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Added { }", GeneratorHarness.ParseOptions, path: "Added.cs")));
        AssertAllCached(result, Steps);
    }

    [Fact]
    public void Moving_the_network_down_a_line_regenerates_nothing()
    {
        var result = RunTwice(c =>
        {
            var tree = c.SyntaxTrees.First();
            return c.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText("// a new first line\n" + tree, GeneratorHarness.ParseOptions, path: tree.FilePath));
        });
        // The network's file changed, so its parse step ran again, but the model it produced is equal: Unchanged.
        AssertAllCached(result, Steps);
    }

    [Fact]
    public void Changing_a_layer_size_leaves_the_generated_source_as_it_was()
    {
        // The generated classes read sizes from the network at run time: a new size is a new parse, the same model.
        var result = RunTwice(c =>
        {
            var tree = c.SyntaxTrees.First();
            return c.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(tree.ToString().Replace("Linear(32, 16)", "Linear(32, 20)").Replace("Linear(16, 4)", "Linear(20, 4)"), GeneratorHarness.ParseOptions, path: tree.FilePath));
        });
        var models = result.TrackedSteps[GeneratorStepNames.Models].SelectMany(r => r.Outputs).Select(o => o.Reason);
        Assert.All(models, reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"model step was {reason}"));
    }

    [Fact]
    public void Changing_forward_regenerates_the_network()
    {
        var result = RunTwice(c =>
        {
            var tree = c.SyntaxTrees.First();
            return c.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(tree.ToString().Replace("h = functional.relu(fc2.forward(h));", "h = functional.gelu(fc2.forward(h));"), GeneratorHarness.ParseOptions, path: tree.FilePath));
        });
        var reasons = result.TrackedSteps[GeneratorStepNames.GroupNJNetworks].SelectMany(r => r.Outputs).Select(o => o.Reason);
        Assert.Contains(IncrementalStepRunReason.Modified, reasons);
    }

    [Fact]
    public void Pipeline_state_holds_no_Roslyn_objects()
    {
        var compilation = GeneratorHarness.Compile(Sources.Mlp, Sources.ConvBn, Sources.Residual);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        int checkedValues = 0;
        foreach (var (name, runs) in result.TrackedSteps)
        {
            if (!name.StartsWith("BayesGen.", StringComparison.Ordinal)) continue;
            foreach (var run in runs)
                foreach (var (value, _) in run.Outputs)
                {
                    AssertNoRoslynObjects(value, name, new HashSet<object>(ReferenceEqualityComparer.Instance));
                    checkedValues++;
                }
        }
        Assert.True(checkedValues >= 3, $"only {checkedValues} step outputs were inspected");
    }

    private static readonly Type[] Forbidden = { typeof(ISymbol), typeof(SyntaxNode), typeof(Compilation), typeof(SemanticModel), typeof(Location), typeof(SyntaxTree) };

    private static void AssertNoRoslynObjects(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value is Enum || value is decimal) return;
        var type = value.GetType();
        Assert.False(Forbidden.Any(f => f.IsAssignableFrom(type)), $"{path} holds a {type.FullName}");
        if (!type.IsValueType && !seen.Add(value)) return;
        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (var item in items) AssertNoRoslynObjects(item, $"{path}[{i++}]", seen);
        }
        foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            AssertNoRoslynObjects(field.GetValue(value), $"{path}.{field.Name}", seen);
    }
}
