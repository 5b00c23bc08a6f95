using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace BayesGen.Tests.SourceGeneration;

/// <summary>
/// A corpus of broken and half-typed networks, as an editor sees them while someone types: the generator must
/// never throw, and whatever it emits must compile (errors may only be in the user's own code).
/// </summary>
public class RobustnessTests
{
    public static IEnumerable<object[]> Corpus()
    {
        var bases = new[] { Sources.Mlp, Sources.ConvBn, Sources.Residual, Sources.Vgg };
        foreach (var (source, index) in bases.Select((s, i) => (s, i)))
        {
            // Truncated at many points: every prefix an editor shows while the file is typed top to bottom.
            for (int cut = Math.Min(Sources.Usings.Length, source.Length / 4); cut < source.Length; cut += 37)
                yield return new object[] { $"base {index} cut at {cut}", source.Substring(0, cut) };
            // One token deleted at a time (a sample of positions).
            var tokens = CSharpSyntaxTree.ParseText(source).GetRoot().DescendantTokens().ToArray();
            var random = new Random(index);
            var picked = new HashSet<int>();
            while (picked.Count < Math.Min(40, tokens.Length)) picked.Add(random.Next(tokens.Length));   // distinct: one test case each
            foreach (var token in picked.Select(i => tokens[i]))
            {
                yield return new object[] { $"base {index} without '{token.Text}' at {token.SpanStart}", source.Remove(token.SpanStart, token.Span.Length) };
            }
        }
        foreach (var (name, text) in Oddities())
            yield return new object[] { name, Sources.Usings + text };
    }

