using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BayesGen.Training;

/// <summary>Adapters that make a user's data a <see cref="IBatchSource"/> for <see cref="BayesianTrainer"/>.</summary>
public static class TrainingBatches
{
    /// <summary>
    /// A TorchSharp <c>DataLoader</c> over a <c>Dataset</c> whose examples are dictionaries (TorchSharp's convention):
    /// each batch's <paramref name="inputKey"/> and <paramref name="targetKey"/> tensors. The loader's own batch size
    /// and shuffling apply.
    /// </summary>
    /// <param name="loader">The loader.</param>
    /// <param name="examples">The number of examples in the dataset (the loader counts batches, the objective needs examples).</param>
    /// <param name="inputKey">The key of the input tensor in each batch.</param>
    /// <param name="targetKey">The key of the target tensor in each batch.</param>
    public static IBatchSource From(DataLoader loader, long examples, string inputKey = "data", string targetKey = "label")
        => new Delegated(() => FromDictionaries(loader, inputKey, targetKey), examples);

    /// <summary>Any pass over (input, target) batches, made fresh by <paramref name="epoch"/> for every epoch.</summary>
    /// <param name="epoch">Returns one epoch's batches.</param>
    /// <param name="examples">The number of examples one epoch holds.</param>
    public static IBatchSource From(Func<IEnumerable<(Tensor Input, Tensor Target)>> epoch, long examples)
        => new Delegated(epoch, examples);

    private static IEnumerable<(Tensor, Tensor)> FromDictionaries(DataLoader loader, string inputKey, string targetKey)
    {
        foreach (var batch in loader)
        {
            if (!batch.TryGetValue(inputKey, out var input) || !batch.TryGetValue(targetKey, out var target))
                throw new ArgumentException($"A DataLoader batch has the keys {string.Join(", ", batch.Keys)}; BayesGen looks for '{inputKey}' and '{targetKey}' " +
                                            "(pass the names your Dataset uses to TrainingBatches.From).");
            yield return (input, target);
        }
    }

    private sealed class Delegated(Func<IEnumerable<(Tensor, Tensor)>> epoch, long examples) : IBatchSource
    {
        public long Count { get; } = examples > 0 ? examples : throw new ArgumentOutOfRangeException(nameof(examples), examples, "A data source holds at least one example.");

        public IEnumerable<(Tensor Input, Tensor Target)> Batches(int batchSize, Generator? shuffle) => epoch();
    }
}
