using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Training;

/// <summary>
/// A training checkpoint: the model's parameters and buffers, Adam's state, and the epochs done so far.
/// Written after every epoch through a temporary file and a rename, so a crash mid-write leaves the previous
/// checkpoint intact.
/// </summary>
public static class Checkpoint
{
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("BGCKPT01");

    /// <summary>What a checkpoint records besides tensors.</summary>
    /// <param name="Model">The model's type name, checked on resume.</param>
    /// <param name="EpochsDone">Completed epochs.</param>
    /// <param name="Seed">The run's seed.</param>
    /// <param name="BatchSize">The run's batch size.</param>
    /// <param name="LearningRate">The run's learning rate.</param>
    /// <param name="KLWarmupEpochs">The run's KL warm-up.</param>
    /// <param name="Steps">Optimiser steps done.</param>
    /// <param name="History">Per-epoch summaries so far.</param>
    public sealed record State(string Model, int EpochsDone, long Seed, int BatchSize, double LearningRate, double KLWarmupEpochs, long Steps, List<EpochSummary> History);

    /// <summary>Writes a checkpoint atomically (temporary file, then rename over <paramref name="path"/>).</summary>
    public static void Save(string path, nn.Module model, FlatAdam optimizer, State state)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, "." + Path.GetFileName(path) + ".tmp-" + Environment.ProcessId);
        using (var stream = File.Create(temp))
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(Magic);
            var json = JsonSerializer.SerializeToUtf8Bytes(state);
            writer.Write(json.Length);
            writer.Write(json);
            model.save(writer);
            optimizer.Save(writer);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>
    /// Restores only the model from a checkpoint (for compressing or evaluating a trained network); returns the
    /// recorded state. Throws <see cref="InvalidDataException"/> naming the file when it does not fit the model.
    /// </summary>
    public static State LoadModel(string path, nn.Module model)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        var state = ReadHeader(reader, path, model);
        try
        {
            model.load(reader, strict: true);
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            throw new InvalidDataException($"{path}: the checkpoint does not match the model ({e.Message}).", e);
        }
        return state;
    }

    private static State ReadHeader(BinaryReader reader, string path, nn.Module model)
    {
        var magic = reader.ReadBytes(Magic.Length);
        if (!magic.AsSpan().SequenceEqual(Magic))
            throw new InvalidDataException($"{path} is not a BayesGen training checkpoint (wrong magic).");
        int length = reader.ReadInt32();
        if (length <= 0 || length > 64 * 1024 * 1024)
            throw new InvalidDataException($"{path}: the checkpoint header is corrupt (length {length}).");
        var state = JsonSerializer.Deserialize<State>(reader.ReadBytes(length))
            ?? throw new InvalidDataException($"{path}: the checkpoint header is empty.");
        var modelName = model.GetType().FullName ?? model.GetType().Name;
        if (state.Model != modelName)
            throw new InvalidDataException($"{path} holds a checkpoint of {state.Model}, not of {modelName}.");
        return state;
    }

    /// <summary>
    /// Restores the model and optimizer from <paramref name="path"/> and returns the recorded state.
    /// Throws <see cref="InvalidDataException"/> naming the file when it is not a checkpoint of this model.
    /// </summary>
    public static State Load(string path, nn.Module model, FlatAdam optimizer)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        var state = ReadHeader(reader, path, model);
        try
        {
            model.load(reader, strict: true);
            optimizer.Load(reader);
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            throw new InvalidDataException($"{path}: the checkpoint does not match the model ({e.Message}).", e);
        }
        return state;
    }
}
