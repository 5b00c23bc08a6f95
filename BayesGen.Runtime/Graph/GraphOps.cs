using BayesGen.Shared;

namespace BayesGen.Graph;

/// <summary>
/// One operation of a <see cref="NetworkGraph"/>. Every operation keeps dimension 0 as the batch; dimensions are
/// absolute (0 = batch, 1 = channels or features, …) and non-negative once recorded.
/// </summary>
public abstract record GraphOp
{
    /// <summary>The operation's name as artifacts and messages spell it.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// The output shape for these input shapes (batch included), or an <see cref="InvalidDataException"/> naming
    /// what does not fit. Layers and BatchNorms need their data and are shaped by the caller.
    /// </summary>
    public virtual long[] InferShape(IReadOnlyList<long[]> inputs)
        => throw new InvalidOperationException($"The shape of a {Name} operation depends on its layer data.");

    /// <summary>A short description for tables and messages.</summary>
    public virtual string Describe() => Name;

    internal static InvalidDataException Mismatch(string message) => new(message);

    internal static long[] Single(IReadOnlyList<long[]> inputs, string name)
        => inputs.Count == 1 ? inputs[0] : throw Mismatch($"{name} takes one input, not {inputs.Count}.");

    internal static bool Same(long[] a, long[] b) => a.AsSpan().SequenceEqual(b);

    internal static int Hash(long[] values)
    {
        var hash = new HashCode();
        foreach (var v in values) hash.Add(v);
        return hash.ToHashCode();
    }
}

/// <summary>The network's input.</summary>
public sealed record InputOp : GraphOp
{
    public override string Name => "input";
}

/// <summary>A Bayesian Linear or convolution layer, by its path in the network (<c>features.0</c>).</summary>
public sealed record LayerOp(string Layer) : GraphOp
{
    public override string Name => "layer";

    public override string Describe() => Layer;
}

/// <summary>A BatchNorm layer, by its path; it normalises dimension 1.</summary>
public sealed record BatchNormOp(string Layer) : GraphOp
{
    public override string Name => "batch_norm";

    public override string Describe() => Layer;
}

/// <summary>An element-wise activation with up to two parameters.</summary>
/// <param name="Kind">Which function.</param>
/// <param name="Alpha">Leaky ReLU's slope, ELU's and CELU's α, Softplus's β, Hardtanh's minimum; else 0.</param>
/// <param name="Beta">Softplus's threshold, Hardtanh's maximum; else 0.</param>
public sealed record ActivationOp(ActivationKind Kind, double Alpha = 0, double Beta = 0) : GraphOp
{
    /// <summary>ReLU.</summary>
    public static ActivationOp Relu { get; } = new(ActivationKind.Relu);

    public override string Name => Kind switch
    {
        ActivationKind.Relu => "relu",
        ActivationKind.Tanh => "tanh",
        ActivationKind.Sigmoid => "sigmoid",
        ActivationKind.LeakyRelu => "leaky_relu",
        ActivationKind.Elu => "elu",
        ActivationKind.Gelu => "gelu",
        ActivationKind.GeluTanh => "gelu_tanh",
        ActivationKind.Silu => "silu",
        ActivationKind.Softplus => "softplus",
        ActivationKind.Hardswish => "hardswish",
        ActivationKind.Hardsigmoid => "hardsigmoid",
        ActivationKind.Hardtanh => "hardtanh",
        ActivationKind.Mish => "mish",
        ActivationKind.Selu => "selu",
        ActivationKind.Celu => "celu",
        _ => "activation",
    };

    public override long[] InferShape(IReadOnlyList<long[]> inputs) => Single(inputs, Name);

    public override string Describe() => Kind switch
    {
        ActivationKind.LeakyRelu or ActivationKind.Elu or ActivationKind.Celu => $"{Name}({Alpha:G6})",
        ActivationKind.Softplus or ActivationKind.Hardtanh => $"{Name}({Alpha:G6}, {Beta:G6})",
        _ => Name,
    };
}

