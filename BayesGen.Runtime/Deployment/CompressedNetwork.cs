using BayesGen.Graph;
using BayesGen.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BayesGen.Deployment;

/// <summary>
/// Runs a <see cref="CompressedModel"/>: an ordinary TorchSharp module holding the physically smaller layers
/// (Linear, Conv1d, Conv2d, BatchNorm) at their original paths, so its <c>state_dict()</c> names them as the
/// plain network does (<c>features.0.weight</c>), and computing the deployment graph node by node. A generated
/// <c>Compressed</c> class is one of these that also checks the model was made from its network.
/// </summary>
/// <remarks>
/// The pass is the same function as the masked Bayesian model's, computed faster: a max pool that follows a ReLU
/// runs before it (they commute, and the ReLU then touches a quarter of the values), 2-D max pools run as strided
/// maxima, values are freed after their last use, and large batches go through in chunks that keep a
/// convolution's buffers in cache (<see cref="BatchChunks"/>).
/// </remarks>
public class CompressedNetwork : nn.Module<Tensor, Tensor>
{
    private readonly Step[] steps;
    private readonly IReadOnlyList<DeploymentNode> order;
    private readonly int output;
    private NodeTimer? timer;

    /// <summary>Builds the network of a compressed model.</summary>
    public CompressedNetwork(CompressedModel model) : this(model, ShortName(model.Model) + ".Compressed") { }

