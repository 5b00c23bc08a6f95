using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using BayesGen.IO;
using BayesGen.Tests.Support;
using BayesGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Training;

/// <summary>
/// Checkpoints damaged every way a disk, a copy or a person damages them: each is refused with the file's path and
/// the reason, and never resumed from; the model it was read into is only trusted when the whole file checks out.
/// </summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bayesgen-ckpt-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static HandWiredMlp Small(ulong seed) => new(8, 6, 4, 3, new torch.Generator(seed));

    private static Checkpoint.State StateOf(nn.Module model, int epochs = 1)
        => new(model.GetType().FullName!, epochs, 7, 32, 1e-3, 0, 10,
               Enumerable.Range(1, epochs).Select(e => new EpochSummary(e, 1.0, 0.5, 10.0, 1.0, 50.0, [], 1.0, 100.0)).ToList())
           { LogVarianceLearningRateScale = 4, LearningRateDropEpochs = 2, LearningRateDropFactor = 0.5 };

    /// <summary>A valid checkpoint of a small model whose first weight holds a value the tests can find in the bytes.</summary>
    private (string Path, byte[] Bytes) Write(float marker = 1234.5f)
    {
        using var model = Small(1);
        using (no_grad()) model.parameters().First().view(-1)[0] = marker;
        using var adam = new FlatAdam(model.parameters());
        var path = Path.Combine(dir, "run.ckpt");
        Checkpoint.Save(path, model, adam, StateOf(model));
        return (path, File.ReadAllBytes(path));
    }

    private static string Refusal(string path)
    {
        using var model = Small(2);
        using var adam = new FlatAdam(model.parameters());
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, model, adam));
        return e.Message;
    }

    /// <summary>The bytes with the trailing CRC-32 recomputed, as a careful forger (or a buggy tool) would leave them.</summary>
    private static byte[] Resealed(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(copy.Length - 4), Crc32.HashToUInt32(copy.AsSpan(0, copy.Length - 4)));
        return copy;
    }

    [Fact]
    public void A_checkpoint_restores_parameters_and_state_exactly()
    {
        var (path, _) = Write();
        using var original = Small(1);
        using (no_grad()) original.parameters().First().view(-1)[0] = 1234.5f;
        using var model = Small(2);
        using var adam = new FlatAdam(model.parameters());
        var state = Checkpoint.Load(path, model, adam);
        Assert.Equal(1, state.EpochsDone);
        Assert.Equal(7, state.Seed);
        Assert.Equal(4, state.LogVarianceLearningRateScale);
        Assert.Equal((2, 0.5), (state.LearningRateDropEpochs, state.LearningRateDropFactor));
        foreach (var ((name, a), (_, b)) in original.named_parameters().Zip(model.named_parameters()))
            Assert.True(a.eq(b).all().item<bool>(), $"{name} differs after the round trip");
    }

    [Fact]
    public void The_state_alone_reads_without_a_model_and_damage_is_still_refused_with_the_path()
    {
        var (path, bytes) = Write();
        var state = Checkpoint.ReadState(path);   // what train reads to keep a resumed run's held-out split
        Assert.Equal((1, 7L, 4.0), (state.EpochsDone, state.Seed, state.LogVarianceLearningRateScale));
        Assert.Equal(typeof(HandWiredMlp).FullName, state.Model);
        var copy = (byte[])bytes.Clone();
        copy[^10] ^= 1;   // a tensor byte: the header parses, the checksum does not
        File.WriteAllBytes(path, copy);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.ReadState(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("checksum", e.Message);
    }

    [Fact]
    public void Every_truncation_is_refused_with_the_path()
    {
        var (path, bytes) = Write();
        // Every length from 0 to 64 bytes, then every 97th, then the last 16: each must be refused, none may throw
        // anything but InvalidDataException (no crash inside TorchSharp's reader, no hang).
        var lengths = Enumerable.Range(0, 65).Concat(Enumerable.Range(0, bytes.Length / 97).Select(i => i * 97))
            .Concat(Enumerable.Range(bytes.Length - 16, 16)).Distinct();
        foreach (var length in lengths)
        {
            File.WriteAllBytes(path, bytes[..length]);
            Assert.Contains(path, Refusal(path));
        }
    }

    [Fact]
    public void Every_flipped_byte_is_caught_by_the_checksum()
    {
        var (path, bytes) = Write();
        var random = new Random(3);
        for (int trial = 0; trial < 200; trial++)
        {
            var copy = (byte[])bytes.Clone();
            int at = random.Next(copy.Length);
            copy[at] ^= (byte)(1 << random.Next(8));
            File.WriteAllBytes(path, copy);
            var message = Refusal(path);
            Assert.True(message.Contains("checksum") || message.Contains("wrong magic"), $"byte {at}: {message}");
        }
    }

    [Fact]
    public void A_resealed_NaN_parameter_is_refused_by_name()
    {
        var (path, bytes) = Write();
        var marker = BitConverter.GetBytes(1234.5f);
        int at = bytes.AsSpan().IndexOf(marker);
        Assert.True(at > 0, "the marker weight must be in the file");
        var copy = (byte[])bytes.Clone();
        BitConverter.GetBytes(float.NaN).CopyTo(copy, at);
        File.WriteAllBytes(path, Resealed(copy));
        var message = Refusal(path);
        Assert.Contains("NaN or infinity", message);
        Assert.Contains("weight", message);
    }

    [Theory]
    [InlineData("\"EpochsDone\":1", "\"EpochsDone\":9", "inconsistent")]
    [InlineData("\"BatchSize\":32", "\"BatchSize\":-0", "inconsistent")]
    [InlineData("HandWiredMlp", "HandWiredMLP", "not of")]
    [InlineData("\"Seed\":7", "\"Seed\":\"", "not valid")]
    [InlineData("\"LogVarianceLearningRateScale\":4", "\"LogVarianceLearningRateScale\":0", "inconsistent")]
    [InlineData("\"LearningRateDropFactor\":0.5", "\"LearningRateDropFactor\":1.5", "inconsistent")]
    [InlineData("\"LearningRateDropFactor\":0.5", "\"LearningRateDropFactor\":0.0", "inconsistent")]
    public void A_resealed_header_edit_is_refused_with_the_reason(string from, string to, string reason)
    {
        var (path, bytes) = Write();
        int headerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        var header = Encoding.UTF8.GetString(bytes, 12, headerLength);
        Assert.Contains(from, header);
        var edited = Encoding.UTF8.GetBytes(header.Replace(from, to));
        Assert.Equal(headerLength, edited.Length);
        var copy = (byte[])bytes.Clone();
        edited.CopyTo(copy, 12);
        File.WriteAllBytes(path, Resealed(copy));
        Assert.Contains(reason, Refusal(path));
    }

    [Fact]
    public void A_header_written_before_the_log_variance_scale_and_the_drop_existed_reads_as_scale_one_and_no_drop()
    {
        var (_, bytes) = Write();
        int headerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        var header = Encoding.UTF8.GetString(bytes, 12, headerLength);
        var older = header.Replace(",\"LogVarianceLearningRateScale\":4", "").Replace(",\"LearningRateDropEpochs\":2", "").Replace(",\"LearningRateDropFactor\":0.5", "");
        Assert.Equal(header.Length - 89, older.Length);
        var state = System.Text.Json.JsonSerializer.Deserialize<Checkpoint.State>(older)!;
        Assert.Equal((1, 0, 1), (state.LogVarianceLearningRateScale, state.LearningRateDropEpochs, state.LearningRateDropFactor));
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(-5)]
    [InlineData(0)]
    public void A_resealed_impossible_header_length_is_refused(int length)
    {
        var (path, bytes) = Write();
        var copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(copy.AsSpan(8), length);
        File.WriteAllBytes(path, Resealed(copy));
        Assert.Contains("impossible length", Refusal(path));
    }

    [Fact]
    public void A_checkpoint_of_another_shape_is_refused()
    {
        using var other = new HandWiredMlp(8, 5, 4, 3, new torch.Generator(1));
        using var adam = new FlatAdam(other.parameters());
        var path = Path.Combine(dir, "other.ckpt");
        var state = StateOf(other);
        Checkpoint.Save(path, other, adam, state);
        Assert.Contains("do not fit this model", Refusal(path));
    }

    [Fact]
    public void Old_format_wrong_magic_empty_files_and_directories_are_refused()
    {
        var (path, bytes) = Write();
        var old = (byte[])bytes.Clone();
        Encoding.ASCII.GetBytes("BGCKPT01").CopyTo(old, 0);
        File.WriteAllBytes(path, old);
        Assert.Contains("older BayesGen", Refusal(path));

        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("PK\u0003\u0004 this is a zip, not a checkpoint........"));
        Assert.Contains("wrong magic", Refusal(path));

        File.WriteAllBytes(path, []);
        Assert.Contains(path, Refusal(path));

        var folder = Path.Combine(dir, "folder.ckpt");
        Directory.CreateDirectory(folder);
        Assert.Contains(folder, Refusal(folder));
    }

    [Fact]
    public void A_model_holding_NaN_is_never_written_and_the_old_checkpoint_stays()
    {
        var (path, bytes) = Write();
        using var model = Small(1);
        using (no_grad()) model.parameters().Last().view(-1)[0] = float.PositiveInfinity;
        using var adam = new FlatAdam(model.parameters());
        var e = Assert.Throws<InvalidOperationException>(() => Checkpoint.Save(path, model, adam, StateOf(model)));
        Assert.Contains("not finite", e.Message);
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Empty(Directory.EnumerateFiles(dir, ".run.ckpt.tmp-*"));
    }

    [Fact]
    public void Temporary_files_of_dead_writers_are_removed_and_live_ones_kept()
    {
        var (path, _) = Write();
        var dead = Path.Combine(dir, ".run.ckpt.tmp-" + int.MaxValue);
        var live = Path.Combine(dir, ".run.ckpt.tmp-1");   // process 1 always runs
        File.WriteAllText(dead, "half a checkpoint");
        File.WriteAllText(live, "a running process is writing");
        Assert.Equal(1, AtomicFile.CleanStale(path));
        Assert.False(File.Exists(dead));
        Assert.True(File.Exists(live));
    }
}
