using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using BayesGen.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Training;

/// <summary>
/// A training checkpoint: the model's parameters and buffers, Adam's state, and the epochs done so far.
/// <code>
///   "BGCKPT02" · header length (int32) · header (UTF-8 JSON: model, epochs done, settings, history)
///   · the model's tensors (TorchSharp's save format) · Adam's state · CRC-32 of every byte before it
/// </code>
/// Written after every epoch through a temporary file and a rename (<see cref="AtomicFile"/>), so a process killed
/// mid-write leaves the previous checkpoint whole; only finite parameters are ever written. Reading verifies the
/// checksum before it trusts a byte, then the header's values, then that the tensors fit the model and are finite:
/// a damaged checkpoint is refused with its path and the reason, never resumed from.
/// </summary>
public static class Checkpoint
{
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("BGCKPT02");
    private static readonly byte[] OldMagic = Encoding.ASCII.GetBytes("BGCKPT01");

    /// <summary>The largest checkpoint read (16 GiB).</summary>
    public const long MaxBytes = 16L << 30;

    /// <summary>What a checkpoint records besides tensors.</summary>
    /// <param name="Model">The model's type name, checked on resume.</param>
    /// <param name="EpochsDone">Completed epochs.</param>
    /// <param name="Seed">The run's seed.</param>
    /// <param name="BatchSize">The run's batch size.</param>
    /// <param name="LearningRate">The run's learning rate.</param>
    /// <param name="KLWarmupEpochs">The run's KL warm-up.</param>
    /// <param name="Steps">Optimiser steps done.</param>
    /// <param name="History">Per-epoch summaries so far.</param>
    public sealed record State(string Model, int EpochsDone, long Seed, int BatchSize, double LearningRate, double KLWarmupEpochs, long Steps, List<EpochSummary> History)
    {
        /// <summary>The examples per epoch the run trained on (N in KL/N); null in checkpoints written before it was recorded.</summary>
        public long? TrainingExamples { get; init; }

        /// <summary>Whether clipped layers clipped their bias variances too (<see cref="Layers.LayerOptions.ClipBiasVariance"/>); false in older checkpoints.</summary>
        public bool ClipsBiasVariances { get; init; }

        /// <summary>
        /// The priors the layers train under, with the settings that change their KL (the horseshoe's τ0 and global
        /// scale), checked on resume; null in older checkpoints.
        /// </summary>
        public string? Priors { get; init; }

        /// <summary>
        /// The log-variances' multiple of the learning rate (<see cref="TrainingOptions.LogVarianceLearningRateScale"/>) of the
        /// run's latest epochs; 1 in older checkpoints. A resumed run may change it, as it may change the learning rate.
        /// </summary>
        public double LogVarianceLearningRateScale { get; init; } = 1;

        /// <summary>
        /// The learning-rate drop of the run's latest epochs (<see cref="TrainingOptions.LearningRateDropEpochs"/> and
        /// factor); 0 and 1 in older checkpoints, whose rate was constant. Recorded, not enforced: a resumed run may change it.
        /// </summary>
        public int LearningRateDropEpochs { get; init; }

        /// <summary>The factor of <see cref="LearningRateDropEpochs"/>' rate; 1 in older checkpoints.</summary>
        public double LearningRateDropFactor { get; init; } = 1;
    }

