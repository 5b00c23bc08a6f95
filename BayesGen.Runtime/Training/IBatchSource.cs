using static TorchSharp.torch;

namespace BayesGen.Training;

/// <summary>
/// Where a trainer's (input, target) batches come from: BayesGen's in-memory <see cref="ImageDataset"/>, a
/// TorchSharp <c>DataLoader</c> (<see cref="TrainingBatches.From(TorchSharp.Modules.DataLoader, long, string, string)"/>),
/// or any sequence of batches (<see cref="TrainingBatches.From(Func{IEnumerable{ValueTuple{Tensor, Tensor}}}, long)"/>).
/// </summary>
public interface IBatchSource
{
    /// <summary>The number of examples in one pass: N in the objective's KL/N.</summary>
    long Count { get; }

    /// <summary>
    /// One pass over the data in batches. A source that can shuffle draws its order from <paramref name="shuffle"/>
    /// (null: in order), so that a resumed run replays the same epochs; a source with its own batching and shuffling
    /// (a DataLoader) uses those and ignores both arguments. The trainer disposes each batch's tensors after its step.
    /// </summary>
    IEnumerable<(Tensor Input, Tensor Target)> Batches(int batchSize, Generator? shuffle);
}
