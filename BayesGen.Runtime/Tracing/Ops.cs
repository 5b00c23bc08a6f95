using BayesGen.Graph;
using System.ComponentModel;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tracing;

/// <summary>
/// The tensor operations of a generated Bayesian model's forward. The generator rewrites each supported TorchSharp
/// call of the network's forward (<c>functional.relu(x)</c>, <c>x.view(-1, 800)</c>, <c>a + b</c>, <c>torch.cat</c>)
/// into the matching method here: it computes exactly what the TorchSharp call computes (through
/// <see cref="OpKernels"/>) and, while a graph is being recorded, records the operation.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Ops
{
    /// <summary>An activation (<c>relu</c>, <c>gelu</c>, <c>leaky_relu(x, 0.2)</c>, …), in place when asked.</summary>
    public static Tensor Activation(Tensor x, ActivationKind kind, double alpha = 0, double beta = 0, bool inplace = false)
    {
        var op = new ActivationOp(kind, alpha, beta);
        return Recorded(op, OpKernels.Activation(op, x, inplace), x);
    }

    /// <summary>Dropout (<c>dropout(x, p, training)</c>): applied when <paramref name="training"/>, recorded as the identity.</summary>
    public static Tensor Dropout(Tensor x, double p, bool training, DropoutKind kind = DropoutKind.Element, bool inplace = false)
    {
        var op = new DropoutOp(kind, p);
        return Recorded(op, OpKernels.Dropout(op, x, training, inplace), x);
    }

    /// <summary>1-D or 2-D pooling with PyTorch's defaults (stride = kernel, padding 0).</summary>
    public static Tensor Pool(Tensor x, PoolKind kind, int dims, long[] kernel, long[]? stride = null, long[]? padding = null,
        bool ceilMode = false, bool countIncludePad = true, long[]? dilation = null)
    {
        var op = new PoolOp(kind, Expand(kernel, dims), Expand(stride ?? kernel, dims), Expand(padding ?? new long[] { 0 }, dims), ceilMode, countIncludePad);
        if (dilation is not null && dilation.Any(d => d != 1))
        {
            var dilated = dims == 1
                ? nn.functional.max_pool1d(x, op.Kernel[0], op.Stride[0], op.Padding[0], dilation[0], ceilMode)
                : nn.functional.max_pool2d(x, op.Kernel, op.Stride, op.Padding, Expand(dilation, 2), ceilMode);
            GraphTracer.Current?.Fail("forward pools with dilation, which BayesGen does not deploy.");
            return dilated;
        }
        return Recorded(op, OpKernels.Pool(op, x), x);
    }

    /// <summary>Adaptive average pooling to <paramref name="outputSize"/> over 1 or 2 dimensions.</summary>
    public static Tensor AdaptiveAvgPool(Tensor x, int dims, long[] outputSize) => AdaptivePool(x, dims, outputSize, PoolKind.Average);

    /// <summary>Adaptive max pooling to <paramref name="outputSize"/> over 1 or 2 dimensions (global max pooling at 1).</summary>
    public static Tensor AdaptiveMaxPool(Tensor x, int dims, long[] outputSize) => AdaptivePool(x, dims, outputSize, PoolKind.Max);

    private static Tensor AdaptivePool(Tensor x, int dims, long[] outputSize, PoolKind kind)
    {
        var op = new AdaptivePoolOp(Expand(outputSize, dims), kind);
        return Recorded(op, OpKernels.Run(op, new[] { x }, false), x);
    }

    /// <summary>
    /// <c>pad(x, pads, mode, value)</c> and the padding modules: (before, after) pairs from the last dimension backwards.
    /// Padding that reaches the channels or the batch, or pads circularly or by a negative amount (a crop), is computed
    /// but cannot be recorded.
    /// </summary>
    public static Tensor Pad(Tensor x, long[] pads, PaddingModes mode = PaddingModes.Constant, double value = 0)
    {
        int rank = (int)x.dim();
        string? refusal = mode == PaddingModes.Circular ? "pads circularly, which BayesGen does not deploy (use reflect, replicate or a constant)"
            : pads.Length is not (2 or 4) || pads.Length / 2 > rank - 2 ? $"pads {pads.Length / 2} dimension(s) of [{string.Join(", ", x.shape)}]; BayesGen follows padding of the last one or two dimensions after the channels"
            : pads.Any(p => p < 0) ? $"pads by a negative amount ({string.Join(", ", pads)}), which crops; use narrow or a slice"
            : null;
        if (refusal is not null) return Failed(nn.functional.pad(x, pads, mode, value), "forward " + refusal + ".");
        var op = new PadOp(pads, mode switch { PaddingModes.Reflect => PadMode.Reflect, PaddingModes.Replicate => PadMode.Replicate, _ => PadMode.Constant },
            mode == PaddingModes.Zeros ? 0 : value);
        return Recorded(op, OpKernels.Pad(op, x), x);
    }

    /// <summary><c>pad(x, (left, right))</c>.</summary>
    public static Tensor Pad(Tensor x, (long, long) pads, PaddingModes mode = PaddingModes.Constant, double value = 0)
        => Pad(x, new[] { pads.Item1, pads.Item2 }, mode, value);

    /// <summary><c>pad(x, (left, right, top, bottom))</c>.</summary>
    public static Tensor Pad(Tensor x, (long, long, long, long) pads, PaddingModes mode = PaddingModes.Constant, double value = 0)
        => Pad(x, new[] { pads.Item1, pads.Item2, pads.Item3, pads.Item4 }, mode, value);

    /// <summary>
    /// <c>pad(x, n)</c>: every side of the dimensions TorchSharp pads for a single size, read from what it computes (the
    /// trailing dimensions that grow by 2n), so that the record is what TorchSharp does.
    /// </summary>
    public static Tensor Pad(Tensor x, long pad, PaddingModes mode = PaddingModes.Constant, double value = 0)
    {
        var padded = nn.functional.pad(x, pad, mode, value);
        if (GraphTracer.Current is null) return padded;
        using var _ = padded;
        int grown = 0;
        for (int d = (int)x.dim() - 1; d >= 0 && padded.shape[d] == x.shape[d] + 2 * pad; d--) grown++;
        return Pad(x, Enumerable.Repeat(pad, 2 * Math.Max(1, pad == 0 ? Math.Min(2, (int)x.dim() - 2) : grown)).ToArray(), mode, value);
    }

    /// <summary>
    /// <c>interpolate(x, size, scale_factor, mode, align_corners, recompute_scale_factor)</c> and the <c>Upsample</c>
    /// module, over the one or two dimensions after the channels. Nearest, linear and bilinear are recorded; with
    /// <paramref name="recomputeScale"/> PyTorch maps positions by the sizes, so the output size is recorded.
    /// </summary>
    public static Tensor Interpolate(Tensor x, long[]? size = null, double[]? scale = null, InterpolationMode mode = InterpolationMode.Nearest,
        bool? alignCorners = null, bool recomputeScale = false)
    {
        var result = nn.functional.interpolate(x, size, scale, mode, alignCorners, recomputeScale);
        var tracer = GraphTracer.Current;
        if (tracer is null) return result;
        int dims = (int)x.dim() - 2;
        ResizeMode? kind = (mode, dims) switch
        {
            (InterpolationMode.Nearest, 1 or 2) => ResizeMode.Nearest,
            (InterpolationMode.Linear, 1) or (InterpolationMode.Bilinear, 2) => ResizeMode.Linear,
            _ => null,
        };
        if (kind is null)
        {
            tracer.Fail($"forward interpolates [{string.Join(", ", x.shape)}] with {mode}; BayesGen records nearest, linear (one dimension) and bilinear (two dimensions) resizing.");
            return result;
        }
        var outputSize = result.shape.Skip(2).ToArray();
        var op = size is not null || recomputeScale
            ? new ResizeOp(kind.Value, alignCorners ?? false, outputSize, null)
            : new ResizeOp(kind.Value, alignCorners ?? false, null, scale);   // LibTorch has already required one scale per resized dimension
        tracer.Record(op, result, x);
        return result;
    }

    /// <summary><c>upsample(x, size, scale_factor, mode, align_corners)</c> and the <c>Upsample</c> module.</summary>
    public static Tensor Upsample(Tensor x, long[]? size = null, double[]? scale = null, UpsampleMode mode = UpsampleMode.Nearest,
        bool? alignCorners = null, bool recomputeScale = false)
        => Interpolate(x, size, scale, mode switch
        {
            UpsampleMode.Linear => InterpolationMode.Linear,
            UpsampleMode.Bilinear => InterpolationMode.Bilinear,
            UpsampleMode.Bicubic => InterpolationMode.Bicubic,
            UpsampleMode.Trilinear => InterpolationMode.Trilinear,
            _ => InterpolationMode.Nearest,
        }, mode == UpsampleMode.Nearest ? null : alignCorners, recomputeScale);

    /// <summary><c>pixel_shuffle(x, r)</c> and the <c>PixelShuffle</c> module: [N, C·r², H, W] → [N, C, H·r, W·r].</summary>
    public static Tensor PixelShuffle(Tensor x, long factor)
    {
        var op = new PixelShuffleOp(factor);
        if (x.dim() != 4)
            return Failed(nn.functional.pixel_shuffle(x, factor), $"forward shuffles pixels of [{string.Join(", ", x.shape)}]; BayesGen records pixel_shuffle of [N, C, H, W].");
        return Recorded(op, OpKernels.Run(op, new[] { x }, training: false), x);
    }

    /// <summary><c>local_response_norm(x, size, alpha, beta, k)</c> and the <c>LocalResponseNorm</c> module, across the channels.</summary>
    public static Tensor LocalResponseNorm(Tensor x, long size, double alpha = 1e-4, double beta = 0.75, double k = 1)
    {
        var op = new LocalResponseNormOp(size, alpha, beta, k);
        if (x.dim() < 3)
            return Failed(nn.functional.local_response_norm(x, size, alpha, beta, k), $"forward normalises [{string.Join(", ", x.shape)}] across channels without positions; BayesGen records local response normalisation of [N, C, …] with positions.");
        return Recorded(op, OpKernels.Run(op, new[] { x }, training: false), x);
    }

    /// <summary>
    /// <c>glu(x, dim)</c>: the first half of dimension <paramref name="dim"/> times the sigmoid of the second, recorded as
    /// the two slices, the sigmoid and the product it is.
    /// </summary>
    public static Tensor Glu(Tensor x, long dim = -1)
    {
        int axis = Axis(dim, (int)x.dim());
        if (x.shape[axis] % 2 != 0)
            throw new ArgumentException($"glu halves dimension {dim} of [{string.Join(", ", x.shape)}], which needs an even size.");
        var halves = Chunk(x, 2, dim);
        return Binary(halves[0], Activation(halves[1], ActivationKind.Sigmoid), BinaryKind.Multiply);
    }

    /// <summary><c>flatten(start, end)</c>; the batch (dimension 0) must stay.</summary>
    public static Tensor Flatten(Tensor x, long start = 0, long end = -1)
    {
        var result = x.flatten(start, end);
        var tracer = GraphTracer.Current;
        if (tracer is null) return result;
        int rank = (int)x.dim();
        int s = Axis(start, rank), e = Axis(end, rank);
        if (tracer.IsChannelSplit(x))
        {
            if (s == 1 && e == 2) tracer.MergeChannelSplit(x, result);
            else tracer.FailOnChannelSplit(x, $"flattens (flatten({start}, {end}))");
        }
        else if (s == 0) tracer.Fail($"forward flattens the batch dimension (flatten({start}, {end})); use flatten(1).");
        else if (e > s) tracer.Record(new FlattenOp(s, e), result, x);
        else tracer.Same(x, result);
        return result;
    }

    /// <summary>
    /// <c>view</c> or <c>reshape</c>: recorded as the flatten and squeeze/unsqueeze steps it amounts to. A view that splits
    /// the channels in two ([N, C, …] → [N, g, C / g, …]) is followed until it is viewed back: ShuffleNet's channel shuffle
    /// written by hand (view, transpose(1, 2), view back) records the <see cref="ChannelShuffleOp"/> it is.
    /// </summary>
    public static Tensor Reshape(Tensor x, long[] shape, bool view = false)
    {
        var result = view ? x.view(shape) : x.reshape(shape);
        var tracer = GraphTracer.Current;
        if (tracer is null) return result;
        if (tracer.IsChannelSplit(x))
        {
            if (x.shape.AsSpan().SequenceEqual(result.shape)) tracer.Same(x, result);
            else tracer.MergeChannelSplit(x, result);
            return result;
        }
        var steps = ReshapeSteps.Find(x.shape, result.shape);
        if (steps is not null) RecordSteps(tracer, steps, x, result);
        else if (SplitsChannels(x.shape, result.shape)) tracer.SplitChannels(x, result, result.shape[1]);
        else tracer.Fail($"forward reshapes [{string.Join(", ", x.shape)}] into [{string.Join(", ", result.shape)}], which is not a flatten of neighbouring dimensions, an added or removed dimension of size 1, or a channel shuffle's split of the channels; BayesGen cannot follow channels through it (use flatten, unsqueeze or squeeze).");
        return result;
    }

    /// <summary>Whether a reshape splits the channels into two dimensions and leaves the rest (ShuffleNet's shuffle by hand).</summary>
    private static bool SplitsChannels(long[] from, long[] to)
        => from.Length >= 2 && to.Length == from.Length + 1 && to[0] == from[0] && to[1] * to[2] == from[1] && to.Skip(3).SequenceEqual(from.Skip(2));

    /// <summary><c>permute(dims)</c>; the batch must stay first.</summary>
    public static Tensor Permute(Tensor x, long[] dims)
    {
        var result = x.permute(dims);
        var tracer = GraphTracer.Current;
        if (tracer is null) return result;
        int rank = (int)x.dim();
        var absolute = dims.Select(d => Axis(d, rank)).ToArray();
        if (tracer.IsChannelSplit(x))
        {
            if (SwapsChannelParts(absolute)) tracer.SwapChannelSplit(x, result);
            else tracer.FailOnChannelSplit(x, $"permutes ({string.Join(", ", dims)})");
        }
        else if (absolute[0] != 0) tracer.Fail("forward permutes the batch dimension away from the front.");
        else tracer.Record(new PermuteOp(absolute), result, x);
        return result;
    }

    /// <summary>Whether a permutation exchanges dimensions 1 and 2 and leaves every other in place.</summary>
    private static bool SwapsChannelParts(int[] permutation)
        => permutation.Length >= 3 && permutation[1] == 2 && permutation[2] == 1 && permutation.Select((d, i) => i is 1 or 2 || d == i).All(same => same);

    /// <summary><c>transpose(dim0, dim1)</c>, recorded as a permutation.</summary>
    public static Tensor Transpose(Tensor x, long dim0, long dim1)
    {
        int rank = (int)x.dim();
        var dims = Enumerable.Range(0, rank).Select(d => (long)d).ToArray();
        int a = Axis(dim0, rank), b = Axis(dim1, rank);
        (dims[a], dims[b]) = (dims[b], dims[a]);
        return Permute(x, dims);
    }

    /// <summary><c>unsqueeze(dim)</c>.</summary>
    public static Tensor Unsqueeze(Tensor x, long dim)
    {
        var result = x.unsqueeze(dim);
        int axis = Axis(dim, (int)x.dim() + 1);
        return axis == 0 ? Failed(result, "forward adds a dimension before the batch.") : Recorded(new UnsqueezeOp(axis), result, x);
    }

    /// <summary><c>squeeze(dim)</c>, or <c>squeeze()</c> with every size-1 dimension but the batch.</summary>
    public static Tensor Squeeze(Tensor x, long? dim = null)
    {
        var result = x.squeeze(dim);
        var tracer = GraphTracer.Current;
        if (tracer is null) return result;
        int rank = (int)x.dim();
        var removed = dim is long d
            ? (x.shape[Axis(d, rank)] == 1 ? new[] { Axis(d, rank) } : Array.Empty<int>())
            : Enumerable.Range(0, rank).Where(i => x.shape[i] == 1).ToArray();
        if (removed.Contains(0)) return Failed(result, "forward squeezes the batch dimension (a batch of one); squeeze a named dimension instead.");
        RecordSteps(tracer, removed.OrderByDescending(i => i).Select(i => (GraphOp)new SqueezeOp(i)).ToList(), x, result);
        return result;
    }

    /// <summary><c>softmax(x, dim)</c> or <c>log_softmax(x, dim)</c>.</summary>
    public static Tensor Softmax(Tensor x, long dim, bool log)
    {
        int axis = Axis(dim, (int)x.dim());
        var result = log ? nn.functional.log_softmax(x, dim) : nn.functional.softmax(x, dim);
        return axis == 0 ? Failed(result, "forward takes a softmax over the batch.") : Recorded(new SoftmaxOp(log, axis), result, x);
    }

    /// <summary>a ∘ b (<c>a + b</c>, <c>a.add_(b)</c>, <c>a * b</c>, …).</summary>
    public static Tensor Binary(Tensor a, Tensor b, BinaryKind kind, bool inplace = false)
    {
        var result = OpKernels.Binary(kind, a, b, inplace);
        var tracer = GraphTracer.Current;
        if (tracer is null) return result;
        if (a.dim() != b.dim()) tracer.Fail($"forward combines tensors of different ranks ([{string.Join(", ", a.shape)}] {kind} [{string.Join(", ", b.shape)}]); BayesGen follows element-wise arithmetic between tensors of one rank.");
        else tracer.Record(new BinaryOp(kind), result, a, b);
        return result;
    }

    /// <summary>Arithmetic with a constant (<c>x * 0.5</c>, <c>1 - x</c>).</summary>
    public static Tensor Scalar(Tensor x, Scalar value, BinaryKind kind, bool scalarFirst = false, bool inplace = false)
    {
        var op = new ScalarOp(kind, value.ToDouble(), scalarFirst);
        return Recorded(op, OpKernels.Scalar(op, x, inplace), x);
    }

    /// <summary><c>torch.cat(tensors, dim)</c>.</summary>
    public static Tensor Concat(IEnumerable<Tensor> tensors, long dim)
    {
        var inputs = tensors.ToArray();
        if (inputs.Length == 0) return cat(inputs, dim);
        int axis = Axis(dim, (int)inputs[0].dim());
        var result = cat(inputs, dim);
        return axis == 0 ? Failed(result, "forward concatenates along the batch dimension.") : Recorded(new ConcatOp(axis), result, inputs);
    }

    /// <summary><c>chunk(chunks, dim)</c>: each piece recorded as the slice it is.</summary>
    public static Tensor[] Chunk(Tensor x, long chunks, long dim = 0) => Pieces(x, x.chunk(chunks, dim), dim, "chunks");

    /// <summary><c>split(size, dim)</c>: pieces of <paramref name="size"/> units (the last may be shorter).</summary>
    public static Tensor[] Split(Tensor x, long size, long dim = 0) => Pieces(x, x.split(size, (int)dim), dim, "splits");

    /// <summary><c>split(sizes, dim)</c>: pieces of the given sizes.</summary>
    public static Tensor[] Split(Tensor x, long[] sizes, long dim = 0) => Pieces(x, x.split(sizes, dim), dim, "splits");

    /// <summary><c>narrow(dim, start, length)</c>.</summary>
    public static Tensor Narrow(Tensor x, long dim, long start, long length)
    {
        var result = x.narrow(dim, start, length);
        int axis = Axis(dim, (int)x.dim());
        return axis == 0 ? Failed(result, "forward narrows the batch dimension.")
            : Recorded(new SliceOp(axis, start < 0 ? start + x.shape[axis] : start, length), result, x);
    }

    /// <summary><c>x[.., a..b]</c>: the elements of dimension <paramref name="dim"/> in <paramref name="range"/> (counted from the end with ^).</summary>
    public static Tensor RangeSlice(Tensor x, long dim, Range range)
    {
        long size = x.shape[Axis(dim, (int)x.dim())];
        long start = range.Start.IsFromEnd ? size - range.Start.Value : range.Start.Value;
        long stop = range.End.IsFromEnd ? size - range.End.Value : range.End.Value;
        return RangeSlice(x, dim, (long?)start, stop);
    }

    /// <summary><c>x[.., TensorIndex.Slice((a, b))]</c>.</summary>
    public static Tensor RangeSlice(Tensor x, long dim, (int? Start, int? Stop) bounds) => RangeSlice(x, dim, (long?)bounds.Start, bounds.Stop);

    /// <summary>
    /// <c>x[.., TensorIndex.Slice(start, stop)]</c> as PyTorch reads a slice: missing bounds are the ends, negative ones count
    /// from the end, and both are clamped to the dimension; recorded as the slice it is.
    /// </summary>
    public static Tensor RangeSlice(Tensor x, long dim, long? start, long? stop)
    {
        int axis = Axis(dim, (int)x.dim());
        long size = x.shape[axis];
        long from = Math.Clamp(start is long a ? (a < 0 ? a + size : a) : 0, 0, size);
        long to = Math.Clamp(stop is long b ? (b < 0 ? b + size : b) : size, 0, size);
        long length = Math.Max(0, to - from);
        var result = x.narrow(axis, from, length);
        var tracer = GraphTracer.Current;
        if (tracer is null) return result;
        if (axis == 0) tracer.Fail("forward slices the batch dimension.");
        else if (length == 0) tracer.Fail($"forward takes an empty slice ({from}..{to}) of dimension {axis} of [{string.Join(", ", x.shape)}].");
        else if (length == size) tracer.Same(x, result);
        else tracer.Record(new SliceOp(axis, from, length), result, x);
        return result;
    }

    /// <summary><c>channel_shuffle(groups)</c> (ShuffleNet), as a tensor method or the <c>ChannelShuffle</c> module.</summary>
    public static Tensor ChannelShuffle(Tensor x, long groups)
    {
        var op = new ChannelShuffleOp(groups);
        if (x.dim() < 2 || groups < 1 || x.shape[1] % groups != 0)
            throw new ArgumentException($"channel_shuffle({groups}) needs the channels of [{string.Join(", ", x.shape)}] (dimension 1) to be a multiple of {groups}.");
        return Recorded(op, OpKernels.ChannelShuffle(x, groups), x);
    }

    /// <summary>Records each of <paramref name="pieces"/>, consecutive slices of <paramref name="x"/> along <paramref name="dim"/>.</summary>
    private static Tensor[] Pieces(Tensor x, Tensor[] pieces, long dim, string verb)
    {
        var tracer = GraphTracer.Current;
        if (tracer is null) return pieces;
        int axis = Axis(dim, (int)x.dim());
        if (axis == 0)
        {
            tracer.Fail($"forward {verb} the batch dimension.");
            return pieces;
        }
        long start = 0;
        foreach (var piece in pieces)
        {
            if (piece.shape[axis] == 0)
            {
                tracer.Fail($"forward {verb} dimension {axis} of [{string.Join(", ", x.shape)}] into a piece with nothing in it.");
                return pieces;
            }
            tracer.Record(new SliceOp(axis, start, piece.shape[axis]), piece, x);
            start += piece.shape[axis];
        }
        return pieces;
    }

    /// <summary><c>mean</c>, <c>sum</c> or <c>amax</c> over dimensions.</summary>
    public static Tensor Reduce(Tensor x, ReduceKind kind, long[] dims, bool keepdim = false)
    {
        int rank = (int)x.dim();
        var axes = dims.Select(d => Axis(d, rank)).OrderBy(d => d).ToArray();
        var op = new ReduceOp(kind, axes, keepdim);
        var result = kind switch { ReduceKind.Mean => x.mean(dims, keepdim), ReduceKind.Max => x.amax(dims, keepdim), _ => x.sum(dims, keepdim) };
        return axes.Contains(0) ? Failed(result, "forward reduces over the batch dimension.") : Recorded(op, result, x);
    }

    /// <summary>
    /// A change of type or device (<c>to_type</c>, <c>to</c>, <c>@float()</c>, <c>cpu()</c>): the same values. The graph
    /// replays one element type throughout, so a conversion to another type than the recorded input's cannot be recorded;
    /// one to the same type (a byte image made float while training, the float example while recording) is the identity.
    /// </summary>
    public static Tensor Converted(Tensor x, Func<Tensor, Tensor> convert)
    {
        var result = convert(x);
        return result.dtype == x.dtype
            ? Same(x, result)
            : Failed(result, $"forward converts its {x.dtype} values to {result.dtype}; the recorded graph runs in one type (convert the data before the network, or record it with an input of that type).");
    }

    /// <summary><c>contiguous()</c>: the same values.</summary>
    public static Tensor Contiguous(Tensor x) => Same(x, x.contiguous());

    /// <summary><c>alias()</c>: the same values.</summary>
    public static Tensor Alias(Tensor x) => Same(x, x.alias());

    /// <summary><c>clone()</c>: the same values.</summary>
    public static Tensor Clone(Tensor x) => Same(x, x.clone());

    /// <summary><c>detach()</c>: the same values, without gradient.</summary>
    public static Tensor Detach(Tensor x) => Same(x, x.detach());

    /// <summary><paramref name="result"/> holds <paramref name="source"/>'s values (<c>contiguous()</c>, <c>alias()</c>, <c>clone()</c>).</summary>
    public static Tensor Same(Tensor source, Tensor result)
    {
        GraphTracer.Current?.Same(source, result);
        return result;
    }

    private static Tensor Recorded(GraphOp op, Tensor result, params Tensor[] inputs)
    {
        GraphTracer.Current?.Record(op, result, inputs);
        return result;
    }

    private static Tensor Failed(Tensor result, string reason)
    {
        GraphTracer.Current?.Fail(reason);
        return result;
    }

    private static void RecordSteps(GraphTracer tracer, IReadOnlyList<GraphOp> steps, Tensor input, Tensor result)
    {
        if (steps.Count == 0) { tracer.Same(input, result); return; }
        // Intermediate values exist only in the graph; each step gets a stand-in tensor of its shape.
        var shape = input.shape;
        var current = input;
        for (int i = 0; i < steps.Count; i++)
        {
            shape = steps[i].InferShape(new[] { shape });
            var next = i == steps.Count - 1 ? result : empty(shape);
            tracer.Record(steps[i], next, current);
            current = next;
        }
    }

    internal static int Axis(long dim, int rank) => (int)(dim < 0 ? dim + rank : dim);

    private static long[] Expand(long[] values, int dims)
        => values.Length == dims ? values : values.Length == 1 ? Enumerable.Repeat(values[0], dims).ToArray()
           : throw new ArgumentException($"Expected {dims} sizes, got {values.Length}.");
}

/// <summary>The size arguments of TorchSharp's pooling functions (a number, a pair, an array) as arrays.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Sizes
{
    public static long[] Of(long value) => new[] { value };
    public static long[]? Of(long? value) => value is long v ? new[] { v } : null;
    public static long[]? Of(long[]? values) => values;
    public static long[] Of((long, long) pair) => new[] { pair.Item1, pair.Item2 };
    public static long[]? Of((long, long)? pair) => pair is { } p ? new[] { p.Item1, p.Item2 } : null;
}
