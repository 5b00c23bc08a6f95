using BayesGen.Compression;

namespace BayesGen.Tests.Compression;

public class CompressionRatesTests
{
    [Fact]
    public void Rates_on_a_hand_built_pruned_network()
    {
        // fc1 784→300 keeps 278×98; fc2 300→100 keeps 98×13; fc3 100→10 keeps 13×10 (the paper's GNJ LeNet-300-100
        // architecture), with total bits 8, 9, 14 and significand bits 5, 6, 11.
        var layers = new[]
        {
            new LayerBits(784 * 300, 278 * 98, 5, 8),
            new LayerBits(300 * 100, 98 * 13, 6, 9),
            new LayerBits(100 * 10, 13 * 10, 11, 14),
        };
        double all = 784 * 300 + 300 * 100 + 100 * 10;            // 266,200
        double kept = 278 * 98 + 98 * 13 + 13 * 10;                // 28,648
        Assert.Equal(all / kept, CompressionRates.Pruning(layers), 10);
        double bits = 278 * 98 * 8 + 98 * 13 * 9 + 13 * 10 * 14;   // 231,238
        Assert.Equal(32 * all / bits, CompressionRates.Precision(layers), 10);
        // Tutorial accounting with e = 3: (1 + 3 + s) bits per weight.
        double tutorialBits = 278 * 98 * 9 + 98 * 13 * 10 + 13 * 10 * 15;
        Assert.Equal(32 * all / tutorialBits, CompressionRates.PrecisionTutorial(layers, 3), 10);
        Assert.Equal(9.29, CompressionRates.Pruning(layers), 2);
        Assert.Equal(36.8, CompressionRates.Precision(layers), 1);
    }

    [Fact]
    public void Paper_LeNet5_GHS_bits_give_419x()
    {
        // docs/MATHEMATICS.md: LeNet-5 GHS with kept 5-10-76-16 and b = 10-10-14-13 gives exactly 419 (paper accounting).
        var layers = new[]
        {
            new LayerBits(20 * 1 * 25, 5 * 1 * 25, 0, 10),
            new LayerBits(50 * 20 * 25, 10 * 5 * 25, 0, 10),
            new LayerBits(500 * 800, 16 * 76, 0, 14),
            new LayerBits(10 * 500, 10 * 16, 0, 13),
        };
        Assert.Equal(419, Math.Round(CompressionRates.Precision(layers)));
        Assert.Equal(156, Math.Round(CompressionRates.Pruning(layers)));
    }
}
