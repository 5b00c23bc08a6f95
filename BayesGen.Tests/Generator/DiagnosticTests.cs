using Microsoft.CodeAnalysis.Testing;

namespace BayesGen.Tests.SourceGeneration;

/// <summary>One test per diagnostic: the markup {|ID:...|} marks exactly where it must be reported.</summary>
public class DiagnosticTests
{
    private static Task Expect(string source, bool checkGeneratedSources = false, params DiagnosticResult[] extra)
    {
        var test = new GeneratorHarness.Test { TestState = { Sources = { Sources.Usings + source } } };
        if (!checkGeneratedSources) test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        test.ExpectedDiagnostics.AddRange(extra);
        return test.RunAsync();
    }

    private const string Forward = "public override Tensor forward(Tensor x) => fc.forward(x);";

    [Fact]
    public Task BG0001_class_not_partial() => Expect($$"""
        [GroupNJ]
        public class {|BG0001:Net|} : Module<Tensor, Tensor>
        {
            private readonly Linear fc = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            {{Forward}}
        }
        """);

    [Fact]
    public Task BG0002_not_a_tensor_module() => Expect("""
        [GroupNJ]
        public partial class Net {|BG0002:: Module<Tensor, (Tensor, Tensor)>|}
        {
            public Net() : base("Net") { }
            public override (Tensor, Tensor) forward(Tensor x) => (x, x);
        }
        """);

    [Fact]
    public Task BG0002_not_a_module_at_all() => Expect("""
        [GroupNJ]
        public partial class {|BG0002:Net|}
        {
        }
        """);

    [Fact]
    public Task BG0003_two_priors_on_the_class() => Expect($$"""
        [GroupNJ]
        [{|BG0003:Horseshoe(1e-5)|}]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            {{Forward}}
        }
        """);

    [Fact]
    public Task BG0003_two_priors_on_a_field() => Expect($$"""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            [Horseshoe(1e-3), {|BG0003:GroupNJ|}] private readonly Linear fc = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            {{Forward}}
        }
        """);

    [Theory]
    [InlineData("0")]
    [InlineData("-1e-5")]
    [InlineData("double.NaN")]
    [InlineData("double.PositiveInfinity")]
    public Task BG0004_bad_tau0(string tau0) => Expect($$"""
        [Horseshoe({|BG0004:{{tau0}}|})]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            {{Forward}}
        }
        """);

    [Theory]
    [InlineData("0")]
    [InlineData("-0.5")]
    [InlineData("double.PositiveInfinity")]
    public Task BG0005_bad_variance_clip(string clip) => Expect($$"""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            [ClipVariance({|BG0005:{{clip}}|})] private readonly Linear fc = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            {{Forward}}
        }
        """);

    [Fact]
    public Task BG0006_NaN_threshold_on_a_field() => Expect($$"""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            [PruneThreshold({|BG0006:double.NaN|})] private readonly Linear fc = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            {{Forward}}
        }
        """);

    [Fact]
    public Task BG0006_infinite_threshold_on_the_prior() => Expect($$"""
        [GroupNJ({|BG0006:Threshold = double.PositiveInfinity|})]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            {{Forward}}
        }
        """);

