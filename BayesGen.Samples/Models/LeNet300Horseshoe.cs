using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BayesGen.Samples.Models;

/// <summary>LeNet-300-100 under the group horseshoe prior with the paper's global scale τ0 = 1e-5.</summary>
[Horseshoe(1e-5)]
[InputShape(1, 28, 28)]
public partial class LeNet300Horseshoe : Module<Tensor, Tensor>
{
    [ClipVariance(0.04)] private readonly Linear fc1 = Linear(784, 300);
    private readonly Linear fc2 = Linear(300, 100);
    private readonly Linear fc3 = Linear(100, 10);

    public LeNet300Horseshoe() : base(nameof(LeNet300Horseshoe)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x.flatten(1);
        h = functional.relu(fc1.forward(h));
        h = functional.relu(fc2.forward(h));
        return fc3.forward(h).MoveToOuterDisposeScope();
    }
}
