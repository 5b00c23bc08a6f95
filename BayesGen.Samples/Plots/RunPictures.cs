using BayesGen.Compression;
using BayesGen.Data;
using BayesGen.Layers;
using BayesGen.Samples.Reporting;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Samples.Plots;

/// <summary>The pictures of a trained run: curves, statistic histograms, weight maps, input importance, sweeps.</summary>
public static class RunPictures
{
    /// <summary>Loss, test error and kept groups per layer over the epochs, one panel each.</summary>
    public static Canvas TrainingCurves(RunReport report)
    {
        var history = report.History ?? throw new InvalidDataException("The report has no per-epoch history.");
        var loss = Charts.Lines("Training objective", "epoch", "loss", new[]
        {
            new Series("cross-entropy + KL/N", history.Select(h => ((double)h.Epoch, h.Loss)).ToList(), Rgb.Blue),
            new Series("cross-entropy", history.Select(h => ((double)h.Epoch, h.CrossEntropy)).ToList(), Rgb.Orange),
        }, height: 420, yMin: 0);
        var error = Charts.Lines("Test error (posterior mean)", "epoch", "error %",
            new[] { new Series("test error", history.Select(h => ((double)h.Epoch, h.TestErrorPct)).ToList(), Rgb.Red) }, height: 420);
        var layers = report.Layers;
        var kept = Charts.Lines("Kept groups per layer (% of the layer)", "epoch", "kept %",
            layers.Select((l, i) => new Series($"{l.Name} ({l.Groups})",
                history.Select(h => ((double)h.Epoch, 100.0 * h.KeptGroups[i] / l.Groups)).ToList(), Rgb.Series[i % Rgb.Series.Length])).ToList(),
            height: 420, yMin: 0, yMax: 105);
        return Stack(loss, error, kept);
    }

    /// <summary>One histogram panel per layer, with its threshold.</summary>
    public static Canvas Histograms(IReadOnlyList<StatisticHistogram> histograms, string model)
        => Stack(histograms.Select(h => Charts.Histogram($"{model} {h.Layer}: {h.StatisticName} per group", h.StatisticName,
            h.Minimum, h.Maximum, h.Counts, h.Threshold, $"threshold {h.Threshold:F2} ({(h.PrunedAbove ? "pruned above" : "pruned below")})")).ToArray());

    /// <summary>
    /// A layer's posterior-mean weights as the paper draws them: red positive, blue negative, intensity by
    /// magnitude; pruned rows and columns (Linear) or filters (convolution) white.
    /// </summary>
    public static Canvas Weights(BayesianLayer layer, LayerMasks masks, string name)
    {
        using var scope = NewDisposeScope();
        var w = layer.WeightMean().detach().cpu();
        var keptIn = masks.Input.data<bool>().ToArray();
        var keptOut = masks.Output.data<bool>().ToArray();
        var magnitudes = w.abs().flatten().data<float>().ToArray();
        Array.Sort(magnitudes);
        // Colour saturates at the 99th percentile of |w|, so a few large weights do not wash the rest out.
        double scale = Math.Max(1e-12, magnitudes[Math.Min(magnitudes.Length - 1, (int)(magnitudes.Length * 0.99))]);
        Rgb Colour(float v) => v >= 0 ? Rgb.White.Mix(Rgb.Red, Math.Min(1, v / scale)) : Rgb.White.Mix(Rgb.Blue, Math.Min(1, -v / scale));
        const int header = 40;
        if (layer.Kind == LayerKind.Linear)
        {
            int outs = (int)w.shape[0], ins = (int)w.shape[1];
            int cell = Math.Max(1, Math.Min(4, 1200 / ins));
            var canvas = new Canvas(ins * cell + 20, outs * cell + header + 20);
            canvas.Text(10, 10, $"{name}: {keptOut.Count(k => k)} of {outs} rows x {keptIn.Count(k => k)} of {ins} columns kept", Rgb.Black, 2);
            var values = w.data<float>().ToArray();
            for (int o = 0; o < outs; o++)
                for (int i = 0; i < ins; i++)
                    canvas.FillRect(10 + i * cell, header + o * cell, cell, cell, keptOut[o] && keptIn[i] ? Colour(values[o * ins + i]) : Rgb.White);
            canvas.Rect(9, header - 1, ins * cell + 2, outs * cell + 2, Rgb.Grey);
            return canvas;
        }
        else
        {
            int outs = (int)w.shape[0], ins = (int)w.shape[1], kh = (int)w.shape[2], kw = (int)w.shape[3];
            // One row per filter, one column per input channel; a first layer on one channel is drawn as a
            // single row of filters instead of a one-tile-wide column.
            bool oneRow = ins == 1;
            int columns = oneRow ? outs : ins, rows = oneRow ? 1 : outs;
            int cell = Math.Max(2, Math.Min(8, 900 / (columns * (kw + 1))));
            int tileW = kw * cell + cell, tileH = kh * cell + cell;
            string title = $"{name}: {keptOut.Count(k => k)} of {outs} filters x {keptIn.Count(k => k)} of {ins} input channels kept";
            var canvas = new Canvas(Math.Max(columns * tileW + 30, Canvas.TextWidth(title) + 20), rows * tileH + header + 20);
            canvas.Text(10, 10, title, Rgb.Black, 2);
            var values = w.data<float>().ToArray();
            for (int o = 0; o < outs; o++)
                for (int i = 0; i < ins; i++)
                {
                    int left = 10 + (oneRow ? o : i) * tileW, top = header + (oneRow ? 0 : o) * tileH;
                    for (int y = 0; y < kh; y++)
                        for (int x = 0; x < kw; x++)
                        {
                            float v = values[((o * ins + i) * kh + y) * kw + x];
                            canvas.FillRect(left + x * cell, top + y * cell, cell, cell, keptOut[o] && keptIn[i] ? Colour(v) : Rgb.White);
                        }
                }
            return canvas;
        }
    }

