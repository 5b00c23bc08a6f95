using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Compression;

/// <summary>
/// Which input and output units of one layer survive pruning: bool vectors over input units (features or
/// channels) and output units. For a Linear layer the kept groups start as the input mask; for a
/// convolution they start as the output mask; <see cref="ChannelSpaces"/> then makes every layer that shares a unit agree.
/// </summary>
public sealed class LayerMasks : IDisposable
{
    /// <summary>Creates masks from two vectors (the instance takes ownership of them and frees them).</summary>
    public LayerMasks(Tensor input, Tensor output)
    {
        if (input.dim() != 1 || output.dim() != 1)
            throw new ArgumentException("Layer masks are vectors: one entry per input unit and one per output unit.");
        Input = input.to(ScalarType.Bool, disposeAfter: true).DetachFromDisposeScope();
        Output = output.to(ScalarType.Bool, disposeAfter: true).DetachFromDisposeScope();
    }

    /// <summary>Kept input units (Linear: columns; convolution: input channels).</summary>
    public Tensor Input { get; private set; }

    /// <summary>Kept output units (Linear: rows; convolution: filters).</summary>
    public Tensor Output { get; private set; }

    /// <summary>How many input units are kept.</summary>
    public long KeptInputs => Count(Input);

    /// <summary>How many output units are kept.</summary>
    public long KeptOutputs => Count(Output);

    private static long Count(Tensor mask)
    {
        using var sum = mask.sum();
        return sum.item<long>();
    }

    /// <summary>The indices of the kept input units, ascending.</summary>
    public long[] KeptInputIndices() => IndicesOf(Input);

    /// <summary>The indices of the kept output units, ascending.</summary>
    public long[] KeptOutputIndices() => IndicesOf(Output);

    /// <summary>Replaces either mask with a copy of the given one (the caller keeps its tensors).</summary>
    internal void Replace(Tensor? input, Tensor? output)
    {
        if (input is not null)
        {
            var old = Input;
            Input = input.to(ScalarType.Bool).DetachFromDisposeScope();
            old.Dispose();
        }
        if (output is not null)
        {
            var old = Output;
            Output = output.to(ScalarType.Bool).DetachFromDisposeScope();
            old.Dispose();
        }
    }

    internal static long[] IndicesOf(Tensor mask)
    {
        var values = mask.to(ScalarType.Bool).data<bool>().ToArray();
        var kept = new List<long>(values.Length);
        for (int i = 0; i < values.Length; i++)
            if (values[i]) kept.Add(i);
        return kept.ToArray();
    }

    /// <summary>Frees the two mask tensors.</summary>
    public void Dispose()
    {
        Input.Dispose();
        Output.Dispose();
    }
}