/// <summary>The element-wise activations BayesGen records, runs and exports.</summary>
public enum ActivationKind
{
    /// <summary>max(x, 0).</summary>
    Relu = 0,
    /// <summary>tanh(x).</summary>
    Tanh = 1,
    /// <summary>1 / (1 + e^−x).</summary>
    Sigmoid = 2,
    /// <summary>x for x ≥ 0, α·x otherwise.</summary>
    LeakyRelu = 3,
    /// <summary>x for x &gt; 0, α(eˣ − 1) otherwise.</summary>
    Elu = 4,
    /// <summary>x·Φ(x) (exact, with the error function).</summary>
    Gelu = 5,
    /// <summary>GELU's tanh approximation.</summary>
    GeluTanh = 6,
    /// <summary>x·sigmoid(x).</summary>
    Silu = 7,
    /// <summary>log(1 + e^(βx)) / β, x itself where βx exceeds the threshold.</summary>
    Softplus = 8,
    /// <summary>x·relu6(x + 3) / 6.</summary>
    Hardswish = 9,
    /// <summary>relu6(x + 3) / 6.</summary>
    Hardsigmoid = 10,
    /// <summary>x clamped to [min, max] (ReLU6 is Hardtanh(0, 6)).</summary>
    Hardtanh = 11,
    /// <summary>x·tanh(softplus(x)).</summary>
    Mish = 12,
    /// <summary>λ·x for x &gt; 0, λα(eˣ − 1) otherwise, with the self-normalising constants λ ≈ 1.0507 and α ≈ 1.6733.</summary>
    Selu = 13,
    /// <summary>x for x &gt; 0, α(e^(x/α) − 1) otherwise.</summary>
    Celu = 14,
}

/// <summary>Dropout: random in training, the identity in evaluation and in the compressed network.</summary>
public sealed record DropoutOp(DropoutKind Kind, double Probability) : GraphOp
{
    public override string Name => "dropout";

    public override long[] InferShape(IReadOnlyList<long[]> inputs) => Single(inputs, Name);
}

/// <summary>Which elements dropout zeroes in training.</summary>
public enum DropoutKind
{
    /// <summary>Each element (Dropout).</summary>
    Element = 0,
    /// <summary>Whole channels (Dropout1d, Dropout2d).</summary>
    Channel = 1,
    /// <summary>Alpha dropout, which keeps SELU's mean and variance.</summary>
    Alpha = 2,
}

/// <summary>1-D or 2-D max or average pooling (dilation 1).</summary>
/// <param name="Kind">Max or average.</param>
/// <param name="Kernel">The window, one entry per pooled dimension (1 or 2).</param>
/// <param name="Stride">The step.</param>
/// <param name="Padding">Implicit padding on both sides.</param>
/// <param name="CeilMode">Whether a partial last window counts.</param>
/// <param name="CountIncludePad">For averages: whether padding counts in the divisor.</param>
public sealed record PoolOp(PoolKind Kind, long[] Kernel, long[] Stride, long[] Padding, bool CeilMode = false, bool CountIncludePad = true) : GraphOp
{
    /// <summary>1 or 2.</summary>
    public int Dimensions => Kernel.Length;

    public override string Name => (Kind == PoolKind.Max ? "max_pool" : "avg_pool") + Dimensions + "d";

    public override string Describe() => $"{Name} {string.Join("×", Kernel)}";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Single(inputs, Name);
        if (x.Length != Dimensions + 2) throw Mismatch($"{Name} needs a {Dimensions + 2}-dimensional input, not [{string.Join(", ", x)}].");
        var shape = (long[])x.Clone();
        for (int d = 0; d < Dimensions; d++)
        {
            shape[2 + d] = SlidingWindow.OutputSize(x[2 + d], Kernel[d], Stride[d], Padding[d], 1, CeilMode);
            if (shape[2 + d] < 1) throw Mismatch($"{Describe()} does not fit an input of size {x[2 + d]}.");
        }
        return shape;
    }

    public bool Equals(PoolOp? other) => other is not null && Kind == other.Kind && Same(Kernel, other.Kernel) && Same(Stride, other.Stride)
        && Same(Padding, other.Padding) && CeilMode == other.CeilMode && CountIncludePad == other.CountIncludePad;

    public override int GetHashCode() => HashCode.Combine(Kind, Hash(Kernel), Hash(Stride), Hash(Padding), CeilMode, CountIncludePad);
}