    /// <summary>
    /// Input importance on a few test digits. When the first layer is Linear on the pixels, its kept input
    /// groups are the pixels the network still reads: pruned pixels are drawn pale. Otherwise (a first
    /// convolution keeps every pixel), each digit is shown with the magnitude of the compressed network's input
    /// gradient of the predicted class.
    /// </summary>
    public static Canvas InputImportance(BayesianNetwork network, LayerMasks firstLayer, ImageDataset test, int digits = 6)
    {
        var (firstName, first) = network.BayesianLayers[0];
        long h = test.Images.shape[2], w = test.Images.shape[3];
        int cell = 6, gap = 16, header = 40;
        var canvas = new Canvas(digits * ((int)w * cell + gap) + gap, (int)h * cell * 2 + gap * 3 + header);
        using var scope = NewDisposeScope();
        var images = test.Images.narrow(0, 0, digits);
        bool pixelGroups = first.Kind == LayerKind.Linear && first.InputUnits == h * w;
        float[] importance;
        if (pixelGroups)
        {
            var kept = firstLayer.Input.data<bool>().ToArray();
            importance = Enumerable.Range(0, digits).SelectMany(_ => kept.Select(k => k ? 1f : 0f)).ToArray();
            canvas.Text(gap, 10, $"{firstName}: {kept.Count(k => k)} of {kept.Length} input pixels kept (top: pruned pixels pale; below: what the network reads)", Rgb.Black, 2);
        }
        else
        {
            network.eval();
            var x = images.clone().requires_grad_();
            var logits = network.forward(x);
            var top = logits.max(1).values.sum();
            top.backward();
            var g = x.grad!.abs().sum(1);
            var peak = g.flatten(1).max(1).values.clamp_min(1e-12).view(-1, 1, 1);
            importance = (g / peak).data<float>().ToArray();
            canvas.Text(gap, 10, "input importance: |d(top logit)/d(pixel)| of the pruned network", Rgb.Black, 2);
        }
        var pixels = images.data<float>().ToArray();
        for (int d = 0; d < digits; d++)
        {
            int ox = gap + d * ((int)w * cell + gap);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int i = (int)(d * h * w + y * w + x);
                    double ink = (pixels[i] + 1) / 2;   // images are in [−1, 1]
                    var digit = Rgb.White.Mix(Rgb.Black, ink);
                    double imp = importance[i];
                    canvas.FillRect(ox + x * cell, header + y * cell, cell, cell, pixelGroups && imp == 0 ? digit.Mix(Rgb.White, 0.8).Mix(Rgb.Red, 0.15) : digit);
                    // Second row: what the network reads (kept pixels only), or the importance map.
                    var below = pixelGroups ? (imp == 0 ? Rgb.LightGrey : digit) : Rgb.White.Mix(Rgb.Red, imp);
                    canvas.FillRect(ox + x * cell, header + gap + (int)h * cell + y * cell, cell, cell, below);
                }
        }
        return canvas;
    }

    /// <summary>Test error against compression rate for a threshold sweep.</summary>
    public static Canvas Sweep(string title, IReadOnlyList<(double Scale, double Pruning, double Precision, double Error)> points, double baselineError)
    {
        var pruning = new Series("pruned + quantised vs CR pruning", points.Select(p => (p.Pruning, p.Error)).ToList(), Rgb.Blue, Markers: true);
        var precision = new Series("pruned + quantised vs CR precision", points.Select(p => (p.Precision, p.Error)).ToList(), Rgb.Red, Markers: true);
        var x = points.Select(p => p.Pruning).Concat(points.Select(p => p.Precision)).ToList();
        var baseline = new Series($"unpruned ({baselineError:F2} %)", new[] { (x.Min(), baselineError), (x.Max(), baselineError) }, Rgb.Grey);
        // The interesting region is near the unpruned error: errors above four times it are drawn on the top edge.
        double cap = Math.Max(4 * baselineError, baselineError + 2);
        double top = Math.Min(cap, Math.Max(points.Select(p => p.Error).DefaultIfEmpty(cap).Max(), baselineError) * 1.05);
        string yLabel = points.Any(p => p.Error > top) ? $"test error % (cut at {top:F1})" : "test error %";
        return Charts.Lines(title, "compression rate (log scale)", yLabel, new[] { pruning, precision, baseline }, logX: true, yMin: 0, yMax: top,
            legendBottomRight: true);
    }

    /// <summary>Canvases one below the other.</summary>
    public static Canvas Stack(params Canvas[] parts)
    {
        var canvas = new Canvas(parts.Max(p => p.Width), parts.Sum(p => p.Height));
        int y = 0;
        foreach (var p in parts) { canvas.Draw(p, 0, y); y += p.Height; }
        return canvas;
    }
}
