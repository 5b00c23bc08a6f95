using BayesGen.Compression;
using BayesGen.Training;
using BayesGen.Layers;
using BayesGen.Samples.Reporting;
using ScottPlot;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Samples.Plots;

/// <summary>The pictures of a trained run, drawn with ScottPlot: curves, statistic histograms, weight maps, input importance, sweeps.</summary>
public static class RunPictures
{
    private const int Width = 1000;

    /// <summary>The objective (log scale: it falls by decades), the test error, and each layer's kept groups over the epochs.</summary>
    public static Figure TrainingCurves(RunReport report)
    {
        var history = report.History ?? throw new InvalidDataException("The report has no per-epoch history.");
        var figure = new Figure(Width);
        double[] epochs = history.Select(h => (double)h.Epoch).ToArray();

        var loss = figure.AddPanel(380);
        loss.Title("Training objective (log scale)");
        Line(loss, epochs, history.Select(h => h.Loss).ToArray(), "cross-entropy + KL/N", logY: true);
        Line(loss, epochs, history.Select(h => h.CrossEntropy).ToArray(), "cross-entropy", logY: true);
        LogAxis(loss.Axes.Left);
        Label(loss, "epoch", "loss");

        var error = figure.AddPanel(340);
        error.Title("Test error (posterior mean)");
        Line(error, epochs, history.Select(h => h.TestErrorPct).ToArray(), "test error");
        Label(error, "epoch", "error %");

        var kept = figure.AddPanel(380);
        kept.Title("Kept groups per layer (% of the layer)");
        for (int i = 0; i < report.Layers.Count; i++)
        {
            var layer = report.Layers[i];
            Line(kept, epochs, history.Select(h => 100.0 * h.KeptGroups[i] / layer.Groups).ToArray(), $"{layer.Name} ({layer.Groups})");
        }
        kept.Axes.SetLimitsY(0, 105);
        Label(kept, "epoch", "kept %");
        return figure;
    }

    /// <summary>One histogram panel per layer, with its threshold and the side that is pruned.</summary>
    public static Figure Histograms(IReadOnlyList<StatisticHistogram> histograms, string model)
    {
        var figure = new Figure(Width);
        foreach (var h in histograms)
        {
            var plot = figure.AddPanel(300);
            double width = (h.Maximum - h.Minimum) / Math.Max(1, h.Counts.Length);
            var bars = plot.Add.Bars(h.Counts.Select((_, i) => h.Minimum + (i + 0.5) * width), h.Counts.Select(c => (double)c));
            foreach (var bar in bars.Bars) bar.Size = width;
            var line = plot.Add.VerticalLine(h.Threshold, 2, Colors.Red);
            line.LegendText = $"threshold {h.Threshold:F2} ({(h.PrunedAbove ? "pruned above" : "pruned below")})";
            plot.ShowLegend(Alignment.UpperRight);
            plot.Title($"{model} {h.Layer}: {h.StatisticName} per group");
            Label(plot, h.StatisticName, "groups");
            plot.Axes.Margins(bottom: 0);
        }
        return figure;
    }

    /// <summary>
    /// A layer's posterior-mean weights as the paper draws them: red positive, blue negative, intensity by magnitude
    /// (saturating at the 99th percentile of |w|); pruned rows and columns (Linear) or filters (convolution) grey.
    /// </summary>
    public static Figure Weights(BayesianLayer layer, LayerMasks masks, string name)
    {
        using var scope = NewDisposeScope();
        var w = layer.WeightMean().detach().cpu();
        var keptIn = masks.Input.data<bool>().ToArray();
        var keptOut = masks.Output.data<bool>().ToArray();
        var values = w.data<float>().ToArray();
        var magnitudes = values.Select(Math.Abs).Order().ToArray();
        double scale = Math.Max(1e-12, magnitudes[Math.Min(magnitudes.Length - 1, (int)(magnitudes.Length * 0.99))]);
        var (cells, title) = layer.Kind == LayerKind.Linear
            ? (LinearMap(w.shape, values, keptIn, keptOut), $"{name}: {keptOut.Count(k => k)} of {keptOut.Length} rows x {keptIn.Count(k => k)} of {keptIn.Length} columns kept")
            : (FilterMosaic(w.shape, values, keptIn, keptOut), $"{name}: {keptOut.Count(k => k)} of {keptOut.Length} filters x {keptIn.Count(k => k)} of {keptIn.Length} input channels kept");
        int rows = cells.GetLength(0), columns = cells.GetLength(1);
        int width = Math.Clamp(columns * 4 + 80, 400, 1400);
        int height = Math.Clamp((int)((double)rows / columns * (width - 80)) + 90, 160, 1400);
        var figure = new Figure(width);
        var plot = figure.AddPanel(height);
        var map = plot.Add.Heatmap(cells);
        map.Colormap = new ScottPlot.Colormaps.Balance();
        map.ManualRange = new ScottPlot.Range(-scale, scale);
        map.NaNCellColor = Colors.LightGray;
        map.Smooth = false;
        plot.Title(title);
        HideAxes(plot);
        return figure;
    }

