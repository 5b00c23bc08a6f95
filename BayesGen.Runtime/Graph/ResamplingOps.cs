namespace BayesGen.Graph;

/// <summary>
/// Padding of the last <see cref="Dimensions"/> dimensions (1 or 2, never the batch or the channels), as PyTorch's
/// <c>pad</c> takes it: <see cref="Pads"/> holds (before, after) pairs from the last dimension backwards, so
/// [left, right, top, bottom] for an image. ZeroPad2d, ConstantPad1d/2d, ReflectionPad1d/2d and ReplicationPad1d/2d
/// are this operation with their mode.
/// </summary>
/// <param name="Pads">Non-negative (before, after) pairs, last dimension first.</param>
/// <param name="Mode">What fills the border.</param>
/// <param name="Value">The fill of <see cref="PadMode.Constant"/> padding.</param>
public sealed record PadOp(long[] Pads, PadMode Mode, double Value = 0) : GraphOp
{
    /// <summary>How many trailing dimensions are padded.</summary>
    public int Dimensions => Pads.Length / 2;

    public override string Name => "pad";

    public override string Describe() => Mode == PadMode.Constant && Value != 0
        ? $"pad({string.Join(", ", Pads)}, {Mode.ToString().ToLowerInvariant()} {Value:G6})"
        : $"pad({string.Join(", ", Pads)}, {Mode.ToString().ToLowerInvariant()})";

    /// <summary>Whether <paramref name="dim"/> of a <paramref name="rank"/>-dimensional input is padded.</summary>
    public bool IsPadded(int dim, int rank) => dim >= rank - Dimensions && dim < rank;

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Single(inputs, Name);
        if (Pads.Length is not (2 or 4) || Pads.Any(p => p < 0))
            throw Mismatch($"{Describe()} needs one or two (before, after) pairs of sizes of 0 or more.");
        if (x.Length < Dimensions + 2)
            throw Mismatch($"{Describe()} pads the last {Dimensions} dimension(s), which [{string.Join(", ", x)}] lacks beyond its batch and channels.");
        if (Mode != PadMode.Constant && x.Length != Dimensions + 2)
            throw Mismatch($"{Describe()}: LibTorch reflects or replicates only the dimensions after the channels, so [{string.Join(", ", x)}] needs {2 * (x.Length - 2)} pads.");
        var shape = (long[])x.Clone();
        for (int k = 0; k < Dimensions; k++)
        {
            int d = x.Length - 1 - k;
            long before = Pads[2 * k], after = Pads[2 * k + 1];
            if (Mode == PadMode.Reflect && (before >= x[d] || after >= x[d]))
                throw Mismatch($"{Describe()}: reflection needs each pad below the size it reflects ({x[d]} in dimension {d}).");
            shape[d] = x[d] + before + after;
        }
        return shape;
    }

    public bool Equals(PadOp? other) => other is not null && Mode == other.Mode && Value.Equals(other.Value) && Same(Pads, other.Pads);

    public override int GetHashCode() => HashCode.Combine(Mode, Value, Hash(Pads));
}

/// <summary>What fills the border of a <see cref="PadOp"/>.</summary>
public enum PadMode
{
    /// <summary>A constant (zero for ZeroPad2d).</summary>
    Constant = 0,
    /// <summary>The input mirrored at its edge, the edge itself not repeated.</summary>
    Reflect = 1,
    /// <summary>The edge value repeated.</summary>
    Replicate = 2,
}

/// <summary>
/// Resizing of the spatial dimensions (1 or 2, after the batch and the channels) by interpolation: <c>Upsample</c>,
/// <c>interpolate</c>. Either <see cref="Size"/> or <see cref="Scale"/> is given, as the user gave it; PyTorch maps
/// output positions to input positions by the scale when it is given and by input / output size otherwise.
/// </summary>
/// <param name="Mode">Nearest neighbour, or linear (bilinear on two dimensions).</param>
/// <param name="AlignCorners">For linear: whether the corner pixels' centres line up (PyTorch's align_corners).</param>
/// <param name="Size">The output size per resized dimension, or null.</param>
/// <param name="Scale">The scale factor per resized dimension, or null.</param>
public sealed record ResizeOp(ResizeMode Mode, bool AlignCorners, long[]? Size, double[]? Scale) : GraphOp
{
    /// <summary>1 or 2.</summary>
    public int Dimensions => Size?.Length ?? Scale?.Length ?? 0;