/// <summary>The pooling kinds.</summary>
public enum PoolKind
{
    /// <summary>Maximum over the window.</summary>
    Max = 0,
    /// <summary>Mean over the window.</summary>
    Average = 1,
}

/// <summary>Adaptive average or max pooling to a fixed output size (1 or 2 dimensions).</summary>
public sealed record AdaptivePoolOp(long[] OutputSize, PoolKind Kind = PoolKind.Average) : GraphOp
{
    /// <summary>1 or 2.</summary>
    public int Dimensions => OutputSize.Length;

    public override string Name => $"adaptive_{(Kind == PoolKind.Max ? "max" : "avg")}_pool{Dimensions}d";

    public override string Describe() => $"{Name} {string.Join("×", OutputSize)}";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Single(inputs, Name);
        if (x.Length != Dimensions + 2) throw Mismatch($"{Name} needs a {Dimensions + 2}-dimensional input, not [{string.Join(", ", x)}].");
        var shape = (long[])x.Clone();
        for (int d = 0; d < Dimensions; d++) shape[2 + d] = OutputSize[d];
        return shape;
    }

    public bool Equals(AdaptivePoolOp? other) => other is not null && Kind == other.Kind && Same(OutputSize, other.OutputSize);

    public override int GetHashCode() => HashCode.Combine(Kind, Hash(OutputSize));
}

/// <summary>Dimensions <see cref="Start"/> to <see cref="End"/> (inclusive, absolute, Start ≥ 1) merged into one.</summary>
public sealed record FlattenOp(int Start, int End) : GraphOp
{
    public override string Name => "flatten";

    public override string Describe() => $"flatten({Start}, {End})";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Single(inputs, Name);
        if (Start < 1 || End < Start || End >= x.Length) throw Mismatch($"flatten({Start}, {End}) does not fit a {x.Length}-dimensional input.");
        long merged = 1;
        for (int d = Start; d <= End; d++) merged *= x[d];
        return x.Take(Start).Append(merged).Concat(x.Skip(End + 1)).ToArray();
    }
}

/// <summary>A dimension of size 1 inserted at <see cref="Dim"/> (absolute in the output, ≥ 1).</summary>
public sealed record UnsqueezeOp(int Dim) : GraphOp
{
    public override string Name => "unsqueeze";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Single(inputs, Name);
        if (Dim < 1 || Dim > x.Length) throw Mismatch($"unsqueeze({Dim}) does not fit a {x.Length}-dimensional input.");
        return x.Take(Dim).Append(1).Concat(x.Skip(Dim)).ToArray();
    }
}

/// <summary>Dimension <see cref="Dim"/> (absolute, ≥ 1, of size 1) removed.</summary>
public sealed record SqueezeOp(int Dim) : GraphOp
{
    public override string Name => "squeeze";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Single(inputs, Name);
        if (Dim < 1 || Dim >= x.Length || x[Dim] != 1) throw Mismatch($"squeeze({Dim}) needs dimension {Dim} of size 1 in [{string.Join(", ", x)}].");
        return x.Take(Dim).Concat(x.Skip(Dim + 1)).ToArray();
    }
}

/// <summary>Dimensions reordered; <c>Dims[0]</c> is always 0 (the batch stays first).</summary>
public sealed record PermuteOp(int[] Dims) : GraphOp
{
    public override string Name => "permute";

    public override string Describe() => $"permute({string.Join(", ", Dims)})";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Single(inputs, Name);
        if (Dims.Length != x.Length || Dims[0] != 0 || Dims.OrderBy(d => d).Where((d, i) => d != i).Any())
            throw Mismatch($"{Describe()} is not a permutation of a {x.Length}-dimensional input that keeps the batch first.");
        return Dims.Select(d => x[d]).ToArray();
    }

    public bool Equals(PermuteOp? other) => other is not null && Dims.AsSpan().SequenceEqual(other.Dims);

    public override int GetHashCode() => Hash(Dims.Select(d => (long)d).ToArray());
}

/// <summary>Softmax or log-softmax over dimension <see cref="Dim"/> (absolute).</summary>
public sealed record SoftmaxOp(bool Log, int Dim) : GraphOp
{
    public override string Name => Log ? "log_softmax" : "softmax";

