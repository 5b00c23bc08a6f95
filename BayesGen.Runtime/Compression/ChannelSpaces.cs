using BayesGen.Graph;
using BayesGen.Layers;

namespace BayesGen.Compression;

/// <summary>How a channel that several layers write (a residual stream, a depthwise convolution's channel) is decided.</summary>
public enum CouplingRule
{
    /// <summary>It stays while any layer writing it keeps its group (the default: a channel goes only when all call it noise).</summary>
    AnyWriterKeeps = 0,

    /// <summary>It goes as soon as one layer writing it calls its group noise (more pruning, more risk).</summary>
    AnyWriterRemoves = 1,
}

/// <summary>What the channel analysis needs to know about one layer.</summary>
/// <param name="Kind">Linear or a convolution.</param>
/// <param name="InputUnits">Input features or channels.</param>
/// <param name="OutputUnits">Output features or channels.</param>
/// <param name="Groups">A convolution's channel groups (1 otherwise).</param>
/// <param name="KeptGroups">The layer's own decision: a Linear layer's kept input features, a convolution's kept filters.</param>
public sealed record LayerUnits(LayerKind Kind, long InputUnits, long OutputUnits, long Groups, bool[] KeptGroups)
{
    /// <summary>
    /// How strongly each group carries signal, lower meaning more (log α, or the horseshoe's statistic turned so);
    /// null when unknown. Rounding kept channel counts up (<see cref="ChannelSpaces.Analyze"/>) brings back the
    /// removed units with the lowest scores first.
    /// </summary>
    public double[]? Scores { get; init; }

    /// <summary>groups = input channels = output channels: channel c in, channel c out.</summary>
    public bool IsDepthwise => Kind != LayerKind.Linear && Groups > 1 && Groups == InputUnits && Groups == OutputUnits;

    /// <summary>A grouped convolution that is not depthwise: its channels are kept whole.</summary>
    public bool IsGrouped => Kind != LayerKind.Linear && Groups > 1 && !IsDepthwise;
}

/// <summary>
/// Which units (channels or features) of every tensor in a network survive pruning, decided along the recorded
/// graph. Units that element-wise operations, BatchNorm, pooling, residual adds and depthwise convolutions
/// connect form one <em>channel space</em>: removing unit u of a space removes it from every layer that writes
/// into it and every layer that reads it. Flatten and concatenation link spaces (a channel to its positions, a
/// slice to its source).
/// </summary>
/// <remarks>
/// <para>Each space gathers votes. Writers: a convolution votes with its kept filters; a layer that cannot judge
/// its outputs (a Linear layer, whose groups are its inputs), the network input, or a tensor BayesGen does not
/// track abstains, which counts as "keep". Readers: a Linear layer votes with its kept input features; a
/// convolution reading its input, or anything else that consumes the space, abstains.</para>
/// <para>A unit survives when some writer keeps it and some reader keeps it:
/// <c>keep = (∨ writers) ∧ (∨ readers)</c>. In a chain this is the paper's rule (a convolution's removed filter,
/// or a Linear layer's removed input, removes the unit on both sides); on a residual stream a channel goes only
/// when every layer writing into the sum says it is noise, or every reader ignores it. A space that the network
/// returns, or that an operation mixes across its units (softmax over channels, a reduction over channels, a
/// grouped convolution), is pinned: all its units stay. Links are resolved to a fixed point.</para>
/// </remarks>
public sealed class ChannelSpaces
{
    private readonly int[] parent;
    private readonly RawSpace[] raw;
    private readonly (int Space, int Axis)?[] nodeUnits;
    private readonly Dictionary<int, (int Space, int Axis)> layerInputs;
    private readonly Dictionary<int, bool[]> keep = new();

    private readonly CouplingRule coupling;

    private readonly Dictionary<int, HashSet<int>> forced = new();

