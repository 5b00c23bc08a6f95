using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using BayesGen.Samples.Models;
using BayesGen.Samples.Plots;
using BayesGen.Tests.Support;
using TorchSharp;

namespace BayesGen.Tests.Samples;

/// <summary>
/// The pictures: the PNG writer checked by an independent reader (chunk CRCs recomputed bit by bit, the pixel
/// data inflated and compared), and the layout of a convolution's weight map.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class PlotTests
{
    [Fact]
    public void Png_holds_exactly_the_canvas_pixels_with_valid_chunks()
    {
        var canvas = new Canvas(37, 23);
        var random = new Random(5);
        for (int i = 0; i < 200; i++)
            canvas.Set(random.Next(37), random.Next(23), new Rgb((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
        canvas.Text(2, 2, "A;'1", Rgb.Red);

        var png = canvas.ToPng();
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        var chunks = new List<(string Type, byte[] Data)>();
        for (int at = 8; at < png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            string type = Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length).ToArray();
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length));
            Assert.Equal(BitwiseCrc32(png.AsSpan(at + 4, 4 + length)), crc);
            chunks.Add((type, data));
            at += 12 + length;
        }
        Assert.Equal(new[] { "IHDR", "IDAT", "IEND" }, chunks.Select(c => c.Type));
        var header = chunks[0].Data;
        Assert.Equal(37, BinaryPrimitives.ReadInt32BigEndian(header));
        Assert.Equal(23, BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4)));
        Assert.Equal(8, header[8]);
        Assert.Equal(2, header[9]);

        using var inflated = new MemoryStream();
        using (var z = new ZLibStream(new MemoryStream(chunks[1].Data), CompressionMode.Decompress)) z.CopyTo(inflated);
        var raw = inflated.ToArray();
        Assert.Equal(23 * (1 + 37 * 3), raw.Length);
        for (int y = 0; y < 23; y++)
        {
            Assert.Equal(0, raw[y * (1 + 37 * 3)]);
            for (int x = 0; x < 37; x++)
            {
                int i = y * (1 + 37 * 3) + 1 + x * 3;
                Assert.Equal(canvas.Get(x, y), new Rgb(raw[i], raw[i + 1], raw[i + 2]));
            }
        }
    }

    [Fact]
    public void A_first_convolution_on_one_channel_is_drawn_as_one_row_of_filters_under_a_title_that_fits()
    {
        torch.manual_seed(3);
        using var plain = new LeNet5();
        using var bayesian = new LeNet5.Bayesian(plain);
        using var masks = bayesian.ComputeMasks();
        var (name, conv1) = bayesian.BayesianLayers[0];
        var canvas = RunPictures.Weights(conv1, masks[name], "lenet5 conv1");

        Assert.True(canvas.Width >= Canvas.TextWidth("lenet5 conv1: 20 of 20 filters x 1 of 1 input channels kept"), $"width {canvas.Width}");
        Assert.True(canvas.Height < 150, $"one row of 5×5 filters, but the picture is {canvas.Height} pixels high");
        // Every filter is kept at initialisation, so each of the 20 tiles along the row holds a coloured pixel.
        int cell = Math.Clamp(900 / (20 * 6), 2, 8);   // the picture's cell size for 20 tiles of 5 + 1 cells
        for (int f = 0; f < 20; f++)
        {
            int left = 10 + f * 6 * cell;
            bool coloured = false;
            for (int y = 40; y < 40 + 5 * cell; y++)
                for (int x = left; x < left + 5 * cell; x++)
                    coloured |= canvas.Get(x, y) != Rgb.White;
            Assert.True(coloured, $"filter {f} has no coloured pixel");
        }
    }

    /// <summary>CRC-32 (polynomial 0xEDB88320) one bit at a time: independent of the table-driven one under test.</summary>
    private static uint BitwiseCrc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
