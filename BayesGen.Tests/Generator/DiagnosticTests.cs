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

    private static Task ExpectWithWarnings(string source)
    {
        var test = new GeneratorHarness.Test { TestState = { Sources = { Sources.Usings + source } }, CompilerDiagnostics = CompilerDiagnostics.Warnings };
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
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
    public Task BG0007_unsupported_module_type_on_its_creation() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Module<Tensor, Tensor> norm = {|BG0007:LayerNorm(4)|};
            private readonly Linear fc = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(norm.forward(x));
        }
        """);

    [Fact]
    public Task BG0007_unsupported_module_in_a_Sequential_built_in_a_loop() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Module<Tensor, Tensor> layers;
            public Net() : base("Net")
            {
                var modules = new System.Collections.Generic.List<(string, Module<Tensor, Tensor>)>();
                for (int i = 0; i < 2; i++)
                {
                    modules.Add(($"fc{i}", Linear(4, 4)));
                    modules.Add(($"norm{i}", {|BG0007:LayerNorm(4)|}));
                }
                layers = Sequential(modules);
                RegisterComponents();
            }
            public override Tensor forward(Tensor x) => layers.forward(x);
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

    [Fact]   // Sizes are read by parameter name, not position: on the argument that is wrong, wherever it is written.
    public Task BG0009_with_named_arguments_in_another_order() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Conv2d c1 = Conv2d(out_channels: 4, in_channels: 1, kernel_size: 3);
            private readonly Conv2d c2 = Conv2d(kernel_size: 3, out_channels: 6, in_channels: {|BG0009:5|});
            private readonly Linear fc1 = Linear(outputSize: 3, inputSize: 6);
            private readonly Linear fc2 = Linear(outputSize: 2, inputSize: {|BG0009:4|});
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc2.forward(fc1.forward(c2.forward(c1.forward(x)).mean(new long[] { 2, 3 })));
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
    public Task BG0009_inside_a_Sequential_written_in_place() => Expect("""
        [GroupNJ]
        [InputShape(3, 16, 16)]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Module<Tensor, Tensor> features = Sequential(
                ("conv1", Conv2d(3, 8, 3, padding: 1)), ("relu1", ReLU()), ("pool", MaxPool2d(2)),
                ("conv2", Conv2d(8, 16, 3)), ("flatten", Flatten()), ("fc", Linear({|BG0009:16 * 7 * 7|}, 10)));
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => features.forward(x);
        }
        """);

    [Fact]
    public Task BG0009_is_not_reported_for_a_Sequential_the_constructor_appends_to() => Expect("""
        [GroupNJ]
        [InputShape(1, 16, 16)]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Sequential features = Sequential();
            private readonly Linear fc = Linear(32, 10);
            public Net() : base("Net")
            {
                features.append(Conv2d(1, 16, 3, padding: 1));
                features.append(ReLU());
                features.append(Conv2d(16, 32, 3, stride: 2, padding: 1));
                RegisterComponents();
            }
            public override Tensor forward(Tensor x)
            {
                x = features.forward(x);
                return fc.forward(functional.adaptive_avg_pool2d(x, 1).reshape(x.shape[0], -1));
            }
        }
        """);

    [Fact]
    public Task BG0009_residual_add_of_two_shapes() => Expect("""
        [GroupNJ]
        [InputShape(8)]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc1 = Linear(8, 6);
            private readonly Linear fc2 = Linear(8, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc2.forward({|BG0009:x + fc1.forward(x)|});
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
    public Task BG0010_an_operation_BayesGen_cannot_record() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc1 = Linear(4, 4);
            private readonly Linear fc2 = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc2.forward({|BG0010:fc1.forward(x).exp()|});
        }
        """, checkGeneratedSources: false);

    [Fact]
    public Task Padding_and_resizing_are_recorded_and_antialiasing_or_other_modules_are_not() => Expect("""
        [GroupNJ]
        [InputShape(2, 8, 8)]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Module<Tensor, Tensor> pad = ReflectionPad2d(1);
            private readonly Conv2d conv = Conv2d(2, 4, 3);
            private readonly Upsample up = Upsample(scale_factor: new[] { 2.0, 2.0 }, mode: UpsampleMode.Bilinear);
            private readonly Sequential tail = Sequential(ZeroPad2d((0, 1, 0, 1)), Conv2d(4, 4, 2), ReplicationPad2d(1));
            private readonly Module<Tensor, Tensor> act = {|BG0007:PReLU(4)|};
            private readonly Linear fc = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x)
            {
                x = tail.call(up.call(conv.call(pad.call(x))));
                x = nn.functional.pad(x, new long[] { 1, 1 }, PaddingModes.Constant, 0.5);
                x = nn.functional.interpolate(x, size: new long[] { 8, 8 }, mode: InterpolationMode.Nearest);
                x = {|BG0010:nn.functional.interpolate(x, scale_factor: new[] { 0.5, 0.5 }, mode: InterpolationMode.Bilinear, antialias: true)|};
                return fc.call(act.call(x).mean(new long[] { 2, 3 }));
            }
        }
        """, checkGeneratedSources: false);

    [Fact]
    public Task Operations_that_run_only_while_training_need_no_recording() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc1 = Linear(4, 4);
            private readonly Linear fc2 = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            private Tensor DropPath(Tensor x, double p)
            {
                if (!this.training || p == 0) return x;
                var mask = torch.rand(new long[] { x.shape[0], 1 }).add_(1 - p).floor_();
                return x.div(1 - p) * mask;
            }
            public override Tensor forward(Tensor x)
            {
                if (training && x.shape[0] > 1) x = x + torch.randn_like(x) * 0.1;
                var h = fc1.forward(x);
                if ((training)) { h = h.exp(); }
                return fc2.forward(h + DropPath(h, 0.2));
            }
        }
        """, checkGeneratedSources: false);

    [Fact]
    public Task Operations_outside_a_training_guard_are_still_BG0010() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc1 = Linear(4, 4);
            private readonly Linear fc2 = Linear(4, 2);
            private readonly bool noisy = true;
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x)
            {
                if (!training) x = x * 2;   // no return: what follows runs in evaluation too
                var h = {|BG0010:fc1.forward(x).exp()|};
                if (training || noisy) h = {|BG0010:h.exp()|};
                if (!training) { return fc2.forward(h); }
                return fc2.forward(h.exp());
            }
        }
        """, checkGeneratedSources: false);

    [Fact]
    public Task BG0010_a_module_created_inside_forward() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward({|BG0010:ReLU().forward(x)|});
        }
        """);

    [Fact]
    public Task A_view_with_a_written_size_is_recorded_as_the_flatten_it_is() => Expect("""
        [GroupNJ]
        [InputShape(1, 8, 8)]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Conv2d conv = Conv2d(1, 2, 3);
            private readonly Linear fc = Linear(72, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => fc.forward(conv.forward(x).view(-1, 72));
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
    public Task A_layer_applied_twice_shares_its_weights() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc = Linear(4, 4);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x)
            {
                x = functional.relu(fc.forward(x));
                return fc.forward(x);
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
    public Task BG0015_tensor_field_read_by_forward_or_by_a_method_it_calls() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc = Linear(4, 2);
            private readonly Tensor offset = ones(2);
            private readonly Tensor bias = zeros(2);
            private readonly double temperature = 2.0;   // a value: carried over
            public Net() : base("Net") => RegisterComponents();
            private Tensor Scale(Tensor t) => Shift(t) / temperature;
            private Tensor Shift(Tensor t) => t + {|BG0015:bias|};
            public override Tensor forward(Tensor x) => Scale(fc.forward(x)) + {|BG0015:offset|};
        }
        """);

    [Fact]   // A base class's non-virtual helper is carried over; a virtual one could be overridden where the copy cannot see it.
    public Task BG0015_virtual_helper_of_a_base_class_but_not_a_non_virtual_one() => Expect("""
        public abstract class BaseNet : Module<Tensor, Tensor>
        {
            protected readonly Linear fc1 = Linear(6, 8);
            protected BaseNet(string name) : base(name) { }
            protected Tensor Hidden(Tensor x) => functional.relu(fc1.forward(x));
            protected virtual Tensor Head(Tensor x) => x;
        }

        [GroupNJ]
        [InputShape(6)]
        public partial class Net : BaseNet
        {
            private readonly Linear fc2 = Linear(8, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => {|BG0010:{|BG0015:Head|}(fc2.forward(Hidden(x)))|};
        }
        """);

    [Fact]   // Once, where the module is created, not again on the member.
    public Task BG0007_a_ModuleDict_member_is_reported_once() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear trunk = Linear(10, 12);
            private readonly TorchSharp.Modules.ModuleDict<Module<Tensor, Tensor>> heads = {|BG0007:new()|};
            public Net() : base("Net") { heads.Add("main", Linear(12, 3)); RegisterComponents(); }
            public override Tensor forward(Tensor x) => heads["main"].forward(functional.relu(trunk.forward(x)));
        }
        """);

    [Fact]   // Per-channel normalisation constants held in a static tensor: the deployment could not replay them.
    public Task BG0015_static_tensor_constant() => Expect("""
        [GroupNJ]
        [InputShape(3, 8, 8)]
        public partial class Net : Module<Tensor, Tensor>
        {
            private static readonly Tensor Mean = tensor(new[] { 0.49f, 0.48f, 0.45f }).view(1, 3, 1, 1);
            private readonly Conv2d conv = Conv2d(3, 6, 3, padding: 1);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => conv.forward(x - {|BG0015:Mean|});
        }
        """);

    [Fact]   // Calls returning several tensors, and tensor-valued properties, count too (they once compiled without a word and failed at run time); chunk, split and LINQ over tensors are fine.
    public Task BG0010_an_operation_returning_several_tensors_but_not_chunk_split_or_linq() => Expect("""
        [GroupNJ]
        [InputShape(4, 6)]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc = Linear(6, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x)
            {
                var rows = {|BG0010:x.unbind(1)|};
                var halves = x.chunk(2, 1);
                var parts = torch.split(x, new long[] { 1, 3 }, 1);
                var top = {|BG0010:x.max(1)|};
                var back = {|BG0010:{|BG0010:x.T|}.T|};
                var sum = torch.cat(System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Select(rows, r => r.unsqueeze(1))), 1);
                return fc.forward(sum + torch.cat(new[] { halves[0], halves[1] }, 1) + torch.cat(parts, 1) + top.values.unsqueeze(1) + back);
            }
        }
        """);

    [Fact]   // Ranges of consecutive elements are slices BayesGen records; a single element, a step or a tensor of indices are not.
    public Task BG0010_indexing_a_tensor_but_not_by_ranges() => Expect("""
        [GroupNJ]
        [InputShape(4, 6)]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc = Linear(6, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x)
            {
                var a = x[.., 0..2] + x[TensorIndex.Colon, TensorIndex.Slice(2, 4)] + x[TensorIndex.Ellipsis, ..^0][.., ^2..];
                var b = {|BG0010:x[.., 1]|}.unsqueeze(1) + {|BG0010:x[TensorIndex.Colon, TensorIndex.Slice(0, 4, 2)]|}.mean(new long[] { 1 }, keepdim: true);
                {|BG0010:a[.., 0..1]|} = b;
                return fc.forward(torch.cat(new[] { a, a, b }, 1)[.., 2..]);
            }
        }
        """);

    [Fact]   // Copied as a value, the list would hand the counterpart the plain layers: untrained, never Bayesian. Once per member.
    public Task BG0015_layers_held_in_a_plain_collection_or_a_class_that_is_not_a_module() => Expect("""
        public sealed class Extras { public Linear Skip { get; } = Linear(6, 2); }

        [GroupNJ]
        [InputShape(6)]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly System.Collections.Generic.List<Module<Tensor, Tensor>> hidden = new();
            private readonly Linear[] heads = { Linear(8, 2) };
            private readonly Extras extras = new();
            private readonly int[] sizes = { 6, 8 };
            public Net() : base("Net")
            {
                for (int i = 0; i + 1 < sizes.Length; i++) { hidden.Add(Linear(sizes[i], sizes[i + 1])); register_module($"fc{i}", hidden[i]); }
                register_module("head", heads[0]);
                register_module("skip", extras.Skip);
            }
            public override Tensor forward(Tensor x)
            {
                var skip = {|BG0015:extras|}.Skip.forward(x);
                for (int i = 0; i < {|BG0015:hidden|}.Count; i++) x = functional.relu(hidden[i].forward(x));
                return {|BG0015:heads|}[0].forward(x) + skip;
            }
        }
        """);

    [Fact]   // clamp with number bounds is recorded (hardtanh with those bounds); with tensor bounds it is not.
    public Task BG0010_clamp_with_tensor_bounds_but_not_with_numbers() => Expect("""
        [GroupNJ]
        [InputShape(6)]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc1 = Linear(6, 8);
            private readonly Linear fc2 = Linear(8, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x)
            {
                var h = fc1.forward(x).clamp(0, 6).clamp_min(0.5).clamp_max(5).clip(-1, 1);
                h = {|BG0010:h.clamp(h.mean(new long[] { 1 }, keepdim: true), h)|};
                return fc2.forward(h);
            }
        }
        """);

    [Fact]   // A local function is carried with forward; its layer-typed parameter takes the Bayesian counterpart.
    public Task Local_functions_in_forward_are_carried_without_a_diagnostic() => Expect("""
        [GroupNJ]
        [InputShape(6)]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc1 = Linear(6, 8);
            private readonly Linear fc2 = Linear(8, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x)
            {
                Tensor Hidden(Linear layer, Tensor t) => functional.relu(layer.forward(t));
                static Tensor Twice(Tensor t) => t * 2;
                return fc2.forward(Twice(Hidden(fc1, x)));
            }
        }
        """);

    [Fact]   // A lambda written in forward is rewritten with it; a delegate held in a field has its body elsewhere.
    public Task BG0010_call_through_a_delegate_field_but_not_a_local_lambda() => Expect("""
        [GroupNJ]
        [InputShape(6)]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc1 = Linear(6, 8);
            private readonly Linear fc2 = Linear(8, 2);
            private readonly System.Func<Tensor, Tensor> activation = t => functional.relu(t);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x)
            {
                System.Func<Tensor, Tensor> local = t => functional.gelu(t);
                return fc2.forward(local({|BG0010:activation(fc1.forward(x))|}));
            }
        }
        """);

    [Fact]   // Layer is also a method of BayesianNetwork: the copy hides it explicitly, without a compiler warning either.
    public Task Methods_forward_calls_are_carried_over_without_a_diagnostic() => ExpectWithWarnings("""
        [GroupNJ]
        [InputShape(4)]
        internal partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc1 = Linear(4, 8);
            private readonly Linear fc2 = Linear(8, 2);
            public Net() : base("Net") => RegisterComponents();
            private static Tensor Act(Tensor t) => functional.relu(t);
            private Tensor Layer(Linear layer, Tensor t) => Act(layer.forward(t));        // overloads BayesianNetwork.Layer(string)
            private Tensor Prior(Tensor t) => t * 0.5;                                     // hides the property BayesianNetwork.Prior
            private Tensor ForwardImpl(Tensor x) { var h = this.Layer(fc1, x); return Net.Act(fc2.forward(Prior(h))); }
            public override Tensor forward(Tensor x) => ForwardImpl(x);
        }
        """);

    [Fact]
    public Task BG0016_layer_used_other_than_by_calling_it() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x) => {|BG0010:functional.linear(x, {|BG0016:fc.weight|})|};
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
    [InlineData("padding_mode: PaddingModes.Reflect")]
    [InlineData("Padding.Same")]
    public Task BG0018_unsupported_convolution_options(string option) => Expect($$"""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Conv2d conv = Conv2d(2, 4, 4, {|BG0018:{{option}}|});
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
    [InlineData("1, 2, 3, 4, 5")]
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
    public Task BG0025_a_module_known_only_at_run_time() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Module<Tensor, Tensor> {|BG0025:body|};
            public Net(Module<Tensor, Tensor> body) : base("Net")
            {
                this.body = body;
                RegisterComponents();
            }
            public override Tensor forward(Tensor x) => body.forward(x);
        }
        """);

    [Fact]
    public Task BG0026_control_flow_that_depends_on_tensor_values() => Expect("""
        [GroupNJ]
        public partial class Net : Module<Tensor, Tensor>
        {
            private readonly Linear fc1 = Linear(4, 4);
            private readonly Linear fc2 = Linear(4, 2);
            public Net() : base("Net") => RegisterComponents();
            public override Tensor forward(Tensor x)
            {
                x = fc1.forward(x);
                if ({|BG0026:x.sum().item<float>() > 0|}) x = functional.relu(x);
                if (training) x = functional.dropout(x, 0.5);   // settings may decide: no diagnostic
                return fc2.forward(x);
            }
        }
        """);

    [Fact]   // A decision from a shape is still a path the graph fixes; the message says shape, not values.
    public void BG0026_control_flow_that_depends_on_a_shape_says_so()
    {
        var (_, diagnostics, _) = GeneratorHarness.Run(GeneratorHarness.Compile(Sources.Usings + """
            [GroupNJ]
            [InputShape(4)]
            public partial class Net : Module<Tensor, Tensor>
            {
                private readonly Linear fc1 = Linear(4, 4);
                private readonly Linear fc2 = Linear(4, 2);
                public Net() : base("Net") => RegisterComponents();
                public override Tensor forward(Tensor x)
                {
                    if (x.dim() == 1) x = x.unsqueeze(0);
                    if (x.shape[1] == 4 && x.sum().item<float>() > 0) x = functional.relu(x);
                    return fc2.forward(fc1.forward(x));
                }
            }
            """));
        var messages = diagnostics.Where(d => d.Id == "BG0026").OrderBy(d => d.Location.SourceSpan.Start).Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(2, messages.Length);
        Assert.Contains("decides 'x.dim() == 1' from the shape of a tensor", messages[0]);
        Assert.Contains("give it inputs of that shape", messages[0]);
        Assert.Contains("from tensor values", messages[1]);
    }

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