    /// <summary>Rows are outputs, columns inputs; a pruned row or column is NaN (drawn grey).</summary>
    private static double[,] LinearMap(long[] shape, float[] values, bool[] keptIn, bool[] keptOut)
    {
        int outs = (int)shape[0], ins = (int)shape[1];
        var cells = new double[outs, ins];
        for (int o = 0; o < outs; o++)
            for (int i = 0; i < ins; i++)
                cells[o, i] = keptOut[o] && keptIn[i] ? values[o * ins + i] : double.NaN;
        return cells;
    }

    /// <summary>
    /// One tile per (filter, input channel), a row per filter; a first layer on one channel is one row of filters.
    /// Tiles of pruned filters or channels are NaN (grey); the one-cell gaps between tiles are 0 (white).
    /// </summary>
    private static double[,] FilterMosaic(long[] shape, float[] values, bool[] keptIn, bool[] keptOut)
    {
        int outs = (int)shape[0], ins = (int)shape[1], kh = (int)shape[2], kw = shape.Length > 3 ? (int)shape[3] : 1;
        bool oneRow = ins == 1;
        int tileRows = oneRow ? 1 : outs, tileColumns = oneRow ? outs : ins;
        var cells = new double[tileRows * (kh + 1), tileColumns * (kw + 1)];
        for (int o = 0; o < outs; o++)
            for (int i = 0; i < ins; i++)
            {
                int top = (oneRow ? 0 : o) * (kh + 1), left = (oneRow ? o : i) * (kw + 1);
                for (int y = 0; y < kh; y++)
                    for (int x = 0; x < kw; x++)
                        cells[top + y, left + x] = keptOut[o] && keptIn[i] ? values[((o * ins + i) * kh + y) * kw + x] : double.NaN;
            }
        return cells;
    }

    /// <summary>
    /// Input importance on a few test digits. When the first layer is Linear on the pixels, its kept input groups are
    /// the pixels the network still reads (below: the digits as the network sees them, pruned pixels grey). Otherwise
    /// (a first convolution keeps every pixel) the panel below shows |d(top logit)/d(pixel)| of the pruned network.
    /// </summary>
    public static Figure InputImportance(BayesianNetwork network, LayerMasks firstLayer, ImageDataset test, int digits = 6)
    {
        var (firstName, first) = network.BayesianLayers[0];
        int h = (int)test.Images.shape[2], w = (int)test.Images.shape[3];
        using var scope = NewDisposeScope();
        var images = test.Images.narrow(0, 0, digits);
        var pixels = images.data<float>().ToArray();
        bool pixelGroups = first.Kind == LayerKind.Linear && first.InputUnits == h * w;
        var figure = new Figure(Width);

        var top = figure.AddPanel(260);
        top.Title($"{digits} test images");
        Mosaic(top, digits, h, w, (d, y, x) => (pixels[(d * h + y) * w + x] + 1) / 2, new ScottPlot.Colormaps.GrayscaleReversed(), (0, 1));

        var bottom = figure.AddPanel(260);
        if (pixelGroups)
        {
            var kept = firstLayer.Input.data<bool>().ToArray();
            bottom.Title($"{firstName} reads {kept.Count(k => k)} of {kept.Length} pixels (pruned pixels grey)");
            Mosaic(bottom, digits, h, w, (d, y, x) => kept[y * w + x] ? (pixels[(d * h + y) * w + x] + 1) / 2 : double.NaN, new ScottPlot.Colormaps.GrayscaleReversed(), (0, 1));
        }
        else
        {
            network.eval();
            var x = images.clone().requires_grad_();
            network.forward(x).max(1).values.sum().backward();
            var g = x.grad!.abs().sum(1);
            using var floor = 1e-12.ToScalar();
            var peak = g.flatten(1).max(1).values.clamp_min(floor).view(-1, 1, 1);
            var importance = (g / peak).data<float>().ToArray();
            bottom.Title("input importance: |d(top logit)/d(pixel)| of the pruned network");
            Mosaic(bottom, digits, h, w, (d, y, px) => importance[(d * h + y) * w + px], new ScottPlot.Colormaps.Amp(), (0, 1));
        }
        return figure;
    }

