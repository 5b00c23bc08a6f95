using System.Globalization;
using System.Text;
using BayesGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;

namespace BayesGen.Tests.SourceGeneration;

/// <summary>
/// The generated source of representative networks, compared line for line with reviewed files in
/// Generator/Expected (a failing run writes what it produced next to the test assembly as *.actual.txt).
/// </summary>
public class ExpectedSourceTests
{
    private static async Task Verify(string source, string hintName, string expectedFile, params DiagnosticResult[] diagnostics)
    {
        var expected = GeneratorHarness.Expected(expectedFile);
        var actual = GeneratorHarness.Run(GeneratorHarness.Compile(source)).Result.GeneratedTrees.Single().ToString();
        if (actual != expected)
            File.WriteAllText(Path.Combine(AppContext.BaseDirectory, expectedFile.Replace(".txt", ".actual.txt")), actual);

        var test = new GeneratorHarness.Test { TestState = { Sources = { source } } };
        test.TestState.GeneratedSources.Add((typeof(BayesGenGenerator), hintName, SourceText.From(expected, Encoding.UTF8)));
        test.ExpectedDiagnostics.AddRange(diagnostics);
        await test.RunAsync();
    }

    [Fact]
    public Task Mlp_with_clip_threshold_and_input_shape()
        => Verify(Sources.Mlp, "Demo.Mlp.BayesGen.g.cs", "Mlp.txt");

    [Fact]
    public Task Conv_net_with_BatchNorm_module_fields_horseshoe_and_a_GNJ_override()
        => Verify(Sources.ConvBn, "Demo.Vision.ConvBn.BayesGen.g.cs", "ConvBn.txt");

    [Fact]
    public Task Residual_blocks_in_a_ModuleList_get_counterparts()
        => Verify(Sources.Residual, "Demo.Residual.BayesGen.g.cs", "Residual.txt");

    [Fact]
    public Task Vgg_with_a_Sequential_built_in_a_loop_aliases_and_a_value_member()
        => Verify(Sources.Vgg, "Demo.Vision.Vgg.BayesGen.g.cs", "Vgg.txt");

    [Fact]
    public void Generated_source_is_the_same_under_any_culture()
    {
        var original = CultureInfo.CurrentCulture;
        try
        {
            string Generate() => GeneratorHarness.Run(GeneratorHarness.Compile(Sources.ConvBn)).Result.GeneratedTrees.Single().ToString();
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            var invariant = Generate();
            // Finnish writes minus as U+2212 and a decimal comma; generated literals must not follow it.
            CultureInfo.CurrentCulture = new CultureInfo("fi-FI");
            Assert.Equal(invariant, Generate());
            Assert.Contains("1E-05d", invariant);
        }
        finally
        {
            CultureInfo.CurrentCulture = original;
        }
    }
}
