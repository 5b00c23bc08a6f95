using BayesGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Training;

/// <summary>Classification error of a network on a data set.</summary>
public static class Evaluation
{
    /// <summary>
    /// The percentage of examples whose arg-max output differs from the label, with the network in
    /// evaluation mode (for a Bayesian network: the deterministic posterior-mean forward). The network's
    /// training mode is restored afterwards.
    /// </summary>
    public static double ErrorPercent(nn.Module<Tensor, Tensor> network, ImageDataset data, int batchSize = 2000)
    {
        bool wasTraining = network.training;
        network.eval();
        long wrong = 0;
        try
        {
            using var _ = no_grad();
            for (long start = 0; start < data.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                long size = Math.Min(batchSize, data.Count - start);
                var x = data.Images.narrow(0, start, size);
                var y = data.Labels.narrow(0, start, size);
                var predicted = network.forward(x).argmax(1);
                wrong += predicted.ne(y).sum().item<long>();
            }
        }
        finally
        {
            if (wasTraining) network.train();
        }
        return data.Count == 0 ? 0 : 100.0 * wrong / data.Count;
    }
}
