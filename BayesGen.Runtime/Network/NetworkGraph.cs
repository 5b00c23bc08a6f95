namespace BayesGen;

/// <summary>
/// A network's forward pass as a chain of known operations, emitted by the generator from the network's
/// <c>forward</c> method. It is what the compressed model, the artifact's manifest and the ONNX export run.
/// </summary>
/// <param name="Ops">The operations in order; the first consumes the network's input.</param>
public sealed record NetworkGraph(IReadOnlyList<GraphOp> Ops)
{
    /// <summary>The names of the layers (Bayesian and BatchNorm) in the order the data meets them.</summary>
    public IEnumerable<string> LayerNames => Ops.OfType<LayerOp>().Select(o => o.Layer)
        .Concat(Ops.OfType<BatchNormOp>().Select(o => o.Layer));
}

/// <summary>One operation of a <see cref="NetworkGraph"/>.</summary>
public abstract record GraphOp;

/// <summary>A Bayesian Linear or Conv2d layer, by field name.</summary>
public sealed record LayerOp(string Layer) : GraphOp;

/// <summary>A BatchNorm1d or BatchNorm2d layer, by field name; it follows the channels of the layer before it.</summary>
public sealed record BatchNormOp(string Layer, int Dimensions) : GraphOp;

/// <summary>An element-wise activation.</summary>
/// <param name="Kind">Which function.</param>
/// <param name="Parameter">Its parameter where it has one (the negative slope of leaky ReLU), else 0.</param>
public sealed record ActivationOp(ActivationKind Kind, double Parameter = 0) : GraphOp;

/// <summary>2-D max or average pooling.</summary>
public sealed record PoolOp(PoolKind Kind, long KernelH, long KernelW, long StrideH, long StrideW, long PaddingH, long PaddingW, bool CeilMode = false) : GraphOp
{
    /// <summary>The output size along one axis.</summary>
    public static long OutputSize(long input, long kernel, long stride, long padding, bool ceilMode)
    {
        double size = (double)(input + 2 * padding - kernel) / stride + 1;
        long result = ceilMode ? (long)Math.Ceiling(size) : (long)Math.Floor(size);
        // With ceil_mode the last window must start inside the input or left padding.
        if (ceilMode && (result - 1) * stride >= input + padding) result--;
        return result;
    }
}

/// <summary><c>flatten(1)</c>: <c>[B, C, H, W] → [B, C·H·W]</c>, channel-major.</summary>
public sealed record FlattenOp : GraphOp;

/// <summary>Dropout: random in training, the identity in evaluation (and in the compressed model).</summary>
public sealed record DropoutOp(double Probability) : GraphOp;

/// <summary>Softmax or log-softmax over dimension 1.</summary>
public sealed record SoftmaxOp(bool Log) : GraphOp;

/// <summary>The element-wise activations the data flow understands.</summary>
public enum ActivationKind
{
    /// <summary>max(x, 0).</summary>
    Relu = 0,
    /// <summary>tanh(x).</summary>
    Tanh = 1,
    /// <summary>1 / (1 + e^−x).</summary>
    Sigmoid = 2,
    /// <summary>x for x ≥ 0, slope·x otherwise.</summary>
    LeakyRelu = 3,
}

/// <summary>The pooling kinds the data flow understands.</summary>
public enum PoolKind
{
    /// <summary>Maximum over the window.</summary>
    Max = 0,
    /// <summary>Mean over the window (padding counted as zeros).</summary>
    Average = 1,
}