    private static IEnumerable<(string, string)> Oddities()
    {
        yield return ("generic network", "[GroupNJ] public partial class Net<T> : Module<Tensor, Tensor> { private readonly Linear fc = Linear(2, 2); public Net() : base(\"n\") { } public override Tensor forward(Tensor x) => fc.forward(x); }");
        yield return ("nested in partial types", "public partial class A { public partial struct B { [GroupNJ] internal partial class Net : Module<Tensor, Tensor> { private readonly Linear fc = Linear(2, 2); public Net() : base(\"n\") { } public override Tensor forward(Tensor x) => fc.forward(x); } } }");
        yield return ("global namespace", "[Horseshoe(1e-5)] public partial class GlobalNet : Module<Tensor, Tensor> { private readonly Linear fc = Linear(2, 2); public GlobalNet() : base(\"n\") { } public override Tensor forward(Tensor x) => fc.forward(x); }");
        yield return ("attribute with a wrong argument", "[Horseshoe(\"big\")] public partial class Net : Module<Tensor, Tensor> { private readonly Linear fc = Linear(2, 2); public Net() : base(\"n\") { } public override Tensor forward(Tensor x) => fc.forward(x); }");
        yield return ("empty input shape", "[GroupNJ, InputShape] public partial class Net : Module<Tensor, Tensor> { private readonly Linear fc = Linear(2, 2); public Net() : base(\"n\") { } public override Tensor forward(Tensor x) => fc.forward(x); }");
        yield return ("missing layer type", "[GroupNJ] public partial class Net : Module<Tensor, Tensor> { private readonly Lineer fc = Linear(2, 2); public Net() : base(\"n\") { } public override Tensor forward(Tensor x) => fc.forward(x); }");
        yield return ("field without initializer", "[GroupNJ] public partial class Net : Module<Tensor, Tensor> { private readonly Linear fc; public Net() : base(\"n\") { } public override Tensor forward(Tensor x) => fc.forward(x); }");
        yield return ("static class", "[GroupNJ] public static partial class Net { }");
        yield return ("record", "[GroupNJ] public partial record Net(int A);");
        yield return ("no parameterless constructor", "[GroupNJ] public partial class Net : Module<Tensor, Tensor> { private readonly Linear fc = Linear(2, 2); public Net(string n) : base(n) { } public override Tensor forward(Tensor x) => fc.forward(x); }");
        yield return ("private constructor", "[GroupNJ] public partial class Net : Module<Tensor, Tensor> { private readonly Linear fc = Linear(2, 2); private Net() : base(\"n\") { } public override Tensor forward(Tensor x) => fc.forward(x); }");
        yield return ("forward with two parameters", "[GroupNJ] public partial class Net : Module<Tensor, Tensor, Tensor> { private readonly Linear fc = Linear(2, 2); public Net() : base(\"n\") { } public override Tensor forward(Tensor x, Tensor y) => fc.forward(x); }");
        yield return ("keyword-named field", "[GroupNJ] public partial class Net : Module<Tensor, Tensor> { private readonly Linear @class = Linear(2, 2); public Net() : base(\"n\") { } public override Tensor forward(Tensor x) => @class.forward(x); }");
        yield return ("layer in a property", "[GroupNJ] public partial class Net : Module<Tensor, Tensor> { private Linear Fc { get; } = Linear(2, 2); public Net() : base(\"n\") { } public override Tensor forward(Tensor x) => Fc.forward(x); }");
        yield return ("half-typed Sequential", "[GroupNJ] public partial class Net : Module<Tensor, Tensor> { private readonly Module<Tensor, Tensor> seq = Sequential((\"a\", Linear(2, 2)), (\"b\", ); public Net() : base(\"n\") { } public override Tensor forward(Tensor x) => seq.forward(x); }");
        yield return ("Sequential from a loop over a missing list", "[GroupNJ] public partial class Net : Module<Tensor, Tensor> { private readonly Module<Tensor, Tensor> seq; public Net() : base(\"n\") { var m = new System.Collections.Generic.List<Module<Tensor, Tensor>>(); for (int i = 0; i < 3; i++) m.Add(Linear(2, 2)); seq = Sequential(mm); } public override Tensor forward(Tensor x) => seq.forward(x); }");
        yield return ("ModuleList foreach", "[GroupNJ] public partial class Net : Module<Tensor, Tensor> { private readonly ModuleList<Module<Tensor, Tensor>> list = new(Linear(2, 2), ReLU(), Linear(2, 2)); public Net() : base(\"n\") { } public override Tensor forward(Tensor x) { foreach (var m in list) x = m.forward(x); return x; } }");
        yield return ("ModuleList of Linear indexed", "[GroupNJ] public partial class Net : Module<Tensor, Tensor> { private readonly ModuleList<Linear> list = new(Linear(2, 2), Linear(2, 2)); public Net() : base(\"n\") { } public override Tensor forward(Tensor x) { for (int i = 0; i < list.Count; i++) x = list[i].forward(x); return x; } }");
        yield return ("computed property layer", "[GroupNJ] public partial class Net : Module<Tensor, Tensor> { private Linear Fc => Linear(2, 2); public Net() : base(\"n\") { } public override Tensor forward(Tensor x) => Fc.forward(x); }");
        yield return ("computed property value", "[GroupNJ] public partial class Net : Module<Tensor, Tensor> { private readonly Linear fc = Linear(2, 2); private double Scale => 0.5; public Net() : base(\"n\") { } public override Tensor forward(Tensor x) => fc.forward(x) * Scale; }");
        yield return ("static module field", "[GroupNJ] public partial class Net : Module<Tensor, Tensor> { private static readonly Linear fc = Linear(2, 2); public Net() : base(\"n\") { } public override Tensor forward(Tensor x) => fc.forward(x); }");
        yield return ("block without forward", "public class Block : Module<Tensor, Tensor> { public Block() : base(\"b\") { } } [GroupNJ] public partial class Net : Module<Tensor, Tensor> { private readonly Linear fc = Linear(2, 2); private readonly Block block = new Block(); public Net() : base(\"n\") { } public override Tensor forward(Tensor x) => block.forward(fc.forward(x)); }");
        yield return ("block with a private helper", "public class Block : Module<Tensor, Tensor> { private readonly Linear fc = Linear(2, 2); private readonly int k = 2; public Block() : base(\"b\") => RegisterComponents(); private static Tensor Twice(Tensor t) => t * 2; public override Tensor forward(Tensor x) => Twice(fc.forward(x)) * k; } [GroupNJ] public partial class Net : Module<Tensor, Tensor> { private readonly Block block = new Block(); public Net() : base(\"n\") => RegisterComponents(); public override Tensor forward(Tensor x) => block.forward(x); }");
        yield return ("generic block", "public class Block<T> : Module<Tensor, Tensor> { private readonly Linear fc = Linear(2, 2); public Block() : base(\"b\") => RegisterComponents(); public override Tensor forward(Tensor x) => fc.forward(x); } [GroupNJ] public partial class Net : Module<Tensor, Tensor> { private readonly Block<int> block = new Block<int>(); public Net() : base(\"n\") => RegisterComponents(); public override Tensor forward(Tensor x) => block.forward(x); }");
        yield return ("recursive block", "public class Block : Module<Tensor, Tensor> { private readonly Block? inner; private readonly Linear fc = Linear(2, 2); public Block(int depth) : base(\"b\") { if (depth > 0) inner = new Block(depth - 1); RegisterComponents(); } public override Tensor forward(Tensor x) => inner is null ? fc.forward(x) : inner.forward(fc.forward(x)); } [GroupNJ] public partial class Net : Module<Tensor, Tensor> { private readonly Block block = new Block(2); public Net() : base(\"n\") => RegisterComponents(); public override Tensor forward(Tensor x) => block.forward(x); }");
        yield return ("two partial declarations", "[GroupNJ] public partial class Net : Module<Tensor, Tensor> { private readonly Linear fc = Linear(2, 2); public Net() : base(\"n\") { } } public partial class Net { public override Tensor forward(Tensor x) => fc.forward(x); }");
        yield return ("forward with a lambda", "[GroupNJ] public partial class Net : Module<Tensor, Tensor> { private readonly Linear fc = Linear(2, 2); public Net() : base(\"n\") { } public override Tensor forward(Tensor x) { System.Func<Tensor, Tensor> f = t => fc.forward(t); return f(x); } }");
        yield return ("local function", "[GroupNJ] public partial class Net : Module<Tensor, Tensor> { private readonly Linear fc = Linear(2, 2); public Net() : base(\"n\") { } public override Tensor forward(Tensor x) { return F(x); Tensor F(Tensor t) => fc.forward(t); } }");
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Never_throws_and_never_emits_code_that_fails_to_compile(string name, string source)
    {
        var (output, _, result) = GeneratorHarness.Run(GeneratorHarness.Compile(source));
        Assert.All(result.Results, r => Assert.Null(r.Exception));
        var generated = result.GeneratedTrees.ToHashSet();
        var errors = output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } tree && generated.Contains(tree))
            .Select(d => d.ToString())
            .ToList();
        Assert.True(errors.Count == 0, $"{name}: generated code does not compile:\n{string.Join("\n", errors.Take(5))}");
    }
}