    private ChannelSpaces(Builder b, CouplingRule coupling, int roundTo)
    {
        this.coupling = coupling;
        parent = b.Parent.ToArray();
        raw = b.Spaces.ToArray();
        nodeUnits = b.NodeUnits;
        layerInputs = b.LayerInputs;
        Merge();
        Iterate();
        if (roundTo > 1) RoundUp(roundTo);
    }

    /// <summary>Runs the analysis on <paramref name="graph"/> with each layer's own decision.</summary>
    /// <param name="graph">The recorded graph.</param>
    /// <param name="layers">Every layer's units and own decision.</param>
    /// <param name="coupling">How a unit several layers write is decided.</param>
    /// <param name="roundTo">
    /// When above 1, every space of convolution channels that loses units keeps a multiple of this many (or all;
    /// Linear layers' features are left as they are): removed units come back, the strongest first
    /// (<see cref="LayerUnits.Scores"/>), so that convolution kernels that work in blocks of channels run full blocks.
    /// </param>
    /// <exception cref="InvalidOperationException">The graph names a layer that <paramref name="layers"/> lacks, or sizes disagree.</exception>
    public static ChannelSpaces Analyze(NetworkGraph graph, IReadOnlyDictionary<string, LayerUnits> layers, CouplingRule coupling = CouplingRule.AnyWriterKeeps, int roundTo = 1)
    {
        if (roundTo < 1) throw new ArgumentOutOfRangeException(nameof(roundTo), roundTo, "Kept units are rounded to a multiple of at least 1.");
        return new(new Builder(graph, layers), coupling, roundTo);
    }

    /// <summary>The space and unit axis of node <paramref name="node"/>'s value, or null when it has none BayesGen tracks.</summary>
    public (int Space, int Axis)? UnitsOf(int node) => nodeUnits[node] is { } u ? (Find(u.Space), u.Axis) : null;

    /// <summary>The space a layer node reads (its input's, or one of its own when the input is not tracked on that axis).</summary>
    public (int Space, int Axis) LayerInput(int node) => layerInputs[node] is var u ? (Find(u.Space), u.Axis) : default;

    /// <summary>
    /// The input units a layer node reads: those its space keeps, and for a Linear layer only those among them its
    /// own groups keep (another reader may still need a unit this layer's weights call noise; this layer gathers).
    /// </summary>
    public bool[] LayerInputKept(int node, LayerUnits layer)
    {
        var kept = (bool[])Kept(LayerInput(node).Space).Clone();
        if (layer.Kind == LayerKind.Linear)
            for (int i = 0; i < kept.Length; i++) kept[i] &= layer.KeptGroups[i];
        return kept;
    }

    /// <summary>The kept units of a space.</summary>
    public bool[] Kept(int space) => keep[Find(space)];

    /// <summary>Whether a space keeps all its units whatever the votes.</summary>
    public bool IsPinned(int space) => raw[Find(space)].Pinned;

    /// <summary>The size of a space.</summary>
    public long Size(int space) => raw[Find(space)].Size;

    /// <summary>Kept units of a node's value along its unit axis, or null when it has no tracked units.</summary>
    public bool[]? KeptAt(int node) => UnitsOf(node) is { } u ? Kept(u.Space) : null;

    private int Find(int x)
    {
        while (parent[x] != x) x = parent[x] = parent[parent[x]];
        return x;
    }

    // ---- solving ------------------------------------------------------------------------------------

    private List<int> Roots() => Enumerable.Range(0, raw.Length).Where(i => Find(i) == i).ToList();