    /// <summary>Digits side by side, one blank column between them, as one heatmap.</summary>
    private static void Mosaic(Plot plot, int digits, int h, int w, Func<int, int, int, double> value, IColormap colormap, (double Min, double Max) range)
    {
        var cells = new double[h, digits * (w + 1)];
        for (int d = 0; d < digits; d++)
        {
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++) cells[y, d * (w + 1) + x] = value(d, y, x);
                cells[y, d * (w + 1) + w] = range.Min;
            }
        }
        var map = plot.Add.Heatmap(cells);
        map.Colormap = colormap;
        map.ManualRange = new ScottPlot.Range(range.Min, range.Max);
        map.NaNCellColor = Colors.LightGray;
        map.Smooth = false;
        HideAxes(plot);
        plot.Axes.SquareUnits();
    }

    /// <summary>Test error against compression rate (log scale) for a threshold sweep, with the unpruned error as a line.</summary>
    /// <param name="other">Another curve (e.g. the reference code's sweep), drawn against its pruning compression.</param>
    /// <param name="prunedErrors">Per point, the error with unrounded weights (drawn against CR pruning when given).</param>
    public static Figure Sweep(string title, IReadOnlyList<(double Scale, double Pruning, double Precision, double Error)> points, double baselineError,
        (string Name, IReadOnlyList<SweepPoint> Points)? other = null, IReadOnlyList<double>? prunedErrors = null)
    {
        var figure = new Figure(Width);
        var plot = figure.AddPanel(560);
        plot.Title(title);
        Points(plot, points.Select(p => p.Pruning).ToArray(), points.Select(p => p.Error).ToArray(), "pruned + quantised vs CR pruning");
        Points(plot, points.Select(p => p.Precision).ToArray(), points.Select(p => p.Error).ToArray(), "pruned + quantised vs CR precision");
        if (prunedErrors is not null) Points(plot, points.Select(p => p.Pruning).ToArray(), prunedErrors.ToArray(), "pruned (unrounded) vs CR pruning");
        if (other is { } o)
        {
            Points(plot, o.Points.Select(p => p.CompressionPruning).ToArray(), o.Points.Select(p => p.ErrorPercent).ToArray(), $"{o.Name}: compressed vs CR pruning");
            var pruned = o.Points.Where(p => p.PrunedErrorPercent is not null).ToArray();
            if (pruned.Length > 0)
                Points(plot, pruned.Select(p => p.CompressionPruning).ToArray(), pruned.Select(p => p.PrunedErrorPercent!.Value).ToArray(), $"{o.Name}: pruned vs CR pruning");
        }
        var baseline = plot.Add.HorizontalLine(baselineError, 1.5f, Colors.Gray, LinePattern.Dashed);
        baseline.LegendText = $"unpruned ({baselineError:F2} %)";
        LogAxis(plot.Axes.Bottom);
        // The interesting region is near the unpruned error: errors above four times it are cut off at the top.
        double cap = Math.Max(4 * baselineError, baselineError + 2);
        var errors = points.Select(p => p.Error).Concat(other?.Points.Select(p => p.ErrorPercent) ?? []).Concat(prunedErrors ?? []);
        double top = Math.Min(cap, Math.Max(errors.DefaultIfEmpty(cap).Max(), baselineError) * 1.05);
        plot.Axes.SetLimitsY(0, top);
        Label(plot, "compression rate (log scale)", errors.Any(e => e > top) ? $"test error % (cut at {top:F1})" : "test error %");
        plot.ShowLegend(Alignment.LowerRight);
        return figure;
    }

    private static void Line(Plot plot, double[] xs, double[] ys, string legend, bool logY = false)
    {
        var line = plot.Add.ScatterLine(xs, logY ? ys.Select(y => Math.Log10(Math.Max(y, 1e-300))).ToArray() : ys);
        line.LegendText = legend;
        line.LineWidth = 2;
        line.MarkerSize = xs.Length <= 30 ? 5 : 0;
        plot.ShowLegend(Alignment.UpperRight);
    }

    private static void Points(Plot plot, double[] xs, double[] ys, string legend)
    {
        var scatter = plot.Add.Scatter(xs.Select(Math.Log10).ToArray(), ys);
        scatter.LegendText = legend;
        scatter.MarkerSize = 8;
        scatter.LineWidth = 1;
    }

    /// <summary>An axis whose data were plotted as log10: ticks labelled with the values, minor ticks spaced as on log paper.</summary>
    private static void LogAxis(IAxis axis)
    {
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = PowerOfTen,
        };
    }

    private static void Label(Plot plot, string x, string y)
    {
        plot.XLabel(x);
        plot.YLabel(y);
        if (x == "epoch") plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
    }

    /// <summary>No axes, ticks or grid (a picture, not a chart), but the title stays.</summary>
    private static void HideAxes(Plot plot)
    {
        foreach (var axis in new IAxis[] { plot.Axes.Left, plot.Axes.Right, plot.Axes.Bottom, plot.Axes.Top }) axis.IsVisible = false;
        plot.HideGrid();
    }

    /// <summary>A value of a log10 axis: plain below a million and from a thousandth, powers of ten beyond.</summary>
    private static string PowerOfTen(double exponent)
    {
        double value = Math.Pow(10, exponent);
        return value is >= 1e-3 and < 1e6
            ? value.ToString("#,0.###", System.Globalization.CultureInfo.InvariantCulture)
            : $"1e{Math.Round(exponent):0}";
    }
}
