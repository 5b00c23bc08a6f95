using BayesGen.Compression;
using BayesGen.Layers;
using BayesGen.Samples.Commands;

namespace BayesGen.Tests.Samples;

/// <summary>When `compress` points at layers whose few significand bits cost accuracy, and when it stays quiet.</summary>
public sealed class QuantizationAdviceTests
{
    private static CompressedLayer Layer(string name, int bits, int keptInputs = 4)
        => new(name, LayerKind.Linear, [3, 8], Enumerable.Range(0, keptInputs).Select(i => (long)i).ToArray(), [0, 1, 2], null, bits, null, new float[3 * keptInputs], null);

    private static CompressionOutcome Outcome(double pruned, double compressed, params CompressedLayer[] layers)
        => new(new CompressionResult(layers, 3, QuantizationMode.LayerScaled), pruned, compressed, null, null, 96, 24, 12);

    [Fact]
    public void Names_the_few_bit_layers_when_quantisation_costs_accuracy()
    {
        var advice = QuantizationAdvice(Outcome(10.65, 11.26, Layer("fc1", 1), Layer("fc2", 5), Layer("fc3", 2)));
        Assert.NotNull(advice);
        Assert.Contains("0.61 points", advice);
        Assert.Contains("fc1 (1 significand bit)", advice);
        Assert.Contains("fc3 (2 significand bits)", advice);
        Assert.DoesNotContain("fc2", advice);
        Assert.Contains("--extra-bits", advice);
    }

    [Theory]
    [InlineData(10.65, 10.80)]   // quantisation costs less than the notable rise
    [InlineData(10.65, 10.50)]   // or helps
    public void Stays_quiet_when_quantisation_costs_little(double pruned, double compressed)
        => Assert.Null(QuantizationAdvice(Outcome(pruned, compressed, Layer("fc1", 1))));

    [Fact]
    public void Stays_quiet_when_every_layer_keeps_enough_bits()
        => Assert.Null(QuantizationAdvice(Outcome(1.0, 2.0, Layer("fc1", 3), Layer("fc2", 8))));

    [Fact]
    public void Ignores_layers_that_keep_no_weights()
        => Assert.Null(QuantizationAdvice(Outcome(1.0, 2.0, Layer("fc1", 1, keptInputs: 0), Layer("fc2", 8))));

    private static string? QuantizationAdvice(CompressionOutcome outcome) => CompressionStep.QuantizationAdvice(outcome);
}
