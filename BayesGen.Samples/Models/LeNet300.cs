using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BayesGen.Samples.Models;

/// <summary>
/// LeNet-300-100 (784 → 300 → 100 → 10 with ReLU), the paper's fully connected MNIST network, under the group
/// Normal-Jeffreys prior. The first layer's weight variances are clipped at 0.04, as in the reference code.
/// </summary>
[GroupNJ]
[InputShape(1, 28, 28)]
public partial class LeNet300 : Module<Tensor, Tensor>
{
    [ClipVariance(0.04)] private readonly Linear fc1 = Linear(784, 300);
    private readonly Linear fc2 = Linear(300, 100);
    private readonly Linear fc3 = Linear(100, 10);

    public LeNet300() : base(nameof(LeNet300)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x.flatten(1);
        h = functional.relu(fc1.forward(h));
        h = functional.relu(fc2.forward(h));
        return fc3.forward(h).MoveToOuterDisposeScope();
    }
}
