using System.Security.Cryptography;
using BayesGen.IO;

namespace BayesGen.Samples.Data;

/// <summary>
/// One file of CIFAR-10's binary version (<c>data_batch_1.bin</c> … <c>test_batch.bin</c>): records of one label byte
/// followed by a 32×32 colour image as three planes (red, green, blue), row-major, 3,073 bytes a record, no header.
/// </summary>
/// <param name="Labels">The label of every record (0 to 9).</param>
/// <param name="Pixels">Every record's 3,072 image bytes, record after record.</param>
public sealed record CifarBatch(byte[] Labels, byte[] Pixels)
{
    /// <summary>Channels, height and width of every image.</summary>
    public const int Channels = 3, Height = 32, Width = 32;

    /// <summary>Image bytes per record.</summary>
    public const int ImageBytes = Channels * Height * Width;

    /// <summary>Bytes per record: the label, then the image.</summary>
    public const int RecordBytes = 1 + ImageBytes;

    /// <summary>The most records a batch may hold: twice the published 10,000, so that six batches stay within memory.</summary>
    public const int MaxRecords = 20_000;

    /// <summary>The largest file read: <see cref="MaxRecords"/> records.</summary>
    public const long MaxFileBytes = (long)MaxRecords * RecordBytes;

    /// <summary>SHA-256 (lower-case hex) of the file as read: its identity.</summary>
    public string ContentSha256 { get; init; } = "";

    /// <summary>The number of records.</summary>
    public int Count => Labels.Length;

    /// <summary>
    /// Reads and checks a batch file: a plain file (a pipe, a device or a directory is refused unopened) holding a
    /// whole number of records, every label below <paramref name="classes"/>. Throws <see cref="InvalidDataException"/>
    /// naming the file and what is wrong with it, or <see cref="FileNotFoundException"/>.
    /// </summary>
    public static CifarBatch Read(string path, int classes = 10)
    {
        byte[] content;
        try
        {
            using var file = InputFiles.Open(path, RecordBytes, MaxFileBytes, "a CIFAR-10 batch file");
            content = new byte[file.Length];
            file.ReadExactly(content);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        return Parse(content, path, classes);
    }

    /// <summary>Checks and splits a batch held in memory; <paramref name="name"/> names it in errors.</summary>
    public static CifarBatch Parse(byte[] content, string name, int classes = 10)
    {
        if (content.Length % RecordBytes != 0)
            throw new InvalidDataException(
                $"{name}: {content.Length:N0} bytes is not a whole number of {RecordBytes:N0}-byte records (a label and a 3×32×32 image): the file was cut short or is not a CIFAR-10 binary batch.");
        if (content.LongLength > MaxFileBytes)
            throw new InvalidDataException($"{name}: {content.LongLength / RecordBytes:N0} records; a CIFAR-10 batch holds 10,000, and this reader accepts at most {MaxRecords:N0}.");
        int count = content.Length / RecordBytes;
        var labels = new byte[count];
        var pixels = new byte[(long)count * ImageBytes];
        for (int i = 0; i < count; i++)
        {
            int at = i * RecordBytes;
            labels[i] = content[at];
            if (labels[i] >= classes)
                throw new InvalidDataException($"{name}: record {i} has label {labels[i]}, out of range (expected 0 to {classes - 1}): the file is damaged or not a CIFAR-10 batch (CIFAR-100's files have two label bytes).");
            Buffer.BlockCopy(content, at + 1, pixels, i * ImageBytes, ImageBytes);
        }
        return new CifarBatch(labels, pixels) { ContentSha256 = Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant() };
    }

    /// <summary>Writes records in the binary format (tests and tools make small CIFAR-format files with it).</summary>
    public static void Write(string path, byte[] labels, byte[] pixels)
    {
        if (pixels.LongLength != (long)labels.Length * ImageBytes)
            throw new ArgumentException($"{labels.Length} labels need {labels.Length * ImageBytes} image bytes, not {pixels.Length}.", nameof(pixels));
        var content = new byte[(long)labels.Length * RecordBytes];
        for (int i = 0; i < labels.Length; i++)
        {
            content[i * RecordBytes] = labels[i];
            Buffer.BlockCopy(pixels, i * ImageBytes, content, i * RecordBytes + 1, ImageBytes);
        }
        AtomicFile.WriteAllBytes(path, content);
    }
}
