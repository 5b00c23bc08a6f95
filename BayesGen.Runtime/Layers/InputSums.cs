using static TorchSharp.torch;

namespace BayesGen.Layers;

/// <summary>
/// Running sums of a layer's inputs per input unit (dimension 1: the feature of a Linear layer, the channel of
/// a convolution, summed over examples and positions), in double precision so that long data sets do not
/// lose digits.
/// </summary>
internal sealed class InputSums
{
    private readonly double[] sums;

    public InputSums(long units) => sums = new double[units];

    /// <summary>Values summed per unit so far (examples × positions).</summary>
    public long Count { get; private set; }

    public void Add(Tensor input, int axis)
    {
        if (input.dim() < 2 || axis < 1 || axis >= input.dim() || input.shape[axis] != sums.Length)
            throw new ArgumentException($"Expected an input with {sums.Length} units along dimension {axis}, got shape [{string.Join(", ", input.shape)}].", nameof(input));
        using var scope = NewDisposeScope();
        var perUnit = input.detach().to(ScalarType.Float64).movedim(new long[] { axis }, new long[] { 0 }).reshape(sums.Length, -1);
        var batchSums = perUnit.sum(1).data<double>().ToArray();
        for (int i = 0; i < sums.Length; i++) sums[i] += batchSums[i];
        Count += perUnit.shape[1];
    }

    public double[] Means() => sums.Select(s => Count == 0 ? 0 : s / Count).ToArray();
}
