using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Torch;

/// <summary>
/// Arithmetic between a tensor and a number with the number's <see cref="Scalar"/> held until LibTorch returns.
/// </summary>
/// <remarks>
/// TorchSharp turns a number into a <see cref="Scalar"/> (an object with a finalizer that frees the native value) and
/// passes LibTorch its handle; nothing refers to the object during the call, so a garbage collection on another
/// thread can finalise it while LibTorch still reads it. Made on the fly (<c>t.mul_(0.5)</c>, <c>0.5 * t</c>) that
/// happens rarely but for real: a LeNet-300-100 training run died at epoch 24 inside <c>addcmul</c> with LibTorch's
/// "Expected false to be true ... toFloat", the freed Scalar's type tag read as garbage. Every method here holds its
/// Scalar in a <c>using</c> variable (<c>HeldScalarTests</c> runs one beside a thread that collects without pause);
/// <c>ScalarLifetimeTests</c> reads BayesGen's code and fails on any number that becomes a Scalar on the fly.
/// </remarks>
public static class HeldScalar
{
    /// <summary>
    /// The 1 every addition passes LibTorch as its <c>alpha</c>: TorchSharp's <c>t.add(u)</c> is <c>t.add(u, 1)</c> with
    /// the 1 made on the fly, so even tensor + tensor is exposed. Held in a static field, it lives as long as the process;
    /// LibTorch only reads it, so every thread may share it.
    /// </summary>
    private static readonly Scalar One = 1.ToScalar();

    /// <summary>t + u (the tensor <c>+</c> operator, with its alpha held).</summary>
    public static Tensor Plus(this Tensor t, Tensor u) => t.add(u, One);

    /// <summary>t += u, in place.</summary>
    public static Tensor Plus_(this Tensor t, Tensor u) => t.add_(u, One);

    /// <summary>t + s for a Scalar the caller holds.</summary>
    public static Tensor Plus(this Tensor t, Scalar s) => t.add(s, One);

    /// <summary>t += s, in place, for a Scalar the caller holds.</summary>
    public static Tensor Plus_(this Tensor t, Scalar s) => t.add_(s, One);

    /// <summary>t + v.</summary>
    public static Tensor AddScalar(this Tensor t, double v) { using var s = v.ToScalar(); return t.add(s, One); }

    /// <summary>t += v, in place.</summary>
    public static Tensor AddScalar_(this Tensor t, double v) { using var s = v.ToScalar(); return t.add_(s, One); }

    /// <summary>t − v.</summary>
    public static Tensor SubScalar(this Tensor t, double v) { using var s = v.ToScalar(); return t.sub(s); }

    /// <summary>t −= v, in place.</summary>
    public static Tensor SubScalar_(this Tensor t, double v) { using var s = v.ToScalar(); return t.sub_(s); }

    /// <summary>t · v.</summary>
    public static Tensor MulScalar(this Tensor t, double v) { using var s = v.ToScalar(); return t.mul(s); }

    /// <summary>t ·= v, in place.</summary>
    public static Tensor MulScalar_(this Tensor t, double v) { using var s = v.ToScalar(); return t.mul_(s); }

    /// <summary>t / v.</summary>
    public static Tensor DivScalar(this Tensor t, double v) { using var s = v.ToScalar(); return t.div(s); }

    /// <summary>t /= v, in place.</summary>
    public static Tensor DivScalar_(this Tensor t, double v) { using var s = v.ToScalar(); return t.div_(s); }

    /// <summary>t + v·other, in place.</summary>
    public static Tensor AddScaled_(this Tensor t, Tensor other, double v) { using var s = v.ToScalar(); return t.add_(other, s); }

    /// <summary>t + v·a·b.</summary>
    public static Tensor AddProduct(this Tensor t, Tensor a, Tensor b, double v) { using var s = v.ToScalar(); return t.addcmul(a, b, s); }

    /// <summary>t += v·a·b, in place.</summary>
    public static Tensor AddProduct_(this Tensor t, Tensor a, Tensor b, double v) { using var s = v.ToScalar(); return t.addcmul_(a, b, s); }

    /// <summary>t += v·a/b, in place.</summary>
    public static Tensor AddQuotient_(this Tensor t, Tensor a, Tensor b, double v) { using var s = v.ToScalar(); return t.addcdiv_(a, b, s); }

    /// <summary>min(t, v), in place.</summary>
    public static Tensor ClampMax_(this Tensor t, double v) { using var s = v.ToScalar(); return t.clamp_(max: s); }

    /// <summary>t limited to [low, high].</summary>
    public static Tensor ClampBetween(this Tensor t, double low, double high)
    {
        using var a = low.ToScalar();
        using var b = high.ToScalar();
        return t.clamp(a, b);
    }

    /// <summary>t filled with v, in place.</summary>
    public static Tensor FillScalar_(this Tensor t, double v) { using var s = v.ToScalar(); return t.fill_(s); }
}
