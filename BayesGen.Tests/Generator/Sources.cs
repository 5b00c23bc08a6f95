namespace BayesGen.Tests.SourceGeneration;

/// <summary>Source text of networks the generator tests use.</summary>
public static class Sources
{
    public const string Usings = """
        using BayesGen;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;
        using static TorchSharp.torch.nn;

        """;

    /// <summary>An MLP with a clipped first layer, an input shape and a threshold override.</summary>
    public const string Mlp = Usings + """
        namespace Demo;

        [GroupNJ]
        [InputShape(1, 8, 8)]
        public partial class Mlp : Module<Tensor, Tensor>
        {
            [ClipVariance(0.04)] private readonly Linear fc1 = Linear(64, 32);
            [PruneThreshold(-2.5)] private readonly Linear fc2 = Linear(32, 16);
            private readonly Linear fc3 = Linear(16, 4);

            public Mlp() : base(nameof(Mlp)) => RegisterComponents();

            public override Tensor forward(Tensor x)
            {
                using var scope = NewDisposeScope();
                var h = x.flatten(1);
                h = functional.relu(fc1.forward(h));   // a comment the copy keeps
                h = functional.relu(fc2.forward(h));
                return fc3.forward(h).MoveToOuterDisposeScope();
            }
        }
        """;

    /// <summary>Three convolutions with BatchNorm, module fields, a horseshoe prior and a per-layer GNJ override.</summary>
    public const string ConvBn = Usings + """
        namespace Demo.Vision
        {
            [Horseshoe(1e-5)]
            [InputShape(3, 16, 16)]
            internal partial class ConvBn : Module<Tensor, Tensor>
            {
                private readonly Conv2d conv1 = Conv2d(3, 8, 3, padding: 1);
                private readonly BatchNorm2d bn1 = BatchNorm2d(8);
                private readonly Conv2d conv2 = Conv2d(8, 16, 3, padding: 1);
                private readonly BatchNorm2d bn2 = BatchNorm2d(16);
                private readonly MaxPool2d pool = MaxPool2d(2);
                [GroupNJ] private readonly Conv2d conv3 = Conv2d(16, 16, 3);
                private readonly ReLU relu = ReLU();
                private readonly Linear head = Linear(16 * 6 * 6, 10);

                public ConvBn() : base(nameof(ConvBn)) => RegisterComponents();

                public override Tensor forward(Tensor input)
                {
                    var x = relu.forward(bn1.forward(conv1.forward(input)));
                    x = pool.forward(relu.forward(bn2.forward(conv2.forward(x))));
                    x = functional.relu(conv3.forward(x));
                    return head.forward(x.flatten(1));
                }
            }
        }
        """;

    /// <summary>
    /// Residual blocks of the user's own (a Sequential body, a shortcut chosen in the constructor) in a ModuleList
    /// that forward iterates.
    /// </summary>
    public const string Residual = Usings + """
        namespace Demo;

        public class ResidualBlock : Module<Tensor, Tensor>
        {
            private readonly Module<Tensor, Tensor> body;
            private readonly Module<Tensor, Tensor> shortcut;

            public ResidualBlock(int inputs, int outputs) : base(nameof(ResidualBlock))
            {
                body = Sequential(Linear(inputs, outputs), ReLU(), Linear(outputs, outputs));
                shortcut = inputs == outputs ? Identity() : Linear(inputs, outputs);
                RegisterComponents();
            }

            public override Tensor forward(Tensor x) => functional.relu(body.forward(x) + shortcut.forward(x));
        }

        [GroupNJ]
        public partial class Residual : Module<Tensor, Tensor>
        {
            private readonly ModuleList<ResidualBlock> blocks = new(new ResidualBlock(16, 16), new ResidualBlock(16, 8));
            private readonly Linear head = Linear(8, 4);

            public Residual() : base(nameof(Residual)) => RegisterComponents();

            public override Tensor forward(Tensor x)
            {
                foreach (var block in blocks) x = block.forward(x);
                return head.forward(x);
            }
        }
        """;

    /// <summary>A VGG-style network: a Sequential built in a loop from a configuration, fields declared as Module&lt;Tensor, Tensor&gt;, an alias.</summary>
    public const string Vgg = """
        using TorchSharp;
        using BayesGen;
        using static TorchSharp.torch;
        using nn = TorchSharp.torch.nn;
        using F = TorchSharp.torch.nn.functional;

        namespace Demo.Vision;

        [Horseshoe(1e-5)]
        [InputShape(1, 28, 28)]
        public sealed partial class Vgg : nn.Module<Tensor, Tensor>
        {
            private static readonly long[] Configuration = { 8, 0, 16, 16, 0 };
            private readonly nn.Module<Tensor, Tensor> features;
            private readonly nn.Module<Tensor, Tensor> classifier = nn.Linear(16 * 7 * 7, 10);
            private readonly double temperature;

            public Vgg(double temperature = 1.0) : base(nameof(Vgg))
            {
                var layers = new System.Collections.Generic.List<(string, nn.Module<Tensor, Tensor>)>();
                long channels = 1;
                for (int i = 0; i < Configuration.Length; i++)
                {
                    if (Configuration[i] == 0) { layers.Add(($"pool{i}", nn.MaxPool2d(2))); continue; }
                    layers.Add(($"conv{i}", nn.Conv2d(channels, Configuration[i], 3, padding: 1)));
                    layers.Add(($"bn{i}", nn.BatchNorm2d(Configuration[i])));
                    layers.Add(($"relu{i}", nn.ReLU(inplace: true)));
                    channels = Configuration[i];
                }
                features = nn.Sequential(layers);
                this.temperature = temperature;
                RegisterComponents();
            }

            public override Tensor forward(Tensor input)
            {
                var x = features.forward(input);
                x = x.view(x.shape[0], -1);
                return F.log_softmax(classifier.forward(x) / temperature, dim: 1);
            }
        }
        """;
}
