using BayesGen.Torch;
using System.Diagnostics;
using BayesGen.Graph;
using BayesGen.Layers;
using static TorchSharp.torch;

namespace BayesGen.Samples.Commands;

/// <summary>
/// What a network's convolutions alone cost in one training step, forward and backward, at the shapes the network
/// feeds them: the Bayesian layer's two convolutions (the mean of the pre-activations over x and μ, their variance
/// over x² and σ²), beside one convolution over x and μ, which is all a plain network runs. No other operation is
/// timed, so the sum is a floor under the step: a training step cannot be faster than its convolutions. A layer that
/// reads the network's input gets no input gradient, as in training.
/// </summary>
public static class ConvolutionFloor
{
    /// <summary>One convolution layer's median times per step, in milliseconds.</summary>
    public sealed record LayerTime(string Layer, long[] InputShape, double BayesianMs, double PlainMs);

    /// <summary>
    /// Times every convolution of <paramref name="model"/> on random inputs of its recorded input shape with a batch of
    /// <paramref name="batch"/>, Bayesian and plain alternating, <paramref name="rounds"/> rounds of
    /// <paramref name="repeats"/> steps each; each layer's medians over the rounds.
    /// </summary>
    public static IReadOnlyList<LayerTime> Measure(BayesianNetwork model, int batch, int rounds, int repeats = 10)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        var graph = model.Graph;
        var times = new List<LayerTime>();
        foreach (var node in graph.Nodes)
        {
            if (node.Op is not LayerOp op || model.Layer(op.Layer) is not BayesianConvolution conv) continue;
            if (times.Any(t => t.Layer == op.Layer)) continue;   // a layer applied twice is timed once
            int source = node.Inputs[0];
            var shape = graph.Nodes[source].Shape.ToArray();
            shape[0] = batch;
            bool inputGradient = source != 0;
            var bayesian = new List<double>();
            var plain = new List<double>();
            var device = conv.WeightMu.device;
            Time(() => BayesianStep(conv, shape, inputGradient), 1, device);   // warm-up
            Time(() => PlainStep(conv, shape, inputGradient), 1, device);
            for (int r = 0; r < rounds; r++)
            {
                bayesian.Add(Time(() => BayesianStep(conv, shape, inputGradient), repeats, device));
                plain.Add(Time(() => PlainStep(conv, shape, inputGradient), repeats, device));
            }
            times.Add(new LayerTime(op.Layer, shape, Median(bayesian), Median(plain)));
        }
        foreach (var p in model.parameters()) p.grad = null;
        return times;
    }

    /// <summary>The median of <paramref name="values"/>.</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
    }

    private static void BayesianStep(BayesianConvolution conv, long[] shape, bool inputGradient)
    {
        var x = Input(conv, shape, inputGradient);
        var (mean, variance) = conv.PreActivationMoments(x);
        mean.sum().Plus(variance.sum()).backward();
    }

    private static void PlainStep(BayesianConvolution conv, long[] shape, bool inputGradient)
    {
        var x = Input(conv, shape, inputGradient);
        conv.MeanConvolution(x).sum().backward();
    }

    private static Tensor Input(BayesianConvolution conv, long[] shape, bool inputGradient)
        => randn(shape, dtype: conv.WeightMu.dtype, device: conv.WeightMu.device).requires_grad_(inputGradient);

    /// <summary>Milliseconds per call of <paramref name="step"/>, averaged over <paramref name="repeats"/> calls.</summary>
    private static double Time(Action step, int repeats, Device device)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < repeats; i++)
        {
            using var scope = NewDisposeScope();
            step();
        }
        if (device.type == TorchSharp.DeviceType.CUDA) cuda.synchronize();
        return clock.Elapsed.TotalMilliseconds / repeats;
    }
}
