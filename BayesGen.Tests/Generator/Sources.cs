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

    /// <summary>A residual connection: the data flow cannot be followed.</summary>
    public const string Residual = Usings + """
        namespace Demo;

        [GroupNJ]
        public partial class Residual : Module<Tensor, Tensor>
        {
            private readonly Linear fc1 = Linear(16, 16);
            private readonly Linear fc2 = Linear(16, 4);

            public Residual() : base(nameof(Residual)) => RegisterComponents();

            public override Tensor forward(Tensor x) => fc2.forward(x + functional.relu(fc1.forward(x)));
        }
        """;
}