    public override string Describe() => $"{Name}({Dim})";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Single(inputs, Name);
        if (Dim < 1 || Dim >= x.Length) throw Mismatch($"{Describe()} does not fit a {x.Length}-dimensional input.");
        return x;
    }
}

/// <summary>Element-wise arithmetic on two tensors (with broadcasting): a residual add, a gate.</summary>
public sealed record BinaryOp(BinaryKind Kind) : GraphOp
{
    public override string Name => Kind.ToString().ToLowerInvariant();

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        if (inputs.Count != 2) throw Mismatch($"{Name} takes two inputs, not {inputs.Count}.");
        return Broadcast(inputs[0], inputs[1]) ?? throw Mismatch(
            $"{Name} of shapes [{string.Join(", ", inputs[0])}] and [{string.Join(", ", inputs[1])}]: they do not broadcast.");
    }

    /// <summary>The broadcast shape of two shapes of equal rank, or null.</summary>
    internal static long[]? Broadcast(long[] a, long[] b)
    {
        if (a.Length != b.Length) return null;
        var shape = new long[a.Length];
        for (int d = 0; d < a.Length; d++)
        {
            if (a[d] == b[d] || b[d] == 1) shape[d] = a[d];
            else if (a[d] == 1) shape[d] = b[d];
            else return null;
        }
        return shape;
    }
}

/// <summary>The element-wise arithmetic operations.</summary>
public enum BinaryKind
{
    /// <summary>a + b.</summary>
    Add = 0,
    /// <summary>a − b.</summary>
    Subtract = 1,
    /// <summary>a · b.</summary>
    Multiply = 2,
    /// <summary>a / b.</summary>
    Divide = 3,
}

/// <summary>Arithmetic with a constant: <c>x · 0.5</c>, <c>1 − x</c> (<see cref="ScalarFirst"/>).</summary>
public sealed record ScalarOp(BinaryKind Kind, double Value, bool ScalarFirst = false) : GraphOp
{
    public override string Name => "scalar_" + Kind.ToString().ToLowerInvariant();

    public override string Describe() => Kind switch
    {
        BinaryKind.Add => ScalarFirst ? $"{Value:G6} + x" : $"x + {Value:G6}",
        BinaryKind.Subtract => ScalarFirst ? $"{Value:G6} − x" : $"x − {Value:G6}",
        BinaryKind.Multiply => ScalarFirst ? $"{Value:G6} · x" : $"x · {Value:G6}",
        _ => ScalarFirst ? $"{Value:G6} / x" : $"x / {Value:G6}",
    };

    public override long[] InferShape(IReadOnlyList<long[]> inputs) => Single(inputs, Name);
}

/// <summary>Tensors joined along dimension <see cref="Dim"/> (absolute, ≥ 1).</summary>
public sealed record ConcatOp(int Dim) : GraphOp
{
    public override string Name => "concat";

    public override string Describe() => $"concat({Dim})";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        if (inputs.Count == 0) throw Mismatch("concat needs at least one input.");
        var first = inputs[0];
        if (Dim < 1 || Dim >= first.Length) throw Mismatch($"{Describe()} does not fit a {first.Length}-dimensional input.");
        var shape = (long[])first.Clone();
        shape[Dim] = 0;
        foreach (var x in inputs)
        {
            if (x.Length != first.Length || Enumerable.Range(1, x.Length - 1).Any(d => d != Dim && x[d] != first[d]))
                throw Mismatch($"{Describe()} of [{string.Join(", ", first)}] and [{string.Join(", ", x)}]: the other dimensions differ.");
            shape[Dim] += x[Dim];
        }
        return shape;
    }
}

/// <summary>A mean or sum over dimensions (global average pooling written as <c>x.mean([2, 3])</c>).</summary>
public sealed record ReduceOp(ReduceKind Kind, int[] Dims, bool KeepDim) : GraphOp
{
    public override string Name => Kind switch { ReduceKind.Mean => "mean", ReduceKind.Max => "amax", _ => "sum" };