    public override string Name => "upsample";

    public override string Describe()
    {
        string how = Mode == ResizeMode.Nearest ? "nearest" : AlignCorners ? "linear, corners aligned" : "linear";
        return Size is not null ? $"upsample to {string.Join("×", Size)} ({how})" : $"upsample ×{string.Join("×", Scale!.Select(s => s.ToString("G6")))} ({how})";
    }

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Single(inputs, Name);
        if ((Size is null) == (Scale is null) || Dimensions is not (1 or 2))
            throw Mismatch("upsample needs either an output size or a scale factor, for one or two dimensions.");
        if (x.Length != Dimensions + 2)
            throw Mismatch($"{Describe()} needs a {Dimensions + 2}-dimensional input, not [{string.Join(", ", x)}].");
        var shape = (long[])x.Clone();
        for (int d = 0; d < Dimensions; d++)
        {
            shape[2 + d] = Size is not null ? Size[d] : (long)Math.Floor(x[2 + d] * Scale![d]);
            if (shape[2 + d] < 1) throw Mismatch($"{Describe()} leaves nothing of an input of size {x[2 + d]}.");
        }
        return shape;
    }

    public bool Equals(ResizeOp? other) => other is not null && Mode == other.Mode && AlignCorners == other.AlignCorners
        && (Size is null ? other.Size is null : other.Size is not null && Same(Size, other.Size))
        && (Scale is null ? other.Scale is null : other.Scale is not null && Scale.AsSpan().SequenceEqual(other.Scale));

    public override int GetHashCode() => HashCode.Combine(Mode, AlignCorners, Size is null ? 0 : Hash(Size), Scale?.Length ?? 0);
}

/// <summary>How a <see cref="ResizeOp"/> interpolates.</summary>
public enum ResizeMode
{
    /// <summary>The nearest input position below (PyTorch's <c>nearest</c>).</summary>
    Nearest = 0,
    /// <summary>Linear on one dimension, bilinear on two.</summary>
    Linear = 1,
}

/// <summary>
/// Local response normalisation across channels (AlexNet's and GoogLeNet's original LRN): each value divided by
/// (k + α · mean of the squares of the <see cref="Size"/> neighbouring channels)^β, the mean over a window that
/// starts ⌊size / 2⌋ channels before and ends ⌊(size − 1) / 2⌋ after, zeros beyond the ends, as PyTorch computes it.
/// It mixes the channels, so their units are kept whole.
/// </summary>
public sealed record LocalResponseNormOp(long Size, double Alpha = 1e-4, double Beta = 0.75, double K = 1) : GraphOp
{
    public override string Name => "local_response_norm";

    public override string Describe() => $"local_response_norm({Size}, α {Alpha:G6}, β {Beta:G6}, k {K:G6})";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Single(inputs, Name);
        if (x.Length < 3) throw Mismatch($"{Describe()} needs channels and positions, not [{string.Join(", ", x)}].");
        if (Size < 1) throw Mismatch($"{Describe()} needs a window of at least one channel.");
        return x;
    }
}

/// <summary>
/// Sub-pixel upscaling (<c>pixel_shuffle</c>, ESPCN's last step): [N, C·r², H, W] → [N, C, H·r, W·r], input channel
/// c·r² + i·r + j becoming position (i, j) of output channel c's r × r blocks. Its input channels are positions of
/// its output, so they are kept whole.
/// </summary>
public sealed record PixelShuffleOp(long Factor) : GraphOp
{
    public override string Name => "pixel_shuffle";

    public override string Describe() => $"pixel_shuffle({Factor})";

    public override long[] InferShape(IReadOnlyList<long[]> inputs)
    {
        var x = Single(inputs, Name);
        if (Factor < 1 || x.Length != 4 || x[1] % (Factor * Factor) != 0)
            throw Mismatch($"{Describe()} needs [N, C, H, W] with C a multiple of {Factor}², not [{string.Join(", ", x)}].");
        return new[] { x[0], x[1] / (Factor * Factor), x[2] * Factor, x[3] * Factor };
    }
}
