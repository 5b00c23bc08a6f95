using BayesGen.Compression;
using BayesGen.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen;

/// <summary>
/// The base of every generated Bayesian training model. The generator emits one subclass per annotated
/// network (<c>MyNet.Bayesian</c>) that wires this class's pieces for that network: its layers, the sum of
/// their KL terms, variance clipping, and mask propagation along the network's data flow.
/// </summary>
public abstract class BayesianNetwork : nn.Module<Tensor, Tensor>
{
    private Generator? noiseGenerator;

    /// <summary>Creates the network.</summary>
    protected BayesianNetwork(string name) : base(name) { }

    /// <summary>The Bayesian layers with their field names, in data-flow order.</summary>
    public abstract IReadOnlyList<(string Name, BayesianLayer Layer)> BayesianLayers { get; }

    /// <summary>The prior of the model as declared on the class.</summary>
    public abstract PriorKind Prior { get; }

    /// <summary>
    /// The shape of one input example from <c>[InputShape]</c>, or null when the class does not declare one.
    /// </summary>
    public virtual long[]? InputShape => null;

    /// <summary>
    /// The network's forward data flow as a chain of known operations, or null when the generator could not
    /// follow it (a residual connection, an unknown call): then masks are not propagated across layers and no
    /// compressed deployment model exists.
    /// </summary>
    public virtual NetworkGraph? Graph => null;

    /// <summary>The sum of every layer's KL(q ‖ p): the complexity term of the variational objective.</summary>
    public virtual Tensor KL()
    {
        using var d = NewDisposeScope();
        Tensor? total = null;
        foreach (var (_, layer) in BayesianLayers)
        {
            var kl = layer.KL();
            total = total is null ? kl : total + kl;
        }
        return (total ?? zeros(1).sum()).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The part of <see cref="KL"/> that comes from the group scales (small: one term per group). The trainer
    /// differentiates this through autograd and adds the weight part's gradient in closed form
    /// (<see cref="AddWeightKLGradients"/>); together they give the gradient of the full KL.
    /// </summary>
    public virtual Tensor ScaleKL()
    {
        using var d = NewDisposeScope();
        Tensor? total = null;
        foreach (var (_, layer) in BayesianLayers)
        {
            var kl = layer.Scale.KL();
            total = total is null ? kl : total + kl;
        }
        return (total ?? zeros(1).sum()).MoveToOuterDisposeScope();
    }

    /// <summary>Adds <paramref name="scale"/> × ∇(weight and bias KL) to every layer's gradients, in closed form.</summary>
    public virtual void AddWeightKLGradients(double scale)
    {
        foreach (var (_, layer) in BayesianLayers) layer.AddWeightKLGradient(scale);
    }

    /// <summary>Applies every layer's post-step constraints (variance clipping).</summary>
    public virtual void ClipVariances()
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

    /// <summary>
    /// The threshold one layer prunes at: a run-time override, else the layer's configured threshold
    /// (attribute), else the prior's default — log α = −3 for GNJ, the histogram gap for the horseshoe.
    /// </summary>
    public double ResolveThreshold(string name, PruningThresholds? overrides = null)
    {
        var layer = Layer(name);
        double? configured = overrides is not null && overrides.TryGet(name, out var t) ? t : layer.Options.Threshold;
        if (configured is double value && !double.IsNaN(value)) return value;
        bool auto = configured is double v && double.IsNaN(v);
        if (!auto && layer.Scale.Prior == PriorKind.GroupNJ) return GroupNJAttribute.DefaultThreshold;
        using var statistic = layer.Scale.PruningStatistic().detach().cpu();
        var values = statistic.data<float>().ToArray();
        return ThresholdSelection.HistogramGap(values) ?? ThresholdSelection.KeepAll(values, layer.Scale.Direction);
    }

    /// <summary>
    /// Each layer's own masks before propagation: a Linear layer keeps the input columns of its kept groups
    /// and every output row; a convolution keeps its kept filters and every input channel.
    /// </summary>
    public LayerMasks OwnMasks(string name, PruningThresholds? overrides = null)
    {
        var layer = Layer(name);
        var kept = layer.Scale.KeptGroups(ResolveThreshold(name, overrides));
        return layer.Layout == Priors.GroupLayout.Columns
            ? new LayerMasks(kept, ones(layer.OutputUnits, dtype: ScalarType.Bool))
            : new LayerMasks(ones(layer.InputUnits, dtype: ScalarType.Bool), kept);
    }

    /// <summary>
    /// The masks of every layer after propagation along the data flow (generated per network). The default,
    /// used when the data flow could not be followed, prunes each layer on its own groups only.
    /// </summary>
    public virtual NetworkMasks ComputeMasks(PruningThresholds? thresholds = null)
    {
        var masks = new NetworkMasks();
        foreach (var (name, _) in BayesianLayers) masks.Add(name, OwnMasks(name, thresholds));
        return masks;
    }

    /// <summary>Makes the deterministic (evaluation) forward use these masks.</summary>
    public virtual void ApplyMasks(NetworkMasks masks)
    {
        foreach (var (name, layer) in BayesianLayers)
        {
            var m = masks[name];
            layer.SetMasks(m.Input, m.Output);
        }
    }

    /// <summary>Makes the deterministic forward use every weight again.</summary>
    public virtual void ClearMasks()
    {
        foreach (var (_, layer) in BayesianLayers) layer.ClearMasks();
    }

    /// <summary>The Bayesian layer with the given field name.</summary>
    public BayesianLayer Layer(string name)
    {
        foreach (var (n, layer) in BayesianLayers)
            if (n == name) return layer;
        throw new KeyNotFoundException($"No Bayesian layer named '{name}'; the layers are {string.Join(", ", BayesianLayers.Select(l => l.Name))}.");
    }
}