    /// <summary>Builds the network of a compressed model under the given module name.</summary>
    protected CompressedNetwork(CompressedModel model, string name) : base(name)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Torch.LibTorchFixes.Apply();
        var modules = new Dictionary<string, nn.Module<Tensor, Tensor>>(StringComparer.Ordinal);
        foreach (var path in model.Graph.Nodes.Select(n => n.Op).OfType<LayerOp>().Select(o => o.Layer).Distinct())
            modules[path] = Register(path, model.CreateLayer(path));
        foreach (var path in model.Graph.Nodes.Select(n => n.Op).OfType<BatchNormOp>().Select(o => o.Layer).Distinct())
            modules[path] = Register(path, model.CreateBatchNorm(path));
        var nodes = ExecutionOrder(model.Graph);
        order = nodes;
        steps = Plan(nodes, modules);
        output = model.Graph.Output;
        ChunkRows = BatchChunks.DefaultRows(model);
        eval();
    }

    /// <summary>The model this network runs.</summary>
    public CompressedModel Model { get; }

    /// <summary>
    /// <paramref name="model"/>, checked to have been made from <paramref name="network"/> (by the class's full name):
    /// what a generated <c>Compressed</c> class accepts. Throws <see cref="InvalidDataException"/> otherwise.
    /// </summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]   // called by the generated Compressed classes
    public static CompressedModel RequireModelOf(CompressedModel model, Type network, string className)
    {
        ArgumentNullException.ThrowIfNull(model);
        var expected = network.FullName ?? network.Name;
        if (model.Model != expected)
            throw new InvalidDataException(
                $"This compressed model was made from {model.Model}, so it does not fit {className} (made from {expected}). Load it with that network's Compressed class, or run it with CompressedModel.CreateNetwork().");
        return model;
    }

    /// <summary>
    /// Inputs per step of a large batch (0: the whole batch at once); networks with convolutions start at
    /// <see cref="BatchChunks.DefaultRows"/>. The outputs do not change.
    /// </summary>
    public int ChunkRows { get; set; }

    public override Tensor forward(Tensor input) => BatchChunks.Forward(input, ChunkRows, Run);

    private Tensor Run(Tensor input)
    {
        using var scope = NewDisposeScope();
        var values = new Tensor?[steps.Length];
        values[0] = input;
        for (int i = 1; i < steps.Length; i++)
        {
            var step = steps[i];
            long started = timer is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
            values[i] = step.Compute(values);
            timer?.Add(i, values[i]!, started);
            foreach (var done in step.LastUseOf)
            {
                values[done]!.Dispose();
                values[done] = null;
            }
        }
        return values[output]!.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs <paramref name="input"/> through the network <paramref name="rounds"/> times (in its chunks, without
    /// gradients) and says where the time went: every node's wall-clock time summed over chunks and rounds, with
    /// the per-example shape it produced. On a CUDA device the times are those of launching the kernels, not of
    /// running them.
    /// </summary>
    public IReadOnlyList<NodeTime> Profile(Tensor input, int rounds = 1)
    {
        if (rounds < 1) throw new ArgumentOutOfRangeException(nameof(rounds), rounds, "At least one round.");
        var profile = new NodeTimer(steps.Length);
        timer = profile;
        try
        {
            using var _ = no_grad();
            for (int r = 0; r < rounds; r++)
            {
                using var scope = NewDisposeScope();
                forward(input);
            }
        }
        finally
        {
            timer = null;
        }
        return Enumerable.Range(1, steps.Length - 1).Select(i => new NodeTime(i, order[i].Op.Name, order[i].Op switch
        {
            LayerOp l => l.Layer,
            BatchNormOp b => b.Layer,
            _ => null,
        }, profile.Shapes[i] ?? Array.Empty<long>(), profile.Milliseconds[i])).ToList();
    }

    /// <summary>
    /// The nodes in the order they run: a ReLU whose only reader is a max pool runs after it instead
    /// (max(relu(a), relu(b)) = relu(max(a, b))).
    /// </summary>
    public static IReadOnlyList<DeploymentNode> ExecutionOrder(DeploymentGraph graph)
    {
        var nodes = graph.Nodes.ToArray();
        var readers = new int[nodes.Length];
        foreach (var node in nodes) foreach (var input in node.Inputs) readers[input]++;
        for (int j = 1; j < nodes.Length; j++)
        {
            if (nodes[j].Op is not PoolOp { Kind: PoolKind.Max } || nodes[j].Gathers[0] is not null) continue;
            int i = nodes[j].Inputs[0];
            if (i == 0 || i == graph.Output || readers[i] != 1 || nodes[i].Op is not ActivationOp { Kind: ActivationKind.Relu }) continue;
            var (relu, pool) = (nodes[i].Op, nodes[j].Op);
            nodes[i] = nodes[i] with { Op = pool };   // pool the ReLU's input …
            nodes[j] = nodes[j] with { Op = relu };   // … then apply the ReLU to the smaller tensor
        }
        return nodes;
    }

    private Step[] Plan(IReadOnlyList<DeploymentNode> nodes, Dictionary<string, nn.Module<Tensor, Tensor>> modules)
    {
        var lastUse = new int[nodes.Count];
        for (int i = 0; i < nodes.Count; i++) foreach (var input in nodes[i].Inputs) lastUse[input] = i;
        var result = new Step[nodes.Count];
        result[0] = new Step(_ => throw new InvalidOperationException("The input is not computed."), Array.Empty<int>());
        var pairs = BatchNormFolding.Pairs(nodes, output)
            .Where(p => modules[((BatchNormOp)nodes[p.Key].Op).Layer] is NormBase { weight: not null, bias: not null, running_mean: not null, running_var: not null })
            .ToArray();
        var folds = pairs.ToDictionary(p => p.Value, p => (NormBase)modules[((BatchNormOp)nodes[p.Key].Op).Layer]);   // layer node → its BatchNorm
        var foldedNorms = pairs.ToDictionary(p => p.Key, p => folds[p.Value]);                                         // BatchNorm node → itself
        FoldableBatchNorms = pairs.Length;
        for (int i = 1; i < nodes.Count; i++)
        {
            var node = nodes[i];
            var readers = node.Inputs.Select((input, k) => Reader(input, node.Gathers[k])).ToArray();
            Func<Tensor?[], Tensor> compute = node.Op switch
            {
                LayerOp l when folds.TryGetValue(i, out var norm) => Unary(readers[0], x => Folds(norm) ? BatchNormFolding.Forward(modules[l.Layer], norm, x) : modules[l.Layer].forward(x)),
                LayerOp l => Unary(readers[0], modules[l.Layer].forward),
                BatchNormOp b when foldedNorms.TryGetValue(i, out var folded) => Unary(readers[0], x => Folds(folded) ? x.alias() : folded.forward(x)),
                BatchNormOp b => Unary(readers[0], modules[b.Layer].forward),
                DropoutOp => Unary(readers[0], x => x.alias()),
                GatherOp g => Unary(readers[0], Gathering(g.Dim, g.Indices)),
                var op => values => OpKernels.Run(op, readers.Select(r => r(values)).ToArray(), training: false),
            };
            var released = node.Inputs.Distinct().Where(input => input != 0 && input != output && lastUse[input] == i).ToArray();
            result[i] = new Step(compute, released);
        }
        return result;
    }

    /// <summary>
    /// Whether a BatchNorm that follows a layer alone is folded into that layer's weights (default true; see
    /// <see cref="BatchNormFolding"/>): the same outputs within float rounding, one pass fewer over each such
    /// activation. Only a BatchNorm in evaluation mode is folded.
    /// </summary>
    public bool FoldBatchNorm { get; set; } = true;

    /// <summary>How many BatchNorm nodes follow a layer alone, and are folded into it while <see cref="FoldBatchNorm"/> is set.</summary>
    public int FoldableBatchNorms { get; private set; }

    private bool Folds(NormBase norm) => FoldBatchNorm && !norm.training;

    private static Func<Tensor?[], Tensor> Unary(Func<Tensor?[], Tensor> read, Func<Tensor, Tensor> apply) => values => apply(read(values));

    private static Func<Tensor?[], Tensor> Reader(int input, InputGather? gather)
    {
        if (gather is null) return values => values[input]!;
        var select = Gathering(gather.Axis, gather.Indices);
        return values => select(values[input]!);
    }

    /// <summary>Selects <paramref name="indices"/> along <paramref name="axis"/>, with the index tensor made once per device, not per batch.</summary>
    private static Func<Tensor, Tensor> Gathering(int axis, long[] indices)
    {
        var index = new DeviceIndex(indices);
        return x => x.index_select(axis, index.On(x.device));
    }

    private nn.Module<Tensor, Tensor> Register(string path, nn.Module<Tensor, Tensor> module)
    {
        nn.Module parent = this;
        var parts = path.Split('.');
        for (int k = 0; k < parts.Length - 1; k++)
        {
            var existing = parent.named_children().FirstOrDefault(c => c.name == parts[k]).module;
            if (existing is null)
            {
                existing = new ModuleGroup(parts[k]);
                parent.register_module(parts[k], existing);
            }
            parent = existing;
        }
        parent.register_module(parts[^1], module);
        return module;
    }

    private static string ShortName(string fullName) => fullName[(fullName.LastIndexOfAny(new[] { '.', '+' }) + 1)..];

    private sealed record Step(Func<Tensor?[], Tensor> Compute, int[] LastUseOf);

    /// <summary>Per-node time and output shape, filled while <see cref="Profile"/> runs.</summary>
    private sealed class NodeTimer
    {
        public NodeTimer(int nodes)
        {
            Milliseconds = new double[nodes];
            Shapes = new long[]?[nodes];
        }

        public double[] Milliseconds { get; }

        public long[]?[] Shapes { get; }

        public void Add(int node, Tensor value, long started)
        {
            Milliseconds[node] += System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            Shapes[node] ??= value.shape.Skip(1).ToArray();
        }
    }

    /// <summary>Gather indices kept on the CPU and copied once to whatever device the network runs on.</summary>
    private sealed class DeviceIndex
    {
        private readonly long[] indices;
        private Tensor? cached;

        public DeviceIndex(long[] indices) => this.indices = indices;

        public Tensor On(Device device)
        {
            if (cached is null || cached.device_type != device.type || cached.device_index != device.index)
                cached = tensor(indices, dtype: ScalarType.Int64, device: device).DetachFromDisposeScope();
            return cached;
        }
    }

    /// <summary>A module that only holds others, so that layers keep their dotted paths.</summary>
    private sealed class ModuleGroup : nn.Module
    {
        public ModuleGroup(string name) : base(name) { }
    }
}
