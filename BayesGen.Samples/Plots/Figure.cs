using ScottPlot;
using SkiaSharp;

namespace BayesGen.Samples.Plots;

/// <summary>
/// A picture made of ScottPlot plots stacked one below the other, rendered headless with SkiaSharp and saved as PNG.
/// Rendering first checks that a font exists: without one ScottPlot would draw every title, label and tick number as
/// nothing, silently.
/// </summary>
public sealed class Figure(int width) : IDisposable
{
    private readonly List<(Plot Plot, int Height)> panels = [];

    /// <summary>The picture's width in pixels.</summary>
    public int Width { get; } = width;

    /// <summary>The picture's height in pixels: the panels' heights added up.</summary>
    public int Height => panels.Sum(p => p.Height);

    /// <summary>The panels, top first.</summary>
    public IReadOnlyList<Plot> Panels => panels.Select(p => p.Plot).ToArray();

    /// <summary>Adds an empty panel <paramref name="height"/> pixels high below the others.</summary>
    public Plot AddPanel(int height)
    {
        var plot = new Plot();
        plot.Font.Set(PreferredFont());
        panels.Add((plot, height));
        return plot;
    }

    /// <summary>The picture as PNG bytes.</summary>
    /// <exception cref="InvalidOperationException">No font is installed (see <see cref="RequireFonts"/>).</exception>
    public byte[] ToPng()
    {
        RequireFonts(SKFontManager.Default.FontFamilyCount);
        using var surface = SKSurface.Create(new SKImageInfo(Width, Math.Max(1, Height))) ?? throw new InvalidOperationException("SkiaSharp could not create a drawing surface.");
        surface.Canvas.Clear(SKColors.White);
        float top = 0;
        foreach (var (plot, height) in panels)
        {
            // Each panel on its own surface: a plot clears the whole canvas it renders on.
            using var panel = SKSurface.Create(new SKImageInfo(Width, height)) ?? throw new InvalidOperationException("SkiaSharp could not create a drawing surface.");
            plot.Render(panel.Canvas, new PixelRect(0, Width, height, 0));
            using var snapshot = panel.Snapshot();
            surface.Canvas.DrawImage(snapshot, 0, top);
            top += height;
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Writes the PNG file atomically.</summary>
    public void Save(string path) => IO.AtomicFile.WriteAllBytes(path, ToPng());

    /// <summary>Refuses to draw when no font family is installed, naming the fix.</summary>
    /// <exception cref="InvalidOperationException">When <paramref name="fontFamilies"/> is 0.</exception>
    public static void RequireFonts(int fontFamilies)
    {
        if (fontFamilies == 0)
            throw new InvalidOperationException("No font is installed, so the pictures would have no titles, labels or numbers. " +
                                                "Install one (Debian and Ubuntu: apt-get install fonts-dejavu-core) and run the command again.");
    }

    public void Dispose()
    {
        foreach (var (plot, _) in panels) plot.Dispose();
    }

    /// <summary>A sans-serif family when one is installed (ScottPlot's default can be a serif face).</summary>
    private static string PreferredFont()
    {
        var installed = SKFontManager.Default.FontFamilies.ToHashSet();
        return new[] { "DejaVu Sans", "Liberation Sans", "Arial", "Helvetica", "Segoe UI" }.FirstOrDefault(installed.Contains) ?? Fonts.Default;
    }
}
