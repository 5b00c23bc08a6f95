using BayesGen.Compression;
using BayesGen.Samples.Models;
using BayesGen.Samples.Plots;
using BayesGen.Samples.Reporting;
using BayesGen.Tests.Support;
using SkiaSharp;
using TorchSharp;

namespace BayesGen.Tests.Samples;

/// <summary>
/// The pictures, drawn by ScottPlot: every one decodes as a PNG of the figure's size, is not blank, and has dark pixels
/// where its title is (text is drawn: ScottPlot draws nothing, silently, without a font, which is refused instead).
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class PlotTests
{
    /// <summary>The PNG decoded by SkiaSharp's decoder, checked for size, content and a title.</summary>
    private static void AssertDrawn(Figure figure, string what)
    {
        using var bitmap = SKBitmap.Decode(figure.ToPng());
        Assert.NotNull(bitmap);
        Assert.Equal(figure.Width, bitmap.Width);
        Assert.Equal(figure.Height, bitmap.Height);
        int Dark(int top, int bottom)
        {
            int count = 0;
            for (int y = top; y < bottom; y++)
                for (int x = 0; x < bitmap.Width; x++)
                {
                    var c = bitmap.GetPixel(x, y);
                    if (c.Red + c.Green + c.Blue < 3 * 128) count++;
                }
            return count;
        }
        Assert.True(Dark(0, bitmap.Height) > 200, $"{what}: the picture is nearly blank");
        Assert.True(Dark(0, 30) > 20, $"{what}: no title text at the top");
    }

    private static RunReport Report(int epochs) => new()
    {
        Model = "lenet300", Prior = "gnj", Epochs = epochs, Seed = 1, Dataset = new("mnist", 60_000, 10_000), TestErrorPct = 1.8,
        TrainSeconds = 10, TrainSamplesPerSecond = 1, KeptWeightPct = 10, ExponentBits = 1, CompressionPruning = 10, CompressionPrecision = 40,
        CompressionPrecisionTutorial = 30, CompressedTestErrorPct = 1.9,
        Layers = [new LayerReport("fc1", "Linear", 784, 300, 235_200, 60_000, 4, 5, -3), new LayerReport("fc2", "Linear", 300, 60, 30_000, 3_000, 4, 5, -3)],
        History = Enumerable.Range(1, epochs).Select(e => new EpochReport(e, 2000.0 / e, 1.0 / e, 1e5 / e, 10.0 / e, [784 - 10 * e, 300 - 5 * e], 3)).ToArray(),
    };

    [Fact]
    public void Training_curves_histograms_and_a_sweep_are_drawn_with_text()
    {
        using (var curves = RunPictures.TrainingCurves(Report(12))) AssertDrawn(curves, "training curves");
        var histogram = new StatisticHistogram("fc1", "log α", -9, 2, Enumerable.Range(0, 24).Select(i => i % 7 * 10).ToArray(), -3, true);
        using (var histograms = RunPictures.Histograms([histogram, histogram with { Layer = "fc2" }], "lenet300")) AssertDrawn(histograms, "histograms");
        using (var sweep = RunPictures.Sweep("sweep", [(0, 10, 40, 1.8), (1, 20, 80, 2.1), (2, 60, 200, 9.5)], 1.7)) AssertDrawn(sweep, "sweep");
        using (var against = RunPictures.Sweep("sweep", [(0, 10, 40, 1.8)], 1.7, ("reference", [new BayesGen.Samples.Reporting.SweepPoint(8, 2.0, 1.9)]), [1.75]))
            AssertDrawn(against, "sweep against another, pruned errors too");
    }

    [Fact]
    public void Weight_maps_and_input_importance_are_drawn_and_a_one_channel_convolution_is_one_row_of_filters()
    {
        torch.manual_seed(3);
        using var plain = new LeNet5();
        using var bayesian = new LeNet5.Bayesian(plain);
        using var masks = bayesian.ComputeMasks();
        var (name, conv1) = bayesian.BayesianLayers[0];
        using (var conv = RunPictures.Weights(conv1, masks[name], "lenet5 conv1"))
        {
            AssertDrawn(conv, "conv1 weights");
            Assert.True(conv.Height <= 200, $"one row of 5x5 filters, but the picture is {conv.Height} pixels high");
        }
        var (fcName, fc1) = bayesian.BayesianLayers[2];
        using (var fc = RunPictures.Weights(fc1, masks[fcName], "lenet5 fc1")) AssertDrawn(fc, "fc1 weights");
        using (var importance = RunPictures.InputImportance(bayesian, masks[name], Mnist.Test)) AssertDrawn(importance, "input importance");
    }

    [Fact]
    public void Without_a_font_drawing_is_refused_with_the_fix()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Figure.RequireFonts(0));
        Assert.Contains("No font is installed", e.Message);
        Assert.Contains("apt-get install fonts-dejavu-core", e.Message);
        Figure.RequireFonts(1);
    }
}
