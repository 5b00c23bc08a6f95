using System.Globalization;

namespace BayesGen.Samples.Plots;

/// <summary>A named series of points for a line chart.</summary>
public sealed record Series(string Name, IReadOnlyList<(double X, double Y)> Points, Rgb Colour, bool Markers = false);

/// <summary>Line charts and histograms drawn on a <see cref="Canvas"/>, with axes, ticks and a legend.</summary>
public static class Charts
{
    private const int Left = 90, Right = 30, Top = 50, Bottom = 70;

    /// <summary>A line chart; <paramref name="logX"/> puts x on a log10 axis.</summary>
    public static Canvas Lines(string title, string xLabel, string yLabel, IReadOnlyList<Series> series, int width = 900, int height = 520,
        bool logX = false, double? yMin = null, double? yMax = null, IReadOnlyList<(double X, string Label)>? annotations = null,
        bool legendBottomRight = false)
    {
        var canvas = new Canvas(width, height);
        var all = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y) && (!logX || p.X > 0)).ToList();
        if (all.Count == 0) all.Add((1, 0));
        double Tx(double x) => logX ? Math.Log10(x) : x;
        double x0 = all.Min(p => Tx(p.X)), x1 = all.Max(p => Tx(p.X));
        double y0 = yMin ?? all.Min(p => p.Y), y1 = yMax ?? all.Max(p => p.Y);
        if (x1 - x0 < 1e-12) { x0 -= 0.5; x1 += 0.5; }
        if (y1 - y0 < 1e-12) { y0 -= 0.5; y1 += 0.5; }
        double pad = (y1 - y0) * 0.05;
        if (yMin is null) y0 -= pad;
        if (yMax is null) y1 += pad;
        var (ticksY, stepY) = NiceTicks(y0, y1);
        int plotW = width - Left - Right, plotH = height - Top - Bottom;
        int Px(double x) => Left + (int)Math.Round((Tx(x) - x0) / (x1 - x0) * plotW);
        // Values outside a given y range are drawn on the frame's edge rather than outside it.
        int Py(double y) => Top + plotH - (int)Math.Round((Math.Clamp(y, y0, y1) - y0) / (y1 - y0) * plotH);

        Frame(canvas, title, xLabel, yLabel, plotW, plotH);
        foreach (var t in ticksY)
        {
            int py = Py(t);
            canvas.Line(Left, py, Left + plotW, py, Rgb.LightGrey);
            canvas.Text(Left - 8, py - 6, Number(t, stepY), Rgb.Black, 2, align: 1);
        }
        if (logX)
        {
            for (int e = (int)Math.Floor(x0); e <= (int)Math.Ceiling(x1); e++)
            {
                if (e < x0 - 1e-9 || e > x1 + 1e-9) continue;
                int px = Left + (int)Math.Round((e - x0) / (x1 - x0) * plotW);
                canvas.Line(px, Top, px, Top + plotH, Rgb.LightGrey);
                canvas.Text(px, Top + plotH + 10, Number(Math.Pow(10, e), 1), Rgb.Black, 2, align: 0);
            }
        }
        else
        {
            var (ticksX, stepX) = NiceTicks(x0, x1);
            foreach (var t in ticksX)
            {
                int px = Px(t);
                canvas.Line(px, Top, px, Top + plotH, Rgb.LightGrey);
                canvas.Text(px, Top + plotH + 10, Number(t, stepX), Rgb.Black, 2, align: 0);
            }
        }
        canvas.Rect(Left, Top, plotW + 1, plotH + 1, Rgb.Black);
        foreach (var s in series)
        {
            var points = s.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y) && (!logX || p.X > 0)).ToList();
            for (int i = 1; i < points.Count; i++)
                canvas.Line(Px(points[i - 1].X), Py(points[i - 1].Y), Px(points[i].X), Py(points[i].Y), s.Colour, 2);
            if (s.Markers || points.Count == 1)
                foreach (var p in points) canvas.FillRect(Px(p.X) - 3, Py(p.Y) - 3, 7, 7, s.Colour);
        }
        foreach (var (x, label) in annotations ?? Array.Empty<(double, string)>())
        {
            var near = series.SelectMany(s => s.Points).Where(p => p.X == x).Select(p => p.Y).DefaultIfEmpty(y1).First();
            canvas.Text(Px(x) + 6, Py(near) - 18, label, Rgb.Black, 1);
        }
        var entries = series.Select(s => (s.Name, s.Colour)).ToList();
        if (legendBottomRight)
        {
            var (w, h) = LegendSize(entries);
            Legend(canvas, entries, Left + plotW - w - 12, Top + plotH - h - 10);
        }
        else Legend(canvas, entries, Left + 12, Top + 10);
        return canvas;
    }

    /// <summary>A histogram of <paramref name="counts"/> over [min, max] with a vertical threshold line.</summary>
    public static Canvas Histogram(string title, string xLabel, double min, double max, IReadOnlyList<int> counts, double threshold,
        string thresholdLabel, int width = 900, int height = 420)
    {
        var canvas = new Canvas(width, height);
        int plotW = width - Left - Right, plotH = height - Top - Bottom;
        int top = Math.Max(1, counts.Max());
        // Square-root heights, so that a small cluster of pruned groups stays visible next to a large kept one.
        var (ticksY, _) = NiceTicks(0, Math.Sqrt(top));
        Frame(canvas, title, xLabel, "groups (sqrt scale)", plotW, plotH);
        int Py(double sqrtCount) => Top + plotH - (int)Math.Round(sqrtCount / Math.Sqrt(top) * plotH);
        // Ticks are whole counts placed at their true height: a low histogram's evenly spaced square roots
        // would otherwise round to repeated labels (1, 1, 0, 0).
        var drawn = new HashSet<double>();
        foreach (var t in ticksY)
        {
            double count = Math.Round(t * t);
            if (count > top || !drawn.Add(count)) continue;
            int py = Py(Math.Sqrt(count));
            canvas.Line(Left, py, Left + plotW, py, Rgb.LightGrey);
            canvas.Text(Left - 8, py - 6, Number(count, 1), Rgb.Black, 2, align: 1);
        }
        double binW = (double)plotW / counts.Count;
        for (int i = 0; i < counts.Count; i++)
        {
            if (counts[i] == 0) continue;
            int x = Left + (int)Math.Round(i * binW);
            int w = Math.Max(1, (int)Math.Round((i + 1) * binW) - (int)Math.Round(i * binW) - 1);
            int y = Py(Math.Sqrt(counts[i]));
            canvas.FillRect(x, y, w, Top + plotH - y, Rgb.Blue.Mix(Rgb.White, 0.25));
        }
        var (ticksX, stepX) = NiceTicks(min, max);
        foreach (var t in ticksX)
        {
            int px = Left + (int)Math.Round((t - min) / (max - min) * plotW);
            canvas.Line(px, Top + plotH, px, Top + plotH + 5, Rgb.Black);
            canvas.Text(px, Top + plotH + 10, Number(t, stepX), Rgb.Black, 2, align: 0);
        }
        if (double.IsFinite(threshold))
        {
            int px = Left + (int)Math.Round((threshold - min) / (max - min) * plotW);
            canvas.Line(px, Top, px, Top + plotH, Rgb.Red, 2);
            int tx = Math.Min(px + 6, width - Right - Canvas.TextWidth(thresholdLabel));
            canvas.FillRect(tx - 2, Top + 4, Canvas.TextWidth(thresholdLabel) + 4, 18, Rgb.White);   // readable over the bars
            canvas.Text(tx, Top + 6, thresholdLabel, Rgb.Red, 2);
        }
        canvas.Rect(Left, Top, plotW + 1, plotH + 1, Rgb.Black);
        return canvas;
    }

    private static void Frame(Canvas canvas, string title, string xLabel, string yLabel, int plotW, int plotH)
    {
        canvas.Text(Left + plotW / 2, 14, title, Rgb.Black, 3, align: 0);
        canvas.Text(Left + plotW / 2, Top + plotH + 38, xLabel, Rgb.Black, 2, align: 0);
        canvas.VerticalText(12, Top + plotH / 2, yLabel, Rgb.Black, 2);
    }

    private static (int Width, int Height) LegendSize(IReadOnlyList<(string Name, Rgb Colour)> entries)
        => (entries.Max(e => Canvas.TextWidth(e.Name)) + 40, entries.Count * 22 + 8);

    private static void Legend(Canvas canvas, IReadOnlyList<(string Name, Rgb Colour)> entries, int x, int y)
    {
        if (entries.Count <= 1) return;
        var (w, h) = LegendSize(entries);
        canvas.FillRect(x, y, w, h, Rgb.White);
        canvas.Rect(x, y, w, h, Rgb.Grey);
        for (int i = 0; i < entries.Count; i++)
        {
            canvas.FillRect(x + 8, y + 10 + i * 22, 18, 6, entries[i].Colour);
            canvas.Text(x + 32, y + 6 + i * 22, entries[i].Name, Rgb.Black, 2);
        }
    }

    /// <summary>Round tick positions covering [min, max] (about five of them) and their spacing.</summary>
    public static (List<double> Ticks, double Step) NiceTicks(double min, double max)
    {
        double raw = (max - min) / 5;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2.0, 2.5, 5.0, 10.0 }.Select(m => m * magnitude).First(s => s >= raw);
        var ticks = new List<double>();
        for (double t = Math.Ceiling(min / step) * step; t <= max + step * 1e-9; t += step) ticks.Add(Math.Abs(t) < step * 1e-9 ? 0 : t);
        return (ticks, step);
    }

    /// <summary>A tick label with just the decimals the tick spacing needs.</summary>
    public static string Number(double value, double step)
    {
        int decimals = Math.Clamp((int)Math.Ceiling(-Math.Log10(step) - 1e-9), 0, 6);
        if (Math.Abs(value) >= 1e5) return value.ToString("0.#E+0", CultureInfo.InvariantCulture);
        return value.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }
}
