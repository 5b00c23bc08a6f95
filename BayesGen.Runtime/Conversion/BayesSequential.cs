using System.ComponentModel;
using BayesGen.Tracing;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BayesGen.Conversion;

/// <summary>
/// The Bayesian counterpart of a <see cref="Sequential"/>: the converted children under the same names, in the
/// same order. It is a <see cref="Sequential"/> (a field declared as one still holds it) that also records an empty
/// chain as the identity.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class BayesSequential : Sequential
{
    /// <summary>A chain of <paramref name="modules"/>, by name.</summary>
    public BayesSequential(IEnumerable<(string Name, nn.Module<Tensor, Tensor> Module)> modules)
        : base(modules.Select(m => (m.Name, m.Module)).ToArray())
    {
    }

    public override Tensor forward(Tensor tensor)
        => Count == 0 ? Ops.Same(tensor, tensor.alias()) : base.forward(tensor);
}
