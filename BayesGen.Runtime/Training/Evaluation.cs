using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Training;

/// <summary>Classification error of a network on a data set.</summary>
public static class Evaluation
{
    /// <summary>
    /// The percentage of examples whose arg-max output differs from the target class, with the network in
    /// evaluation mode (for a Bayesian network: the deterministic posterior-mean forward). The network's
    /// training mode is restored afterwards. NaN when the targets are not class indices (a regression source).
    /// </summary>
    public static double ErrorPercent(nn.Module<Tensor, Tensor> network, IBatchSource data, int batchSize = 500)
    {
        var mistakes = Mistakes(network, data, batchSize);
        if (mistakes is null) return double.NaN;
        return mistakes.Length == 0 ? 0 : 100.0 * mistakes.Count(m => m) / mistakes.Length;
    }

    /// <summary>
    /// For every example of <paramref name="data"/>, in its order, whether the network's arg-max output differs from the
    /// target class (evaluation mode, as <see cref="ErrorPercent"/>): what a paired comparison of two networks on the same
    /// examples needs. Null when the targets are not class indices.
    /// </summary>
    public static bool[]? Mistakes(nn.Module<Tensor, Tensor> network, IBatchSource data, int batchSize = 500)
    {
        bool wasTraining = network.training;
        network.eval();
        var mistakes = new List<bool>();
        try
        {
            using var _ = no_grad();
            var device = network.parameters().FirstOrDefault()?.device ?? CPU;
            foreach (var (source, sourceTarget) in data.Batches(batchSize, shuffle: null))
            {
                var (input, target) = Devices.Move(source, sourceTarget, device);
                using var scope = NewDisposeScope();
                using var __ = input;
                using var ___ = target;
                if (target.dim() != 1 || target.is_floating_point()) return null;
                using var wrong = network.forward(input).argmax(1).ne(target).cpu();
                mistakes.AddRange(wrong.data<bool>());
            }
        }
        finally
        {
            if (wasTraining) network.train();
        }
        return mistakes.ToArray();
    }
}
