using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BayesGen.Samples.Models;

/// <summary>LeNet-5-Caffe under the group horseshoe prior with the paper's global scale τ0 = 1e-5.</summary>
[Horseshoe(1e-5)]
[InputShape(1, 28, 28)]
public partial class LeNet5Horseshoe : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = Conv2d(1, 20, 5);
    private readonly Conv2d conv2 = Conv2d(20, 50, 5);
    private readonly Linear fc1 = Linear(800, 500);
    private readonly Linear fc2 = Linear(500, 10);

    public LeNet5Horseshoe() : base(nameof(LeNet5Horseshoe)) => RegisterComponents();

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
