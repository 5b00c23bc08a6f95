using BayesGen.Compression;
using Spectre.Console;

namespace BayesGen.Samples.Console;

/// <summary>Draws pruning-statistic histograms as text: one sparkline per layer, or a bar per bin.</summary>
public static class HistogramView
{
    private const string Levels = " ▁▂▃▄▅▆▇█";

    /// <summary>
    /// One line per layer: the bins as block characters (height ∝ √count, so small clusters stay visible), the
    /// threshold as a red bar, and the range.
    /// </summary>
    public static void Sparklines(IAnsiConsole console, IEnumerable<StatisticHistogram> histograms)
    {
        foreach (var h in histograms)
        {
            double top = Math.Sqrt(Math.Max(1, h.Counts.Max()));
            int thresholdBin = double.IsFinite(h.Threshold) ? h.BinOf(h.Threshold) : -1;
            var line = new System.Text.StringBuilder();
            for (int i = 0; i < h.Counts.Length; i++)
            {
                char c = Levels[(int)Math.Ceiling(Math.Sqrt(h.Counts[i]) / top * (Levels.Length - 1))];
                line.Append(i == thresholdBin ? $"[red]{(c == ' ' ? '|' : c)}[/]" : c.ToString());
            }
            var side = h.PrunedAbove ? "pruned above" : "pruned below";
            console.MarkupLine($"{Markup.Escape(h.Layer),-8} {Markup.Escape(h.StatisticName),-10} {h.Minimum,8:F2} {line} {h.Maximum,-8:F2} threshold {h.Threshold:F2} ({side})");
        }
    }

    /// <summary>A bar per bin, with the threshold marked: the detailed view.</summary>
    public static void Bars(IAnsiConsole console, StatisticHistogram h)
    {
        console.MarkupLine($"[bold]{Markup.Escape(h.Layer)}[/]: {Markup.Escape(h.StatisticName)}, {h.Counts.Sum()} groups, threshold {h.Threshold:F3} ({(h.PrunedAbove ? "pruned above" : "pruned below")})");
        int max = Math.Max(1, h.Counts.Max());
        for (int i = 0; i < h.Counts.Length; i++)
        {
            double from = h.Minimum + i * h.BinWidth;
            bool marked = double.IsFinite(h.Threshold) && h.BinOf(h.Threshold) == i;
            var bar = new string('#', (int)Math.Ceiling(40.0 * h.Counts[i] / max));
            console.MarkupLine($"  {from,8:F2} {(marked ? "[red]>[/]" : " ")} {bar} {(h.Counts[i] > 0 ? h.Counts[i].ToString() : "")}");
        }
    }
}