    [Fact]
    public Task BG0007_unsupported_layer_type_used_in_forward() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Embedding emb = Embedding(10, 4);
            private readonly Linear fc = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward({|BG0007:emb|}.forward(x));
        }
        """);

    [Fact]
    public Task BG0008_sizes_that_are_not_constants() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear {|BG0008:fc|};
            public Net(int inputs) : base("Net")
            {
                fc = Linear(inputs, 2);
                RegisterComponents();
            }
            public override Tensor forward(Tensor x) => fc.forward(x);
        }
        """);

    [Fact]
    public Task BG0009_linear_sizes_do_not_chain() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc1 = Linear(4, 3);
            private readonly Linear fc2 = Linear({|BG0009:5|}, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc2.forward(functional.relu(fc1.forward(x)));
        }
        """);

    [Fact]
    public Task BG0009_conv_channels_and_BatchNorm_do_not_chain() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Conv2d c1 = Conv2d(1, 4, 3);
            private readonly BatchNorm2d bn = BatchNorm2d({|BG0009:5|});
            private readonly Conv2d c2 = Conv2d({|BG0009:3|}, 4, 3);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => c2.forward(bn.forward(c1.forward(x)));
        }
        """);

    [Fact]
    public Task BG0009_flatten_size_against_the_input_shape() => Expect("""
        [GroupNJ]
        [InputShape(1, 8, 8)]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Conv2d conv = Conv2d(1, 2, 3);
            private readonly Linear fc = Linear({|BG0009:70|}, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(conv.forward(x).flatten(1));
        }
        """);

    [Fact]
    public Task BG0009_first_layer_against_the_input_shape() => Expect("""
        [GroupNJ]
        [InputShape(3, 8, 8)]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Conv2d conv = Conv2d({|BG0009:1|}, 2, 3);
            private readonly Linear fc = Linear(72, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(conv.forward(x).flatten(1));
        }
        """);

    [Fact]
    public Task BG0009_flatten_features_that_do_not_split_into_channels() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Conv2d conv = Conv2d(1, 4, 3);
            private readonly Linear fc = Linear({|BG0009:30|}, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(conv.forward(x).flatten(1));
        }
        """);

    [Fact]
    public Task BG0010_control_flow_falls_back_with_a_warning() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc1 = Linear(4, 4);
            private readonly Linear fc2 = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x)
            {
                x = fc1.forward(x);
                {|BG0010:if (training) x = functional.dropout(x, 0.5);|}
                return fc2.forward(x);
            }
        }
        """);

    [Fact]
    public Task BG0011_hard_coded_reshape() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Conv2d conv = Conv2d(1, 2, 3);
            private readonly Linear fc = Linear(72, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward({|BG0011:conv.forward(x).view(-1, 72)|});
        }
        """);

    [Fact]
    public Task BG0012_layer_declared_but_unused() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc = Linear(4, 2);
            private readonly Linear {|BG0012:spare|} = Linear(4, 4);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(x);
        }
        """);

    [Fact]
    public Task BG0013_layer_used_twice() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc = Linear(4, 4);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x)
            {
                x = functional.relu(fc.forward(x));
                return {|BG0013:fc.forward(x)|};
            }
        }
        """);

    [Fact]
    public Task BG0014_no_forward_method() => Expect("""
        [GroupNJ]
        public abstract partial class {|BG0014:Net|} : Module<Tensor, Tensor>
        {
            private readonly Linear fc = Linear(4, 2);
            protected Net() : base("Net") => RegisterComponents();
        }
        """);

    [Fact]
    public Task BG0015_instance_member_that_cannot_be_carried_over() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc = Linear(4, 2);
            private readonly double temperature = 2.0;
            public Net() : base("Net") => RegisterComponents();
            private Tensor Scale(Tensor t) => t;
            public override Tensor forward(Tensor x) => {|BG0015:Scale(fc.forward(x))|} / {|BG0015:temperature|};
        }
        """);

    [Fact]
    public Task BG0016_layer_used_other_than_by_calling_it() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => functional.linear(x, {|BG0016:fc.weight|});
        }
        """);

    [Fact]
    public Task BG0017_no_linear_or_conv_layer() => Expect("""
        [GroupNJ]
        public partial class {|BG0017:Net|} : Module<Tensor, Tensor>
        {
            private readonly ReLU relu = ReLU();
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => relu.forward(x);
        }
        """);

    [Theory]
    [InlineData("groups: 2")]
    [InlineData("padding_mode: PaddingModes.Reflect")]
    [InlineData("Padding.Same")]
    public Task BG0018_unsupported_convolution_options(string option) => Expect($$"""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Conv2d conv = Conv2d(2, 4, 3, {|BG0018:{{option}}|});
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => conv.forward(x);
        }
        """);

    [Fact]
    public Task BG0019_layer_attribute_on_a_field_that_is_not_a_layer() => Expect($$"""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            [{|BG0019:ClipVariance(0.1)|}] private readonly ReLU relu = ReLU();
            private readonly Linear fc = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(relu.forward(x));
        }
        """);

    [Fact]
    public Task BG0020_field_prior_without_a_network_prior() => Expect($$"""
        public partial class Net : Module<Tensor, Tensor>
        {
            [{|BG0020:Horseshoe(1e-5)|}] private readonly Linear fc = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            {{Forward}}
        }
        """);

    [Theory]
    [InlineData("1, 0, 28")]
    [InlineData("28, 28")]
    public Task BG0021_invalid_input_shape(string dims) => Expect($$"""
        [GroupNJ]
        [{|BG0021:InputShape({{dims}})|}]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            {{Forward}}
        }
        """);

    [Fact]
    public Task BG0022_containing_type_not_partial() => Expect($$"""
        public class {|BG0022:Outer|}
        {
            [GroupNJ]
            public partial class Net : Module<Tensor, Tensor>
            {
                private readonly Linear fc = Linear(4, 2);
                public Net() : base("Net") => RegisterComponents();
                {{Forward}}
            }
        }
        """);

    [Fact]
    public Task BG0023_member_named_like_a_generated_class() => Expect($$"""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            public int {|BG0023:Compressed|};
            private readonly Linear fc = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            {{Forward}}
        }
        """);

    [Fact]
    public Task BG0023_layer_named_like_a_generated_member() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear {|BG0023:Graph|} = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => Graph.forward(x);
        }
        """);

    [Fact]
    public Task Diagnostics_can_be_suppressed_with_pragma() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc = Linear(4, 2);
        #pragma warning disable BG0012
            private readonly Linear spare = Linear(4, 4);
        #pragma warning restore BG0012
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(x);
        }
        """);
}
