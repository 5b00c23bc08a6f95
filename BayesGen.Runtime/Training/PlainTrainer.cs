using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Training;

/// <summary>
/// Trains an ordinary network with cross-entropy and Adam: the "pretrained" start that a Bayesian model can
/// then be built from (its weights become the posterior means), which cuts the epochs compression needs.
/// </summary>
public static class PlainTrainer
{
    /// <summary>
    /// Trains <paramref name="network"/> for <paramref name="epochs"/> epochs on <paramref name="device"/> (null: where it
    /// is) and leaves it there; returns its test error in percent.
    /// </summary>
    public static double Train(nn.Module<Tensor, Tensor> network, ImageDataset train, ImageDataset test, int epochs,
        int batchSize = 128, double learningRate = 1e-3, long seed = 1, Action<int, double>? epochFinished = null, Device? device = null)
    {
        if (device is not null) network.to(device);
        if (epochs < 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "Epochs cannot be negative.");
        if (epochs == 0) return Evaluation.ErrorPercent(network, test);
        Torch.NativeMemory.TuneForTraining();
        Torch.LibTorchFixes.Apply();
        using var optimizer = new FlatAdam(network.parameters(), learningRate);
        var on = network.parameters().First().device;
        using var shuffle = new Generator();
        long n = train.Count;
        double error = 100;
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            network.train();
            shuffle.manual_seed(BayesianTrainer.EpochSeed(seed, epoch, 2));
            using var permutation = randperm(n, generator: shuffle);
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var index = permutation.narrow(0, start, Math.Min(batchSize, n - start));
                var loss = nn.functional.cross_entropy(network.forward(train.Images.index_select(0, index).to(on)), train.Labels.index_select(0, index).to(on));
                optimizer.ZeroGrad();
                loss.backward();
                optimizer.Step();
            }
            error = Evaluation.ErrorPercent(network, test);
            epochFinished?.Invoke(epoch, error);
        }
        network.eval();
        return error;
    }
}
