using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BayesGen.Samples.Models;

/// <summary>
/// LeNet-5-Caffe: conv 1→20 5×5, max-pool 2, conv 20→50 5×5, max-pool 2, flatten (800), Linear 800→500, ReLU,
/// Linear 500→10, under the group Normal-Jeffreys prior.
/// </summary>
[GroupNJ]
[InputShape(1, 28, 28)]
public partial class LeNet5 : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = Conv2d(1, 20, 5);
    private readonly Conv2d conv2 = Conv2d(20, 50, 5);
    private readonly Linear fc1 = Linear(800, 500);
    private readonly Linear fc2 = Linear(500, 10);

    public LeNet5() : base(nameof(LeNet5)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = functional.max_pool2d(functional.relu(conv1.forward(x)), 2);
        x = functional.max_pool2d(functional.relu(conv2.forward(x)), 2);
        x = x.flatten(1);
        x = functional.relu(fc1.forward(x));
        return fc2.forward(x).MoveToOuterDisposeScope();
    }
}