    public override string Describe() => $"{Name}([{string.Join(", ", Dims)}]{(KeepDim ? ", keepdim" : "")})";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Single(inputs, Name);
        if (Dims.Length == 0 || Dims.Any(d => d < 1 || d >= x.Length) || Dims.Distinct().Count() != Dims.Length)
            throw Mismatch($"{Describe()} does not fit a {x.Length}-dimensional input (the batch cannot be reduced).");
        return KeepDim
            ? x.Select((n, d) => Dims.Contains(d) ? 1 : n).ToArray()
            : x.Where((_, d) => !Dims.Contains(d)).ToArray();
    }

    public bool Equals(ReduceOp? other) => other is not null && Kind == other.Kind && KeepDim == other.KeepDim && Dims.AsSpan().SequenceEqual(other.Dims);

    public override int GetHashCode() => HashCode.Combine(Kind, KeepDim, Hash(Dims.Select(d => (long)d).ToArray()));
}

/// <summary>The reductions.</summary>
public enum ReduceKind
{
    /// <summary>The mean.</summary>
    Mean = 0,
    /// <summary>The sum.</summary>
    Sum = 1,
    /// <summary>The largest value (<c>amax</c>: global max pooling written as <c>x.amax([2, 3])</c>).</summary>
    Max = 2,
}

/// <summary>
/// <see cref="Length"/> units of dimension <see cref="Dim"/> (absolute, ≥ 1) from <see cref="Start"/> on: one piece of
/// <c>chunk</c> or <c>split</c>, or a <c>narrow</c>.
/// </summary>
public sealed record SliceOp(int Dim, long Start, long Length) : GraphOp
{
    public override string Name => "slice";

    public override string Describe() => $"slice({Dim}, {Start}..{Start + Length})";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Single(inputs, Name);
        if (Dim < 1 || Dim >= x.Length || Start < 0 || Length < 1 || Start > x[Dim] - Length)
            throw Mismatch($"{Describe()} does not fit [{string.Join(", ", x)}].");
        var shape = (long[])x.Clone();
        shape[Dim] = Length;
        return shape;
    }

    /// <summary>The input unit that output unit <paramref name="unit"/> is.</summary>
    public long SourceOf(long unit) => Start + unit;
}

/// <summary>
/// ShuffleNet's channel shuffle (<c>channel_shuffle(groups)</c>): the C channels of dimension 1, read as
/// <see cref="Groups"/> groups of C / groups, are interleaved, so output channel j is input channel
/// (j mod groups)·(C / groups) + j / groups.
/// </summary>
public sealed record ChannelShuffleOp(long Groups) : GraphOp
{
    public override string Name => "channel_shuffle";

    public override string Describe() => $"channel_shuffle({Groups})";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Single(inputs, Name);
        if (x.Length < 2 || Groups < 1 || x[1] % Groups != 0)
            throw Mismatch($"{Describe()} needs dimension 1 of [{string.Join(", ", x)}] to be a multiple of {Groups}.");
        return x;
    }

    /// <summary>The input channel that output channel <paramref name="unit"/> of <paramref name="channels"/> is.</summary>
    public long SourceOf(long unit, long channels) => unit % Groups * (channels / Groups) + unit / Groups;
}

/// <summary>
/// The units at <see cref="Indices"/> of dimension <see cref="Dim"/>, in that order: what a slice or a channel
/// shuffle becomes in a pruned network, where the units it reads are no longer evenly laid out.
/// </summary>
public sealed record GatherOp(int Dim, long[] Indices) : GraphOp
{
    public override string Name => "gather";

    public override string Describe() => $"gather({Dim}, {Indices.Length} units)";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Single(inputs, Name);
        if (Dim < 1 || Dim >= x.Length || Indices.Length == 0 || Indices.Any(i => i < 0 || i >= x[Dim]))
            throw Mismatch($"{Describe()} does not fit [{string.Join(", ", x)}]: every index must lie in 0..{(Dim >= 1 && Dim < x.Length ? x[Dim] - 1 : 0)}.");
        var shape = (long[])x.Clone();
        shape[Dim] = Indices.Length;
        return shape;
    }

    public bool Equals(GatherOp? other) => other is not null && Dim == other.Dim && Indices.AsSpan().SequenceEqual(other.Indices);

    public override int GetHashCode() => HashCode.Combine(Dim, Hash(Indices));
}
