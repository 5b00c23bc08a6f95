using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using BayesGen.Torch;

namespace BayesGen.Layers;

/// <summary>Creates parameters that survive the dispose scope they were made in.</summary>
internal static class Parameters
{
    /// <summary>
    /// Wraps <paramref name="data"/> as a trainable parameter detached from any dispose scope: a module built
    /// inside <c>torch.NewDisposeScope()</c> would otherwise lose its parameters when the scope ends.
    /// </summary>
    public static Parameter Create(Tensor data)
    {
        var parameter = new Parameter(data.detach());
        parameter.DetachFromDisposeScope();
        data.Dispose();
        return parameter;
    }

    /// <summary>A parameter filled from N(mean, std²).</summary>
    public static Parameter Normal(long[] shape, double mean, double std, Generator? generator)
    {
        using (no_grad())
            return Create(empty(shape).normal_(mean, std, generator));
    }

    /// <summary>A parameter filled with one value.</summary>
    public static Parameter Constant(long[] shape, double value)
    {
        using (no_grad())
            return Create(empty(shape).FillScalar_(value));
    }
}