    /// <summary>Writes a checkpoint atomically; refuses a model whose parameters are not all finite.</summary>
    /// <exception cref="InvalidOperationException">A parameter holds NaN or infinity: such a model is never checkpointed.</exception>
    public static void Save(string path, nn.Module model, FlatAdam optimizer, State state)
    {
        if (FirstNonFinite(model) is { } bad)
            throw new InvalidOperationException($"Parameter '{bad}' is not finite; the checkpoint at {path} keeps the last finite state.");
        using var body = new MemoryStream();
        using (var writer = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            var json = JsonSerializer.SerializeToUtf8Bytes(state);
            writer.Write(json.Length);
            writer.Write(json);
            model.save(writer);
            optimizer.Save(writer);
        }
        var bytes = body.ToArray();
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc32.HashToUInt32(bytes));
        AtomicFile.Write(path, stream =>
        {
            stream.Write(bytes);
            stream.Write(crc);
        });
    }

    /// <summary>
    /// Restores only the model from <paramref name="path"/> (for compressing, plotting or sweeping a finished run)
    /// and returns the recorded state. Throws <see cref="InvalidDataException"/> naming the file and the problem.
    /// </summary>
    public static State LoadModel(string path, nn.Module model) => Read(path, model, null);

    /// <summary>Restores the model and optimiser from <paramref name="path"/> and returns the recorded state.</summary>
    /// <exception cref="InvalidDataException">Not a whole, valid checkpoint of this model; the message names the file.</exception>
    public static State Load(string path, nn.Module model, FlatAdam optimizer) => Read(path, model, optimizer);

    /// <summary>
    /// The recorded state alone, without a model (to decide how to resume before one is built: how many training
    /// examples the run trained on); the checksum is checked. Throws <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static State ReadState(string path) => Read(path, null, null);

    private static State Read(string path, nn.Module? model, FlatAdam? optimizer)
    {
        try
        {
            using var stream = InputFiles.Open(path, Magic.Length + 8, MaxBytes, "a BayesGen checkpoint");
            VerifyChecksum(stream);
            using var reader = new BinaryReader(new BoundedStream(stream, stream.Length - 4), Encoding.UTF8);
            var state = ReadHeader(reader);
            if (model is null) return state;
            var modelName = model.GetType().FullName ?? model.GetType().Name;
            if (state.Model != modelName)
                throw new InvalidDataException($"it holds a checkpoint of {state.Model}, not of {modelName}.");
            try
            {
                model.load(reader, strict: true);
                optimizer?.Load(reader);
            }
            catch (Exception e) when (e is not InvalidDataException)
            {
                throw new InvalidDataException($"its tensors do not fit this model ({e.Message}).", e);
            }
            if (optimizer is not null && stream.Position != stream.Length - 4)
                throw new InvalidDataException($"{stream.Length - 4 - stream.Position} bytes follow the optimiser's state.");
            if (FirstNonFinite(model) is { } bad)
                throw new InvalidDataException($"parameter '{bad}' holds NaN or infinity; it is not a state to resume from.");
            return state;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException(e is FileNotFoundException ? e.Message : $"{path}: {Describe(e)}", e);
        }
    }

    private static string Describe(Exception e) => e switch
    {
        EndOfStreamException => "it ends before its content does (truncated).",
        UnauthorizedAccessException => "it cannot be read (permission denied).",
        _ => e.Message,
    };

    /// <summary>Checks the trailing CRC-32 over everything before it, reading the file once; leaves the stream at 0.</summary>
    private static void VerifyChecksum(FileStream stream)
    {
        var crc = new Crc32();
        var buffer = new byte[1 << 16];
        long remaining = stream.Length - 4;
        while (remaining > 0)
        {
            int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
            if (read == 0) throw new EndOfStreamException();
            crc.Append(buffer.AsSpan(0, read));
            remaining -= read;
        }
        Span<byte> stored = stackalloc byte[4];
        stream.ReadExactly(stored);
        uint expected = BinaryPrimitives.ReadUInt32LittleEndian(stored);
        uint actual = crc.GetCurrentHashAsUInt32();
        stream.Position = 0;
        if (expected != actual)
        {
            var magic = new byte[Magic.Length];
            stream.ReadExactly(magic);
            if (magic.AsSpan().SequenceEqual(OldMagic))
                throw new InvalidDataException("it was written by an older BayesGen without a checksum; train the run again.");
            if (!magic.AsSpan().SequenceEqual(Magic))
                throw new InvalidDataException("it is not a BayesGen training checkpoint (wrong magic).");
            throw new InvalidDataException($"checksum mismatch (stored {expected:x8}, computed {actual:x8}): the file is damaged.");
        }
    }

    private static State ReadHeader(BinaryReader reader)
    {
        var magic = reader.ReadBytes(Magic.Length);
        if (!magic.AsSpan().SequenceEqual(Magic))
            throw new InvalidDataException("it is not a BayesGen training checkpoint (wrong magic).");
        int length = reader.ReadInt32();
        if (length <= 0 || length > 64 * 1024 * 1024)
            throw new InvalidDataException($"the checkpoint header has an impossible length ({length}).");
        State state;
        try
        {
            state = JsonSerializer.Deserialize<State>(reader.ReadBytes(length)) ?? throw new InvalidDataException("the checkpoint header is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the checkpoint header is not valid ({e.Message}).");
        }
        if (state.EpochsDone < 0 || state.Steps < 0 || state.BatchSize <= 0 || state.History is null || state.History.Count != state.EpochsDone
            || !double.IsFinite(state.LearningRate) || state.LearningRate <= 0 || !double.IsFinite(state.KLWarmupEpochs) || state.KLWarmupEpochs < 0
            || !double.IsFinite(state.LogVarianceLearningRateScale) || state.LogVarianceLearningRateScale <= 0
            || state.LearningRateDropEpochs < 0 || !(state.LearningRateDropFactor > 0) || state.LearningRateDropFactor > 1)
            throw new InvalidDataException($"its header is inconsistent (epochs done {state.EpochsDone}, {state.History?.Count ?? 0} epochs of history, steps {state.Steps}).");
        return state;
    }

    /// <summary>The name of the first parameter or buffer holding NaN or infinity, or null.</summary>
    private static string? FirstNonFinite(nn.Module model)
    {
        using var scope = NewDisposeScope();
        foreach (var (name, p) in model.named_parameters())
            if (!p.isfinite().all().item<bool>()) return name;
        foreach (var (name, b) in model.named_buffers())
            if (b.is_floating_point() && !b.isfinite().all().item<bool>()) return name;
        return null;
    }

    /// <summary>A read-only view of the first <c>length</c> bytes of a stream (the checksum is not content).</summary>
    private sealed class BoundedStream(Stream inner, long length) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count)
            => inner.Read(buffer, offset, (int)Math.Max(0, Math.Min(count, length - inner.Position)));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
