using BayesGen.Graph;
using System.ComponentModel;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tracing;

/// <summary>
/// Records a <see cref="NetworkGraph"/> while a Bayesian model runs forward once on a sample input. Every tensor
/// an operation produces is known by identity (the C# object) and mapped to its node; the converted modules and
/// the generated forward's calls to <see cref="Ops"/> report what they compute. A tensor that reaches a recorded
/// operation without having been recorded itself came from an operation BayesGen does not know, and the
/// recording fails with that operation's name instead of producing a wrong graph.
/// </summary>
/// <remarks>
/// One recording per thread at a time (the current recorder is thread-static). Outside a recording every
/// <c>Record</c> call is a null check, so the training forward pays nothing for it.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class GraphTracer : IDisposable
{
    [ThreadStatic] private static GraphTracer? current;

    private readonly Dictionary<Tensor, int> nodeOf = new(ReferenceEqualityComparer.Instance);
    private readonly List<GraphNode> nodes = new();
    private readonly Dictionary<nn.Module, string> paths = new(ReferenceEqualityComparer.Instance);
    private readonly GraphTracer? previous;
    private readonly Dictionary<Tensor, ChannelSplit> splits = new(ReferenceEqualityComparer.Instance);
    private string? failure;

    /// <summary>
    /// A tensor whose channels a view split into [<paramref name="Groups"/>, C / groups] (ShuffleNet's channel shuffle
    /// written by hand). It stays outside the graph until a view merges the two dimensions back: then it is the source
    /// node again (<paramref name="Swapped"/> false) or that node's channel shuffle (a transpose exchanged the two).
    /// </summary>
    private sealed record ChannelSplit(int Source, long[] SourceShape, long Groups, bool Swapped);

    private GraphTracer(nn.Module root, Tensor input)
    {
        foreach (var (name, module) in root.named_modules())
            paths.TryAdd(module, name);
        nodes.Add(new GraphNode(new InputOp(), Array.Empty<int>(), input.shape));
        nodeOf[input] = 0;
        previous = current;
        current = this;
    }

    /// <summary>The recorder of this thread, or null outside a recording.</summary>
    internal static GraphTracer? Current => current;

    /// <summary>Starts recording: <paramref name="input"/> becomes node 0; module paths come from <paramref name="root"/>.</summary>
    public static GraphTracer Begin(nn.Module root, Tensor input) => new(root, input);

    /// <summary>Ends the recording and returns the graph whose output is <paramref name="output"/>.</summary>
    /// <exception cref="GraphRecordingException">An operation could not be recorded.</exception>
    public NetworkGraph Finish(Tensor output)
    {
        Stop();
        if (failure is not null) throw new GraphRecordingException(failure);
        if (splits.TryGetValue(output, out var split))
            throw new GraphRecordingException($"forward returns {Described(split)}; {SplitAdvice(split)}");
        if (!nodeOf.TryGetValue(output, out var result))
            throw new GraphRecordingException("forward returned a tensor that no recorded operation produced (it was computed by an operation BayesGen does not record).");
        if (result == 0)
            throw new GraphRecordingException("forward returned its input unchanged: there is nothing to compress.");
        return new NetworkGraph(nodes.ToArray(), result);
    }

    /// <summary>Stops recording without a graph (the recording is abandoned).</summary>
    public void Dispose() => Stop();

    private void Stop()
    {
        if (current == this) current = previous;
    }

    /// <summary>The path of a module of the recorded network (<c>features.0</c>), or null for a module outside it.</summary>
    internal string? PathOf(nn.Module module) => paths.TryGetValue(module, out var path) ? path : null;

    /// <summary>Records <paramref name="op"/> reading <paramref name="inputs"/> and producing <paramref name="output"/>.</summary>
    internal void Record(GraphOp op, Tensor output, params Tensor[] inputs)
    {
        if (failure is not null) return;
        var ids = new int[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!nodeOf.TryGetValue(inputs[i], out ids[i]))
            {
                if (splits.TryGetValue(inputs[i], out var split))
                {
                    Fail($"{op.Describe()} reads {Described(split)}; {SplitAdvice(split)}");
                    return;
                }
                Fail($"{op.Describe()} reads a tensor that no recorded operation produced: forward computes it with an operation BayesGen does not record (see the generator's warnings for this network), or reads a tensor held outside the network's layers (a constant: write it as numbers, or apply it to the data before the network).");
                return;
            }
        }
        nodes.Add(new GraphNode(op, ids, output.shape));
        nodeOf[output] = nodes.Count - 1;
    }

    /// <summary>Records a layer or BatchNorm module of the network by its path (<paramref name="op"/> makes the operation from it).</summary>
    internal void RecordModule(nn.Module module, Func<string, GraphOp> op, Tensor output, Tensor input)
    {
        if (PathOf(module) is { } path) Record(op(path), output, input);
        else Fail($"forward applies a {module.GetType().Name} that is not part of the network (a module created inside forward, or one held outside the network's fields).");
    }

    /// <summary>Records that <paramref name="result"/> holds the same values as <paramref name="source"/> (alias, contiguous, clone).</summary>
    internal void Same(Tensor source, Tensor result)
    {
        if (failure is not null) return;
        if (nodeOf.TryGetValue(source, out var id)) nodeOf[result] = id;
        else if (splits.TryGetValue(source, out var split)) splits[result] = split;
    }

    /// <summary>Whether <paramref name="x"/> holds channels split by a view, waiting to be merged back (<see cref="SplitChannels"/>).</summary>
    internal bool IsChannelSplit(Tensor x) => splits.ContainsKey(x);

    /// <summary>
    /// Notes that <paramref name="result"/> is <paramref name="source"/> viewed as [N, groups, C / groups, …]. Nothing is
    /// recorded yet: a split channel dimension has no place in the graph, whose channel masks live in dimension 1.
    /// </summary>
    internal void SplitChannels(Tensor source, Tensor result, long groups)
    {
        if (failure is not null) return;
        if (nodeOf.TryGetValue(source, out var id)) splits[result] = new ChannelSplit(id, source.shape, groups, Swapped: false);
        else Record(new ChannelShuffleOp(groups), result, source);   // fails, naming the unrecorded source
    }

    /// <summary>Notes that <paramref name="result"/> is the split <paramref name="x"/> with its two channel dimensions exchanged.</summary>
    internal void SwapChannelSplit(Tensor x, Tensor result)
    {
        if (failure is null) splits[result] = splits[x] with { Swapped = !splits[x].Swapped };
    }

    /// <summary>
    /// The split <paramref name="x"/> viewed back as <paramref name="result"/>: when that is the shape it was split from, the
    /// source itself or its channel shuffle; any other shape fails.
    /// </summary>
    internal void MergeChannelSplit(Tensor x, Tensor result)
    {
        if (failure is not null) return;
        var split = splits[x];
        if (!result.shape.AsSpan().SequenceEqual(split.SourceShape))
            Fail($"forward views {Described(split)} as [{string.Join(", ", result.shape)}]; {SplitAdvice(split)}");
        else if (!split.Swapped) nodeOf[result] = split.Source;
        else
        {
            nodes.Add(new GraphNode(new ChannelShuffleOp(split.Groups), new[] { split.Source }, result.shape));
            nodeOf[result] = nodes.Count - 1;
        }
    }

    /// <summary>Makes the recording fail because a split tensor was used by <paramref name="what"/>.</summary>
    internal void FailOnChannelSplit(Tensor x, string what) => Fail($"forward {what} {Described(splits[x])}; {SplitAdvice(splits[x])}");

    private static string Described(ChannelSplit split)
        => $"the channels of [{string.Join(", ", split.SourceShape)}] split into {split.Groups} × {split.SourceShape[1] / split.Groups} by a view" +
           (split.Swapped ? " and transposed" : "");

    private static string SplitAdvice(ChannelSplit split)
        => $"BayesGen follows such a split only as ShuffleNet's channel shuffle: transpose(1, 2), then a view back to " +
           $"[{string.Join(", ", split.SourceShape)}] (or write x.channel_shuffle({split.Groups})).";

    /// <summary>Makes the recording fail with <paramref name="reason"/> (the first reason is kept).</summary>
    internal void Fail(string reason) => failure ??= reason;
}

/// <summary>A network's forward pass could not be recorded as a graph; the message says which operation and why.</summary>
public sealed class GraphRecordingException : Exception
{
    public GraphRecordingException(string message) : base(message) { }
}
