using BayesGen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BayesGen.Tests.Generated;

/// <summary>An MLP of other widths than the samples: four layers, tanh, a dropout module, a clipped first layer.</summary>
[GroupNJ]
[InputShape(1, 28, 28)]
public partial class WideMlp : Module<Tensor, Tensor>
{
    [ClipVariance(0.05)] private readonly Linear fc1 = Linear(784, 128);
    private readonly Linear fc2 = Linear(128, 64);
    [PruneThreshold(-2.0)] private readonly Linear fc3 = Linear(64, 32);
    private readonly Linear fc4 = Linear(32, 10);
    private readonly Dropout drop = Dropout(0.1);

    public WideMlp() : base(nameof(WideMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x.flatten(1);
        h = fc1.forward(h).tanh();
        h = drop.forward(functional.relu(fc2.forward(h)));
        h = functional.relu(fc3.forward(h));
        return fc4.forward(h).MoveToOuterDisposeScope();
    }
}

/// <summary>Three convolutions with BatchNorm, module and functional pooling, a horseshoe prior and a GNJ head.</summary>
[Horseshoe(1e-3)]
[InputShape(1, 28, 28)]
public partial class ConvBnNet : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = Conv2d(1, 8, 3, padding: 1);
    private readonly BatchNorm2d bn1 = BatchNorm2d(8);
    private readonly Conv2d conv2 = Conv2d(8, 12, 3, padding: 1);
    private readonly BatchNorm2d bn2 = BatchNorm2d(12);
    private readonly MaxPool2d pool = MaxPool2d(2);
    private readonly Conv2d conv3 = Conv2d(12, 16, 3);
    private readonly BatchNorm2d bn3 = BatchNorm2d(16);
    [GroupNJ] private readonly Linear head = Linear(16 * 6 * 6, 10);

    public ConvBnNet() : base(nameof(ConvBnNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = functional.relu(bn1.forward(conv1.forward(x)));
        x = pool.forward(functional.relu(bn2.forward(conv2.forward(x))));
        x = functional.relu(bn3.forward(conv3.forward(x)));
        x = functional.max_pool2d(x, 2);
        x = x.flatten(1);
        return head.forward(x).MoveToOuterDisposeScope();
    }
}

/// <summary>A small LeNet for exact checks: conv 1→4, pool, conv 4→6, flatten (6·4·4 = 96), Linear 96→5, Linear 5→3.</summary>
[GroupNJ]
[InputShape(1, 14, 14)]
public partial class TinyLeNet : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = Conv2d(1, 4, 3);
    private readonly Conv2d conv2 = Conv2d(4, 6, 3);
    private readonly Linear fc1 = Linear(96, 5);
    private readonly Linear fc2 = Linear(5, 3);

    public TinyLeNet() : base(nameof(TinyLeNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = functional.max_pool2d(functional.relu(conv1.forward(x)), 2);
        x = functional.relu(conv2.forward(x));
        x = functional.relu(fc1.forward(x.flatten(1)));
        return fc2.forward(x);
    }
}

/// <summary>A residual block the generator cannot follow: it still gets a Bayesian model, without Compressed.</summary>
[GroupNJ]
public partial class ResidualMlp : Module<Tensor, Tensor>
{
    private readonly Linear fc1 = Linear(6, 6);
    private readonly Linear fc2 = Linear(6, 2);

    public ResidualMlp() : base(nameof(ResidualMlp)) => RegisterComponents();

#pragma warning disable BG0010 // the residual connection is the point of this network
    public override Tensor forward(Tensor x) => fc2.forward(x + functional.relu(fc1.forward(x)));
#pragma warning restore BG0010
}

/// <summary>A first layer without bias: pruning with compensation gives it one.</summary>
[GroupNJ]
public partial class NoBiasMlp : Module<Tensor, Tensor>
{
    private readonly Linear fc1 = Linear(20, 8, hasBias: false);
    private readonly Linear fc2 = Linear(8, 3);

    public NoBiasMlp() : base(nameof(NoBiasMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) => fc2.forward(functional.relu(fc1.forward(x)));
}
