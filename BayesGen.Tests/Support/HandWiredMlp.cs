using BayesGen.Graph;
using BayesGen.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BayesGen.Tests.Support;

/// <summary>
/// A Bayesian MLP wired by hand on the runtime, without the generator: the reference the generated models
/// are compared with, and the model the runtime's own tests train.
/// </summary>
public sealed class HandWiredMlp : BayesianNetwork
{
    private readonly BayesianLinear fc1, fc2, fc3;

    public HandWiredMlp(int inputs, int hidden1, int hidden2, int outputs, torch.Generator? init = null, PriorKind prior = PriorKind.GroupNJ, double? clipFirst = 0.04,
        bool clipBiases = false)
        : base(nameof(HandWiredMlp))
    {
        fc1 = Make(inputs, hidden1, init, prior, clipFirst, clipBiases);
        fc2 = Make(hidden1, hidden2, init, prior, null, clipBiases);
        fc3 = Make(hidden2, outputs, init, prior, null, clipBiases);
        Initialize(prior);
    }

    private static BayesianLinear Make(int input, int output, torch.Generator? init, PriorKind prior, double? clip, bool clipBiases)
    {
        using var plain = nn.Linear(input, output);
        if (init is not null)
        {
            using var _ = no_grad();
            double bound = 1.0 / Math.Sqrt(input);
            plain.weight.uniform_(-bound, bound, init);
            plain.bias!.uniform_(-bound, bound, init);
        }
        GroupScale scale = prior == PriorKind.GroupNJ
            ? new GroupNJScale(input, init)
            : new HorseshoeScale(input, 1e-5, generator: init);
        return BayesianLinear.FromLinear(plain, scale, new LayerOptions { MaxVariance = clip, ClipBiasVariance = clipBiases, InitGenerator = init });
    }

    public override long[]? InputShape => new long[] { fc1.InFeatures };

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // What the generator would write for this forward: tensor operations through Ops, so they are recorded.
        var h = Tracing.Ops.Flatten(x, 1);
        h = Tracing.Ops.Activation(fc1.forward(h), ActivationKind.Relu);
        h = Tracing.Ops.Activation(fc2.forward(h), ActivationKind.Relu);
        return fc3.forward(h).MoveToOuterDisposeScope();
    }
}