    /// <summary>Gathers each space's parts (votes, pins, links) into its root.</summary>
    private void Merge()
    {
        var roots = Roots();
        var merged = roots.ToDictionary(r => r, r => new RawSpace(r, raw[r].Size));
        for (int i = 0; i < raw.Length; i++)
        {
            var into = merged[Find(i)];
            var s = raw[i];
            if (s.Size != into.Size)
                throw new InvalidOperationException($"Two tensors joined unit for unit have {s.Size} and {into.Size} units.");
            into.Pinned |= s.Pinned;
            into.WriterAbstains |= s.WriterAbstains;
            into.ReaderAbstains |= s.ReaderAbstains;
            into.WriterVotes.AddRange(s.WriterVotes);
            into.ReaderVotes.AddRange(s.ReaderVotes);
            into.Scores.AddRange(s.Scores);
            into.Channels |= s.Channels;
        }
        for (int i = 0; i < raw.Length; i++)
            foreach (var link in raw[i].Links) merged[Find(i)].Links.Add(link);
        foreach (var r in roots) raw[r] = merged[r];
        PinSourcesOfPinned(roots);
    }

    /// <summary>
    /// A pinned space keeps every unit, and a unit a link makes exists only while its source unit does: so the spaces a
    /// pinned space is made of (a channel shuffle's or a concatenation's inputs, read by a grouped convolution) are pinned
    /// too, up the chain. A slice's source is pinned whole, more than its kept units need, which costs only pruning.
    /// </summary>
    private void PinSourcesOfPinned(List<int> roots)
    {
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (var r in roots)
                foreach (var link in raw[r].Links)
                    if (raw[Find(link.Target)].Pinned)
                        foreach (var source in link.Sources)
                            if (!raw[Find(source)].Pinned) { raw[Find(source)].Pinned = true; changed = true; }
        }
    }

    /// <summary>Decides every space from all units kept down to the fixed point; forced units stay.</summary>
    private void Iterate()
    {
        var roots = Roots();
        foreach (var r in roots) keep[r] = Enumerable.Repeat(true, (int)raw[r].Size).ToArray();
        // Keeps only ever fall, so this ends; each round is linear in the graph.
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (var r in roots)
            {
                var next = Decide(raw[r]);
                if (!next.AsSpan().SequenceEqual(keep[r])) { keep[r] = next; changed = true; }
            }
        }
    }

    private bool[] Decide(RawSpace s)
    {
        int n = (int)s.Size;
        var result = new bool[n];
        if (s.Pinned) { Array.Fill(result, true); return result; }
        var writers = new List<bool[]>(s.WriterVotes);
        var readers = new List<bool[]>(s.ReaderVotes);
        // A unit a link makes (a concatenation's, a slice's, a flatten's) exists only while its source unit does, whatever
        // else writes into the space (a depthwise convolution reading it, a residual add): a requirement, not a vote.
        var sources = new List<bool[]>();
        foreach (var link in s.Links.Distinct())
        {
            if (Find(link.Target) == s.Id) sources.Add(link.TargetVote(this));
            foreach (var (source, index) in link.Sources.Select((src, i) => (src, i)))
                if (Find(source) == s.Id) readers.Add(link.SourceVote(this, index));
        }
        forced.TryGetValue(s.Id, out var mustKeep);
        for (int u = 0; u < n; u++)
        {
            if (mustKeep is not null && mustKeep.Contains(u)) { result[u] = true; continue; }
            // A writer that cannot judge (abstains) keeps a unit under the first rule and vetoes nothing under the second.
            bool written = coupling == CouplingRule.AnyWriterRemoves
                ? writers.All(v => v[u])
                : s.WriterAbstains || writers.Count == 0 || writers.Any(v => v[u]);
            bool read = s.ReaderAbstains || readers.Count == 0 || readers.Any(v => v[u]);
            result[u] = written && read && sources.All(v => v[u]);
        }
        return result;
    }

    /// <summary>
    /// Brings removed units back until every space of convolution channels that lost some keeps a multiple of
    /// <paramref name="roundTo"/> (or all of them), strongest first, then decides again: a unit brought back is kept
    /// whatever the votes, and spaces linked to it follow. Repeats while that leaves some space off a multiple (each
    /// round only adds units, so it ends).
    /// </summary>
    private void RoundUp(int roundTo)
    {
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (var r in Roots())
            {
                var s = raw[r];
                var kept = keep[r];
                int count = kept.Count(k => k);
                if (!s.Channels || s.Pinned || count == 0 || count == kept.Length || count % roundTo == 0) continue;
                int target = (int)Math.Min(kept.Length, (long)(count + roundTo - 1) / roundTo * roundTo);
                var back = Enumerable.Range(0, kept.Length).Where(u => !kept[u])
                    .OrderBy(u => UnitScore(s, u)).ThenBy(u => u).Take(target - count);
                foreach (var u in back) Force(r, u);
                changed = true;
            }
            if (changed) Iterate();
        }
    }

    /// <summary>
    /// Keeps unit <paramref name="unit"/> of <paramref name="space"/> whatever the votes, and the units it is made of through
    /// links, up the chain (a concatenation's part, a flatten's channel, a slice's or a shuffle's source): a unit brought back
    /// in a residual sum that a concatenation feeds needs the filter that writes it.
    /// </summary>
    private void Force(int space, long unit)
    {
        space = Find(space);
        if (!forced.TryGetValue(space, out var set)) forced[space] = set = new HashSet<int>();
        if (!set.Add((int)unit)) return;
        foreach (var link in raw[space].Links.Distinct())
            if (Find(link.Target) == space)
                foreach (var (source, sourceUnit) in link.SourceUnits(unit))
                    Force(source, sourceUnit);
    }

    /// <summary>The strongest evidence of signal any layer voting on the space gives unit u (lower is stronger; none: +∞).</summary>
    private static double UnitScore(RawSpace s, int u)
    {
        double best = double.PositiveInfinity;
        foreach (var scores in s.Scores)
            if (u < scores.Length && scores[u] < best) best = scores[u];
        return best;
    }

    // ---- model --------------------------------------------------------------------------------------

    private sealed class RawSpace
    {
        public RawSpace(int id, long size) { Id = id; Size = size; }
        public int Id { get; }
        public long Size { get; }
        public bool Pinned { get; set; }
        public bool WriterAbstains { get; set; }
        public bool ReaderAbstains { get; set; }
        public List<bool[]> WriterVotes { get; } = new();
        public List<bool[]> ReaderVotes { get; } = new();
        /// <summary>The scores of the layers voting on the space, per unit (see <see cref="LayerUnits.Scores"/>).</summary>
        public List<double[]> Scores { get; } = new();
        /// <summary>Whether a convolution writes these units (channels): the spaces rounding applies to.</summary>
        public bool Channels { get; set; }
        public List<Link> Links { get; } = new();
    }

    /// <summary>Target units made from source units: a flatten (unit c → its positions) or a concatenation.</summary>
    private abstract class Link
    {
        public abstract IReadOnlyList<int> Sources { get; }
        public abstract int Target { get; }
        /// <summary>The target's units that exist because their source unit is kept.</summary>
        public abstract bool[] TargetVote(ChannelSpaces spaces);
        /// <summary>The source's units that some kept target unit still needs.</summary>
        public abstract bool[] SourceVote(ChannelSpaces spaces, int source);
        /// <summary>The source units target unit <paramref name="unit"/> is made of.</summary>
        public abstract IEnumerable<(int Source, long Unit)> SourceUnits(long unit);
    }

    /// <summary>Flattening dimensions around the unit axis: target unit f comes from source unit (f / inner) mod n.</summary>
    private sealed class FlattenLink : Link
    {
        private readonly int source, target;
        private readonly long n, inner, outer;

        public FlattenLink(int source, int target, long n, long inner, long outer)
            => (this.source, this.target, this.n, this.inner, this.outer) = (source, target, n, inner, outer);

        public override IReadOnlyList<int> Sources => new[] { source };
        public override int Target => target;

        public override bool[] TargetVote(ChannelSpaces spaces)
        {
            var src = spaces.Kept(source);
            var result = new bool[outer * n * inner];
            for (long f = 0; f < result.LongLength; f++) result[f] = src[(f / inner) % n];
            return result;
        }

        public override bool[] SourceVote(ChannelSpaces spaces, int index)
        {
            var tgt = spaces.Kept(target);
            var result = new bool[n];
            for (long f = 0; f < tgt.LongLength; f++) if (tgt[f]) result[(f / inner) % n] = true;
            return result;
        }

        public override IEnumerable<(int Source, long Unit)> SourceUnits(long unit) => new[] { (source, (unit / inner) % n) };
    }

    /// <summary>Concatenation along the unit axis: target unit offset_i + u is source i's unit u.</summary>
    private sealed class ConcatLink : Link
    {
        private readonly int[] sources;
        private readonly long[] offsets, sizes;
        private readonly int target;

        public ConcatLink(int[] sources, long[] sizes, int target)
        {
            this.sources = sources;
            this.sizes = sizes;
            this.target = target;
            offsets = new long[sizes.Length];
            for (int i = 1; i < sizes.Length; i++) offsets[i] = offsets[i - 1] + sizes[i - 1];
        }

        public override IReadOnlyList<int> Sources => sources;
        public override int Target => target;

        public override bool[] TargetVote(ChannelSpaces spaces)
        {
            var result = new bool[sizes.Sum()];
            for (int i = 0; i < sources.Length; i++)
                Array.Copy(spaces.Kept(sources[i]), 0, result, offsets[i], sizes[i]);
            return result;
        }

        public override bool[] SourceVote(ChannelSpaces spaces, int index)
        {
            var result = new bool[sizes[index]];
            Array.Copy(spaces.Kept(target), offsets[index], result, 0, sizes[index]);
            return result;
        }

        public override IEnumerable<(int Source, long Unit)> SourceUnits(long unit)
        {
            int i = Array.FindLastIndex(offsets, o => o <= unit);
            return new[] { (sources[i], unit - offsets[i]) };
        }
    }

    /// <summary>Target unit t is source unit map[t] (a slice, a channel shuffle); each source unit feeds at most one target unit.</summary>
    private sealed class MapLink : Link
    {
        private readonly int source, target;
        private readonly long[] map;
        private readonly long sourceSize;

        public MapLink(int source, int target, long[] map, long sourceSize)
            => (this.source, this.target, this.map, this.sourceSize) = (source, target, map, sourceSize);

        public override IReadOnlyList<int> Sources => new[] { source };
        public override int Target => target;

        public override bool[] TargetVote(ChannelSpaces spaces)
        {
            var src = spaces.Kept(source);
            var result = new bool[map.Length];
            for (long t = 0; t < map.LongLength; t++) result[t] = src[map[t]];
            return result;
        }

        public override bool[] SourceVote(ChannelSpaces spaces, int index)
        {
            var tgt = spaces.Kept(target);
            var result = new bool[sourceSize];
            for (long t = 0; t < map.LongLength; t++) if (tgt[t]) result[map[t]] = true;
            return result;
        }

        public override IEnumerable<(int Source, long Unit)> SourceUnits(long unit) => new[] { (source, map[unit]) };
    }

    // ---- building: one pass over the graph in execution order -----------------------------------------

    private sealed class Builder
    {
        private readonly NetworkGraph graph;
        private readonly IReadOnlyDictionary<string, LayerUnits> layers;
        private readonly Dictionary<string, ((int Space, int Axis) In, (int Space, int Axis)? Out)> layerUses = new();
        private readonly Dictionary<string, int> normUses = new();

        public List<int> Parent { get; } = new();
        public List<RawSpace> Spaces { get; } = new();
        public (int Space, int Axis)?[] NodeUnits { get; }
        public Dictionary<int, (int Space, int Axis)> LayerInputs { get; } = new();

        public Builder(NetworkGraph graph, IReadOnlyDictionary<string, LayerUnits> layers)
        {
            this.graph = graph;
            this.layers = layers;
            NodeUnits = new (int, int)?[graph.Nodes.Count];
            for (int i = 0; i < graph.Nodes.Count; i++) NodeUnits[i] = Visit(i, graph.Nodes[i]);
            // What the network returns is the caller's: every unit stays.
            if (NodeUnits[graph.Output] is { } output) Spaces[Root(output.Space)].Pinned = true;
            // A value nobody reads is still there; its units are not removed for want of readers.
            var consumers = graph.Consumers();
            for (int i = 0; i < graph.Nodes.Count; i++)
                if (consumers[i].Count == 0 && NodeUnits[i] is { } u) Spaces[u.Space].ReaderAbstains = true;
        }

        private int New(long size)
        {
            Spaces.Add(new RawSpace(Spaces.Count, size));
            Parent.Add(Parent.Count);
            return Spaces.Count - 1;
        }

        private int Root(int x)
        {
            while (Parent[x] != x) x = Parent[x] = Parent[Parent[x]];
            return x;
        }

        private void Union(int a, int b)
        {
            a = Root(a); b = Root(b);
            if (a != b) Parent[b] = a;
        }

        private long[] Shape(int node) => graph.Nodes[node].Shape;

        /// <summary>Ends a space's path: its units are read here by something that does not vote.</summary>
        private void Terminal((int Space, int Axis)? units)
        {
            if (units is { } u) Spaces[u.Space].ReaderAbstains = true;
        }

        private void Pin((int Space, int Axis)? units)
        {
            if (units is { } u) Spaces[u.Space].Pinned = true;
        }

        private (int, int)? Visit(int index, GraphNode node)
        {
            var inputs = node.Inputs.Select(i => NodeUnits[i]).ToArray();
            var x = inputs.Length > 0 ? inputs[0] : null;
            var shape = node.Shape;
            switch (node.Op)
            {
                case InputOp:
                {
                    if (shape.Length < 2) return null;
                    int s = New(shape[1]);
                    Spaces[s].WriterAbstains = true;
                    return (s, 1);
                }
                case LayerOp l:
                    return Layer(index, l.Layer, node);
                case BatchNormOp b:
                {
                    if (x is not { Axis: 1 })
                    {
                        Pin(x);
                        return null;
                    }
                    // The same BatchNorm applied twice normalises both tensors' channels with one set of statistics.
                    if (normUses.TryGetValue(b.Layer, out var earlier)) Union(earlier, x.Value.Space);
                    else normUses[b.Layer] = x.Value.Space;
                    return x;
                }
                case ActivationOp or DropoutOp or ScalarOp:
                    return x;
                case PoolOp or AdaptivePoolOp or ResizeOp:
                    if (x is { Axis: 1 }) return x;
                    Pin(x);
                    return null;
                case PadOp pad:
                    // Padding acts on positions; the units it keeps apart are those of an axis it does not pad.
                    if (x is { } padded && !pad.IsPadded(padded.Axis, Shape(node.Inputs[0]).Length)) return x;
                    Pin(x);
                    return null;
                case FlattenOp f:
                    return Flatten(f, node, x);
                case UnsqueezeOp u:
                    return x is { } ux ? (ux.Space, ux.Axis + (u.Dim <= ux.Axis ? 1 : 0)) : null;
                case SqueezeOp q:
                    if (x is not { } sx) return null;
                    if (q.Dim == sx.Axis) { Pin(x); return null; }
                    return (sx.Space, sx.Axis - (q.Dim < sx.Axis ? 1 : 0));
                case PermuteOp p:
                    return x is { } px ? (px.Space, Array.IndexOf(p.Dims, px.Axis)) : null;
                case PixelShuffleOp:
                    // Its input channels become positions of its output: kept whole, and the output's channels are new.
                    Pin(x);
                    return null;
                case LocalResponseNormOp:
                    // Each channel is divided by its neighbours' energy: the channels' units cannot go one by one.
                    Pin(x);
                    return x;
                case SoftmaxOp sm:
                    if (x is { } smx && sm.Dim == smx.Axis) Pin(x);
                    return x;
                case ReduceOp r:
                    if (x is not { } rx) return null;
                    if (r.Dims.Contains(rx.Axis)) { Pin(x); return null; }
                    return (rx.Space, r.KeepDim ? rx.Axis : rx.Axis - r.Dims.Count(d => d < rx.Axis));
                case BinaryOp:
                    return Join(node, inputs);
                case ConcatOp c:
                    return Concat(c, node, inputs);
                case SliceOp sl:
                    return Mapped(node, x, sl.Dim, u => sl.SourceOf(u));
                case ChannelShuffleOp cs:
                    return Mapped(node, x, 1, u => cs.SourceOf(u, Shape(node.Inputs[0])[1]));
                default:
                    foreach (var u in inputs) Pin(u);
                    return null;
            }
        }

        private (int, int)? Layer(int index, string path, GraphNode node)
        {
            if (!layers.TryGetValue(path, out var info))
                throw new InvalidOperationException($"The graph applies layer '{path}', which the network does not have.");
            var inputNode = node.Inputs[0];
            var inShape = Shape(inputNode);
            int axis = info.Kind == LayerKind.Linear ? inShape.Length - 1 : 1;
            if (inShape[axis] != info.InputUnits)
                throw new InvalidOperationException($"Layer '{path}' reads {inShape[axis]} units but has {info.InputUnits} inputs.");
            var inUnits = NodeUnits[inputNode] is { } u && u.Axis == axis ? u : (New(info.InputUnits), axis);
            if (NodeUnits[inputNode] is not { } tracked || tracked.Axis != axis)
            {
                // The input's units along this axis are not tracked (its producer is not known to drop any).
                Spaces[inUnits.Item1].WriterAbstains = true;
                if (NodeUnits[inputNode] is { } other) Terminal(other);
            }
            LayerInputs[index] = inUnits;
            int outAxis = info.Kind == LayerKind.Linear ? node.Shape.Length - 1 : 1;

            if (layerUses.TryGetValue(path, out var use))
            {
                // Shared weights: both applications have the same inputs and outputs.
                Union(use.In.Space, inUnits.Item1);
                return use.Out is { } o ? (o.Space, outAxis) : null;
            }

            (int, int)? output;
            var inSpace = Spaces[inUnits.Item1];
            if (info.Kind == LayerKind.Linear)
            {
                inSpace.ReaderVotes.Add(info.KeptGroups);
                if (info.Scores is { } linear) inSpace.Scores.Add(linear);
                int s = New(info.OutputUnits);
                Spaces[s].WriterAbstains = true;
                output = (s, outAxis);
            }
            else if (info.IsDepthwise)
            {
                inSpace.ReaderAbstains = true;
                inSpace.WriterVotes.Add(info.KeptGroups);
                inSpace.Channels = true;
                if (info.Scores is { } dw) inSpace.Scores.Add(dw);
                output = (inUnits.Item1, outAxis);
            }
            else if (info.IsGrouped)
            {
                inSpace.Pinned = true;
                int s = New(info.OutputUnits);
                Spaces[s].Pinned = true;
                output = (s, outAxis);
            }
            else
            {
                inSpace.ReaderAbstains = true;
                int s = New(info.OutputUnits);
                Spaces[s].WriterVotes.Add(info.KeptGroups);
                Spaces[s].Channels = true;
                if (info.Scores is { } conv) Spaces[s].Scores.Add(conv);
                output = (s, outAxis);
            }
            layerUses[path] = (inUnits, output);
            return output;
        }

        private (int, int)? Flatten(FlattenOp f, GraphNode node, (int Space, int Axis)? x)
        {
            if (x is not { } u) return null;
            if (u.Axis < f.Start) return u;
            if (u.Axis > f.End) return (u.Space, u.Axis - (f.End - f.Start));
            var inShape = Shape(node.Inputs[0]);
            long outer = 1, inner = 1;
            for (int d = f.Start; d < u.Axis; d++) outer *= inShape[d];
            for (int d = u.Axis + 1; d <= f.End; d++) inner *= inShape[d];
            long n = inShape[u.Axis];
            if (outer == 1 && inner == 1) return (u.Space, f.Start);
            int target = New(outer * n * inner);
            var link = new FlattenLink(u.Space, target, n, inner, outer);
            Spaces[u.Space].Links.Add(link);
            Spaces[target].Links.Add(link);
            return (target, f.Start);
        }

        private (int, int)? Join(GraphNode node, (int Space, int Axis)?[] inputs)
        {
            var shape = node.Shape;
            var tracked = inputs.Where(u => u is not null).Select(u => u!.Value).ToList();
            if (tracked.Count == 0) return null;
            int axis = tracked[0].Axis;
            (int Space, int Axis)? result = null;
            for (int i = 0; i < inputs.Length; i++)
            {
                var inShape = Shape(node.Inputs[i]);
                bool full = inShape[axis] == shape[axis];
                if (inputs[i] is { } u && u.Axis == axis && full)
                {
                    if (result is { } r) Union(r.Space, u.Space);
                    else result = u;
                }
                else if (inputs[i] is { } other && other.Axis != axis)
                {
                    // Its units lie along another axis of the sum: they cannot be removed one by one.
                    Pin(other);
                }
            }
            if (result is not { } joined) return null;
            for (int i = 0; i < inputs.Length; i++)
            {
                var inShape = Shape(node.Inputs[i]);
                if (inputs[i] is null && inShape[axis] == shape[axis] && shape[axis] > 1)
                    Spaces[joined.Space].WriterAbstains = true;   // an untracked operand feeds every unit
            }
            return joined;
        }

        /// <summary>
        /// An operation whose output unit u along <paramref name="dim"/> is input unit <paramref name="sourceOf"/>(u): a slice, a
        /// channel shuffle. Along another axis than the input's units it moves none of them, and they pass through.
        /// </summary>
        private (int, int)? Mapped(GraphNode node, (int Space, int Axis)? x, int dim, Func<long, long> sourceOf)
        {
            if (x is not { } u || u.Axis != dim) return x;
            long n = node.Shape[dim];
            var map = new long[n];
            for (long t = 0; t < n; t++) map[t] = sourceOf(t);
            int target = New(n);
            var link = new MapLink(u.Space, target, map, Shape(node.Inputs[0])[dim]);
            Spaces[u.Space].Links.Add(link);
            Spaces[target].Links.Add(link);
            return (target, dim);
        }

        private (int, int)? Concat(ConcatOp c, GraphNode node, (int Space, int Axis)?[] inputs)
        {
            if (inputs.All(u => u is { } v && v.Axis == c.Dim))
            {
                var sources = inputs.Select(u => u!.Value.Space).ToArray();
                var sizes = node.Inputs.Select(i => Shape(i)[c.Dim]).ToArray();
                int target = New(sizes.Sum());
                var link = new ConcatLink(sources, sizes, target);
                foreach (var s in sources.Distinct()) Spaces[s].Links.Add(link);
                Spaces[target].Links.Add(link);
                return (target, c.Dim);
            }
            if (inputs.Any(u => u is { } v && v.Axis == c.Dim))
            {
                foreach (var u in inputs) Pin(u);
                return null;
            }
            // Joined along another dimension: unit i of every input is the same unit of the result.
            return Join(node, inputs);
        }
    }
}
