using BayesGen.Torch;
using BayesGen.Graph;
using BayesGen.Compression;
using BayesGen.Layers;
using BayesGen.Tracing;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen;

/// <summary>
/// The base of every generated Bayesian training model (<c>MyNet.Bayesian</c>). The generated subclass holds the
/// Bayesian counterparts of the network's modules and the network's own forward; this class finds the Bayesian
/// layers and BatchNorms in that module tree, sums their KL terms, clips variances, records the forward pass as a
/// graph, and propagates pruning masks along it.
/// </summary>
public abstract class BayesianNetwork : nn.Module<Tensor, Tensor>
{
    private (string Name, BayesianLayer Layer)[]? layers;
    private (string Name, MaskedBatchNorm Norm)[]? norms;
    private Generator? noiseGenerator;
    private long[]? observedShape;
    private (long[] Shape, NetworkGraph Graph)? graph;

    /// <summary>Creates the network.</summary>
    protected BayesianNetwork(string name) : base(name) { }

    /// <summary>
    /// Registers the generated class's modules and finds its Bayesian layers and BatchNorms; the generated
    /// constructor calls it once every field is set, with the class-level prior in force.
    /// </summary>
    protected void Initialize(PriorKind prior)
    {
        Prior = prior;
        RegisterComponents();
        var seen = new HashSet<nn.Module>(ReferenceEqualityComparer.Instance);
        var found = new List<(string, BayesianLayer)>();
        var foundNorms = new List<(string, MaskedBatchNorm)>();
        foreach (var (name, module) in named_modules())
        {
            if (!seen.Add(module)) continue;   // a shared module counts once, under its first path
            if (module is BayesianLayer layer)
            {
                found.Add((name, layer));
                layer.Path ??= name;
            }
            else if (module is MaskedBatchNorm norm) foundNorms.Add((name, norm));
        }
        layers = found.ToArray();
        norms = foundNorms.ToArray();
    }

    /// <summary>The Bayesian layers with their paths (<c>fc1</c>, <c>features.0</c>), in the order the network holds them.</summary>
    public IReadOnlyList<(string Name, BayesianLayer Layer)> BayesianLayers
        => layers ?? throw new InvalidOperationException($"{GetName()} has not called Initialize() in its constructor.");

    /// <summary>The BatchNorm layers with their paths.</summary>
    public IReadOnlyList<(string Name, MaskedBatchNorm Norm)> BatchNorms
        => norms ?? throw new InvalidOperationException($"{GetName()} has not called Initialize() in its constructor.");

    /// <summary>The prior of the model: the class's attribute, or the one <see cref="BayesianOptions.Prior"/> put in its place.</summary>
    public PriorKind Prior { get; private set; }

    /// <summary>The shape of one input example from <c>[InputShape]</c>, or null when the class does not declare one.</summary>
    public virtual long[]? InputShape => null;

    /// <summary>
    /// The shape of one input example the graph is recorded with: <see cref="InputShape"/>, else the shape of the
    /// first batch forward saw, else null.
    /// </summary>
    public long[]? SampleShape => InputShape ?? observedShape;

    /// <summary>Remembers the shape of the first input (the generated forward calls this first).</summary>
    protected void ObserveInput(Tensor input)
    {
        if (observedShape is null && input.dim() >= 1) observedShape = input.shape.Skip(1).ToArray();
    }

    /// <summary>
    /// The forward pass as a graph of known operations, recorded on first use with an input of
    /// <see cref="SampleShape"/>. Masks propagate along it; the compressed network runs it.
    /// </summary>
    /// <exception cref="GraphRecordingException">forward uses an operation BayesGen does not record (the generator warned where).</exception>
    /// <exception cref="InvalidOperationException">No input shape is known yet.</exception>
    public NetworkGraph Graph
    {
        get
        {
            var shape = SampleShape ?? throw new InvalidOperationException(
                $"{GetName()} does not know its input shape: declare [InputShape(...)] on the network, run forward once, or call RecordGraph(shape).");
            return RecordGraph(shape);
        }
    }

