using BayesGen.Graph;
using static TorchSharp.torch;

namespace BayesGen.Tests.Graph;

/// <summary>Every activation kernel against its formula in float64, in place and not, and the identity of what it returns.</summary>
public class OpKernelsTests
{
    private static readonly double[] Values = { -7, -4, -1.5, -0.3, 0, 0.4, 2, 3.5, 7 };

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
    private static double Softplus(double v, double beta = 1) => Math.Log(1 + Math.Exp(beta * v)) / beta;

    // Abramowitz and Stegun 7.1.26: |error| < 1.5e-7, enough for float32 results.
    private static double Erf(double x)
    {
        double t = 1 / (1 + 0.3275911 * Math.Abs(x));
        double y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x);
        return x >= 0 ? y : -y;
    }

    public static TheoryData<string> Kinds => new(Enum.GetNames<ActivationKind>());

    private static (ActivationOp Op, Func<double, double> Formula) Case(ActivationKind kind) => kind switch
    {
        ActivationKind.Relu => (ActivationOp.Relu, v => Math.Max(v, 0)),
        ActivationKind.Tanh => (new(kind), Math.Tanh),
        ActivationKind.Sigmoid => (new(kind), Sigmoid),
        ActivationKind.LeakyRelu => (new(kind, 0.1), v => v > 0 ? v : 0.1 * v),
        ActivationKind.Elu => (new(kind, 0.5), v => v > 0 ? v : 0.5 * (Math.Exp(v) - 1)),
        ActivationKind.Gelu => (new(kind), v => 0.5 * v * (1 + Erf(v / Math.Sqrt(2)))),
        ActivationKind.GeluTanh => (new(kind), v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))),
        ActivationKind.Silu => (new(kind), v => v * Sigmoid(v)),
        ActivationKind.Softplus => (new(kind, 2, 20), v => Softplus(v, 2)),
        ActivationKind.Hardswish => (new(kind), v => v * Math.Clamp(v + 3, 0, 6) / 6),
        ActivationKind.Hardsigmoid => (new(kind), v => Math.Clamp(v + 3, 0, 6) / 6),
        ActivationKind.Hardtanh => (new(kind, -2, 2), v => Math.Clamp(v, -2, 2)),
        ActivationKind.Mish => (new(kind), v => v * Math.Tanh(Softplus(v))),
        // The self-normalising constants (Klambauer et al. 2017), written out here independently of LibTorch.
        ActivationKind.Selu => (new(kind), v => 1.0507009873554804934 * (v > 0 ? v : 1.6732632423543772848 * (Math.Exp(v) - 1))),
        ActivationKind.Celu => (new(kind, 0.7), v => v > 0 ? v : 0.7 * (Math.Exp(v / 0.7) - 1)),
        _ => throw new ArgumentException(kind.ToString()),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Activation_computes_its_formula_into_a_new_tensor_or_in_place(string name)
    {
        var (op, formula) = Case(Enum.Parse<ActivationKind>(name));
        using var x = tensor(Values.Select(v => (float)v).ToArray());
        using var before = x.clone();
        using var y = OpKernels.Activation(op, x, inPlace: false);
        Assert.False(ReferenceEquals(x, y), "a new tensor");
        Assert.True(x.allclose(before, 0, 0), "the input untouched");
        var got = y.data<float>().ToArray();
        for (int i = 0; i < Values.Length; i++)
            Assert.True(Math.Abs(got[i] - formula(Values[i])) < 2e-6, $"{name}({Values[i]}) = {got[i]}, formula {formula(Values[i])}");

        using var z = x.clone();
        var same = OpKernels.Activation(op, z, inPlace: true);
        Assert.Same(z, same);
        Assert.True(z.allclose(y, 1e-6, 1e-6), $"{name} in place differs");
    }

    /// <summary>
    /// In place under autograd (ReLU6(inplace: true) after a BatchNorm while training): the backward pass runs and
    /// gives the gradient of the same function computed out of place, in float64 by finite differences too.
    /// </summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void Activation_in_place_on_a_tensor_autograd_tracks_has_the_out_of_place_gradient(string name)
    {
        var (op, formula) = Case(Enum.Parse<ActivationKind>(name));
        using var scope = NewDisposeScope();
        var w = tensor(Values.Select(v => (float)v / 2).ToArray()).requires_grad_();
        var h = w * 2;   // not a leaf, saved by nothing: what a BatchNorm's output is to the activation after it
        var y = OpKernels.Activation(op, h, inPlace: true);
        Assert.Same(h, y);
        (y * y).sum().backward();   // d/dw Σ f(2w)² = 4 f(2w) f'(2w)
        var got = w.grad!.data<float>().ToArray();
        for (int i = 0; i < Values.Length; i++)
        {
            double v = Values[i], e = 1e-5;
            double expected = 4 * formula(v) * (formula(v + e) - formula(v - e)) / (2 * e);
            if (Math.Abs(v) < 1e-3 || op.Kind == ActivationKind.Hardtanh && Math.Abs(Math.Abs(v) - 2) < 1e-3) continue;   // kinks
            Assert.True(Math.Abs(got[i] - expected) <= 1e-3 * Math.Max(1, Math.Abs(expected)), $"{name}: gradient at {v} is {got[i]}, expected {expected}");
        }
    }
}
