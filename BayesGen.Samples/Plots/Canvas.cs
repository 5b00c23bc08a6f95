namespace BayesGen.Samples.Plots;

/// <summary>An RGB colour.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    public static readonly Rgb White = new(255, 255, 255), Black = new(0, 0, 0), Grey = new(160, 160, 160), LightGrey = new(225, 225, 225);
    public static readonly Rgb Red = new(200, 30, 30), Blue = new(30, 60, 200), Green = new(30, 140, 60), Orange = new(230, 120, 20), Purple = new(120, 50, 160);

    /// <summary>The palette series are drawn in.</summary>
    public static readonly Rgb[] Series = { Blue, Red, Green, Orange, Purple, Black };

    /// <summary>A blend of this colour with <paramref name="other"/>; t = 0 gives this colour.</summary>
    public Rgb Mix(Rgb other, double t)
    {
        t = Math.Clamp(t, 0, 1);
        return new((byte)(R + (other.R - R) * t), (byte)(G + (other.G - G) * t), (byte)(B + (other.B - B) * t));
    }
}

/// <summary>A raster image to draw charts on: rectangles, lines, and 5×7 text scaled by whole pixels.</summary>
public sealed class Canvas
{
    private readonly byte[] pixels;

    public Canvas(int width, int height, Rgb? background = null)
    {
        Width = width;
        Height = height;
        pixels = new byte[width * height * 3];
        FillRect(0, 0, width, height, background ?? Rgb.White);
    }

    public int Width { get; }
    public int Height { get; }

    public void Set(int x, int y, Rgb c)
    {
        if (x < 0 || y < 0 || x >= Width || y >= Height) return;
        int i = (y * Width + x) * 3;
        pixels[i] = c.R;
        pixels[i + 1] = c.G;
        pixels[i + 2] = c.B;
    }

    /// <summary>The colour at (x, y).</summary>
    public Rgb Get(int x, int y)
    {
        if (x < 0 || y < 0 || x >= Width || y >= Height) throw new ArgumentOutOfRangeException(nameof(x), $"({x}, {y}) is outside the {Width}×{Height} canvas.");
        int i = (y * Width + x) * 3;
        return new Rgb(pixels[i], pixels[i + 1], pixels[i + 2]);
    }

    /// <summary>The image as PNG bytes.</summary>
    public byte[] ToPng() => Png.Encode(Width, Height, pixels);

    public void FillRect(int x, int y, int w, int h, Rgb c)
    {
        for (int yy = Math.Max(0, y); yy < Math.Min(Height, y + h); yy++)
            for (int xx = Math.Max(0, x); xx < Math.Min(Width, x + w); xx++)
                Set(xx, yy, c);
    }

    public void Rect(int x, int y, int w, int h, Rgb c)
    {
        Line(x, y, x + w - 1, y, c);
        Line(x, y + h - 1, x + w - 1, y + h - 1, c);
        Line(x, y, x, y + h - 1, c);
        Line(x + w - 1, y, x + w - 1, y + h - 1, c);
    }

    /// <summary>A line (Bresenham), <paramref name="thickness"/> pixels wide.</summary>
    public void Line(int x0, int y0, int x1, int y1, Rgb c, int thickness = 1)
    {
        int dx = Math.Abs(x1 - x0), sx = x0 < x1 ? 1 : -1, dy = -Math.Abs(y1 - y0), sy = y0 < y1 ? 1 : -1, err = dx + dy;
        while (true)
        {
            FillRect(x0 - thickness / 2, y0 - thickness / 2, thickness, thickness, c);
            if (x0 == x1 && y0 == y1) break;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }

    /// <summary>Text with its top-left corner at (x, y); <paramref name="align"/> −1 left, 0 centre, 1 right.</summary>
    public void Text(int x, int y, string text, Rgb c, int scale = 2, int align = -1)
    {
        int w = TextWidth(text, scale);
        x -= align switch { 0 => w / 2, 1 => w, _ => 0 };
        foreach (var ch in text)
        {
            var glyph = Font.Glyph(ch);
            for (int r = 0; r < Font.Height; r++)
                for (int col = 0; col < Font.Width; col++)
                    if (glyph[r][col] == '#') FillRect(x + col * scale, y + r * scale, scale, scale, c);
            x += (Font.Width + 1) * scale;
        }
    }

    /// <summary>Text turned 90° counter-clockwise, centred on (x, y): for vertical axis titles.</summary>
    public void VerticalText(int x, int y, string text, Rgb c, int scale = 2)
    {
        int w = TextWidth(text, scale);
        int start = y + w / 2;
        foreach (var ch in text)
        {
            var glyph = Font.Glyph(ch);
            for (int r = 0; r < Font.Height; r++)
                for (int col = 0; col < Font.Width; col++)
                    if (glyph[r][col] == '#') FillRect(x + r * scale, start - col * scale, scale, scale, c);
            start -= (Font.Width + 1) * scale;
        }
    }

    public static int TextWidth(string text, int scale = 2) => text.Length * (Font.Width + 1) * scale - scale;

    /// <summary>Copies another canvas in at (x, y).</summary>
    public void Draw(Canvas other, int x, int y)
    {
        for (int yy = 0; yy < other.Height; yy++)
            for (int xx = 0; xx < other.Width; xx++)
            {
                int i = (yy * other.Width + xx) * 3;
                Set(x + xx, y + yy, new Rgb(other.pixels[i], other.pixels[i + 1], other.pixels[i + 2]));
            }
    }

    public void Save(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        BayesGen.IO.AtomicFile.WriteAllBytes(path, ToPng());
    }
}