    /// <summary>Records (or returns the recorded) graph for inputs of shape <paramref name="inputShape"/> (one example, no batch).</summary>
    public NetworkGraph RecordGraph(long[] inputShape)
    {
        if (graph is { } cached && cached.Shape.AsSpan().SequenceEqual(inputShape)) return cached.Graph;
        if (inputShape.Length == 0 || inputShape.Any(d => d <= 0))
            throw new ArgumentException($"[{string.Join(", ", inputShape)}] is not the shape of one input example.", nameof(inputShape));
        bool wasTraining = training;
        eval();
        try
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var first = parameters().FirstOrDefault();
            var device = first?.device ?? CPU;
            using var generator = new Generator(1, device);
            // Two examples, so that nothing batch-specific (a squeeze of the batch) passes unnoticed; in the
            // parameters' floating type (a model converted to float64 records its graph in float64).
            var input = rand(new long[] { 2 }.Concat(inputShape).ToArray(), dtype: first?.dtype ?? ScalarType.Float32, generator: generator, device: device);
            using var tracer = GraphTracer.Begin(this, input);
            var output = forward(input);
            var recorded = tracer.Finish(output);
            graph = (inputShape.ToArray(), recorded);
            return recorded;
        }
        finally
        {
            if (wasTraining) train();
        }
    }

    /// <summary>The sum of every layer's KL(q ‖ p): the complexity term of the variational objective.</summary>
    public Tensor KL()
    {
        using var d = NewDisposeScope();
        Tensor? total = null;
        foreach (var (_, layer) in BayesianLayers)
        {
            var kl = layer.KL();
            total = total is null ? kl : total.Plus(kl);
        }
        return (total ?? zeros(1, device: parameters().FirstOrDefault()?.device).sum()).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The part of <see cref="KL"/> that comes from the group scales (small: one term per group). The trainer
    /// differentiates this through autograd and adds the weight part's gradient in closed form
    /// (<see cref="AddWeightKLGradients"/>); together they give the gradient of the full KL.
    /// </summary>
    public Tensor ScaleKL()
    {
        using var d = NewDisposeScope();
        Tensor? total = null;
        foreach (var (_, layer) in BayesianLayers)
        {
            var kl = layer.Scale.KL();
            total = total is null ? kl : total.Plus(kl);
        }
        return (total ?? zeros(1, device: parameters().FirstOrDefault()?.device).sum()).MoveToOuterDisposeScope();
    }

    /// <summary>Adds <paramref name="scale"/> × ∇(weight and bias KL) to every layer's gradients, in closed form.</summary>
    public void AddWeightKLGradients(double scale)
    {
        foreach (var (_, layer) in BayesianLayers) layer.AddWeightKLGradient(scale);
    }

    /// <summary>
    /// The optimiser's parameter groups: every log-variance of the Bayesian layers (<see cref="BayesianLayer.LogVarianceParameters"/>)
    /// at <paramref name="logVarianceScale"/> times the learning rate, every other parameter (means, normalisations, the
    /// user's own) at the rate itself. The groups are runs of <c>parameters()</c> in its order, so the optimiser's flat
    /// layout, and with it a checkpoint's optimiser state, is the same whatever the scale.
    /// </summary>
    public IReadOnlyList<ParameterGroup> ParameterGroups(double logVarianceScale = 1)
    {
        var logVariances = BayesianLayers.SelectMany(l => l.Layer.LogVarianceParameters()).ToHashSet(ReferenceEqualityComparer.Instance);
        var groups = new List<ParameterGroup>();
        var run = new List<TorchSharp.Modules.Parameter>();
        double runScale = 1;
        foreach (var p in parameters())
        {
            double scale = logVariances.Contains(p) ? logVarianceScale : 1;
            if (run.Count > 0 && scale != runScale)
            {
                groups.Add(new ParameterGroup(run.ToArray(), runScale));
                run.Clear();
            }
            runScale = scale;
            run.Add(p);
        }
        if (run.Count > 0) groups.Add(new ParameterGroup(run.ToArray(), runScale));
        return groups;
    }

    /// <summary>Applies every layer's post-step constraints (variance clipping).</summary>
    public void ClipVariances()
    {
        foreach (var (_, layer) in BayesianLayers) layer.ClipVariances();
    }

    /// <summary>The generator every layer draws its training noise from (null: TorchSharp's default).</summary>
    public Generator? NoiseGenerator
    {
        get => noiseGenerator;
        set
        {
            noiseGenerator = value;
            foreach (var (_, layer) in BayesianLayers) layer.NoiseGenerator = value;
        }
    }

    /// <summary>Makes the deterministic forward use every weight again.</summary>
    public void ClearMasks()
    {
        foreach (var (_, layer) in BayesianLayers) layer.ClearMasks();
        foreach (var (_, norm) in BatchNorms) norm.ChannelMask = null;
    }

    /// <summary>The Bayesian layer at the given path.</summary>
    public BayesianLayer Layer(string name)
    {
        foreach (var (n, layer) in BayesianLayers)
            if (n == name) return layer;
        throw new KeyNotFoundException($"No Bayesian layer named '{name}'; the layers are {string.Join(", ", BayesianLayers.Select(l => l.Name))}.");
    }
}
