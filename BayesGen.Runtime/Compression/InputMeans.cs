using BayesGen.Layers;
using static TorchSharp.torch;

namespace BayesGen.Compression;

/// <summary>
/// The mean input of every Bayesian layer over a data set, per input unit (a Linear layer's feature, a
/// convolution's channel averaged over positions), measured with the unpruned posterior-mean forward.
/// </summary>
/// <remarks>
/// Pruning removes an input unit; the paper then drops its contribution, which is right only when the unit's
/// input averages zero. Inputs that are constant or nearly so (MNIST's border pixels are always −1 once images
/// are scaled to [−1, 1]; a ReLU unit's output is never negative) act as a bias, and the horseshoe in
/// particular leaves such groups with small but nonzero weights that the network relies on together. Given
/// these means, <see cref="NetworkCompression.Compress"/> adds each removed input's mean contribution,
/// Σ_i E[w]_oi·mean_i, to the layer's bias: exact for constant inputs (and, for a convolution, away from
/// padded borders), and the best constant stand-in otherwise. The deployment network is just as small.
/// </remarks>
public sealed class InputMeans
{
    private readonly Dictionary<string, double[]> byLayer;
    private readonly HashSet<string> dropped;

    private InputMeans(Dictionary<string, double[]> byLayer, IEnumerable<string>? dropped = null)
    {
        this.byLayer = byLayer;
        this.dropped = new HashSet<string>(dropped ?? [], StringComparer.Ordinal);
    }

    /// <summary>Whether a layer's removed inputs are compensated (false for a layer <see cref="Dropping"/> named).</summary>
    public bool Compensates(string layer) => !dropped.Contains(layer);

    /// <summary>The layers whose removed inputs are dropped although their means are known.</summary>
    public IReadOnlyCollection<string> DroppedLayers => dropped;

    /// <summary>"mean", or "mean except" the layers that drop theirs: what reports record.</summary>
    public string Summary => dropped.Count == 0 ? "mean" : $"mean except {string.Join(", ", dropped.Order(StringComparer.Ordinal))}";

    /// <summary>The same means, with <paramref name="layers"/>' removed inputs dropped instead of compensated (the paper's way).</summary>
    public InputMeans Dropping(IEnumerable<string> layers) => new(byLayer, dropped.Concat(layers));

    /// <summary>The same means, with <paramref name="layers"/>' removed inputs compensated again.</summary>
    public InputMeans Compensating(IEnumerable<string> layers) => new(byLayer, dropped.Except(layers));

    /// <summary>The mean input of <paramref name="layer"/>, one value per input unit.</summary>
    public IReadOnlyList<double> this[string layer]
        => byLayer.TryGetValue(layer, out var means) ? means
           : throw new KeyNotFoundException($"No input means were measured for layer '{layer}'; measure them on the network being compressed.");

    /// <summary>The layers measured.</summary>
    public IReadOnlyCollection<string> Layers => byLayer.Keys;

    /// <summary>Means given directly (for tests and for means measured elsewhere).</summary>
    public static InputMeans FromValues(IReadOnlyDictionary<string, double[]> means)
        => new(means.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()));

    /// <summary>
    /// Runs the network's deterministic forward (posterior means, no masks) over <paramref name="inputs"/>
    /// in batches and records what every Bayesian layer receives. The network's training mode is restored.
    /// </summary>
    /// <param name="network">The trained network, before masks are applied.</param>
    /// <param name="inputs">Examples along dimension 0, e.g. the training images.</param>
    /// <param name="batchSize">Examples per forward pass.</param>
    /// <exception cref="InvalidOperationException">Masks or fixed weights are applied: the means would be those of a pruned network.</exception>
    public static InputMeans Measure(BayesianNetwork network, Tensor inputs, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(inputs);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        if (inputs.dim() == 0 || inputs.shape[0] == 0) throw new ArgumentException("Input means need at least one example.", nameof(inputs));
        var pruned = network.BayesianLayers.Where(l => l.Layer.IsPruned).Select(l => l.Name).ToArray();
        if (pruned.Length > 0)
            throw new InvalidOperationException($"Layers {string.Join(", ", pruned)} have masks applied; call ClearMasks() before measuring input means.");

        var sums = network.BayesianLayers.ToDictionary(l => l.Name, l => new InputSums(l.Layer.InputUnits));
        bool wasTraining = network.training;
        network.eval();
        try
        {
            foreach (var (name, layer) in network.BayesianLayers) layer.RecordInputs(sums[name]);
            using var _ = no_grad();
            var device = network.parameters().First().device;
            for (long start = 0; start < inputs.shape[0]; start += batchSize)
            {
                using var scope = NewDisposeScope();
                network.forward(inputs.narrow(0, start, Math.Min(batchSize, inputs.shape[0] - start)).to(device));
            }
        }
        finally
        {
            foreach (var (_, layer) in network.BayesianLayers) layer.RecordInputs(null);
            if (wasTraining) network.train();
        }

        var unused = sums.Where(kv => kv.Value.Count == 0).Select(kv => kv.Key).ToArray();
        if (unused.Length > 0)
            throw new InvalidOperationException($"The forward pass never reached layers {string.Join(", ", unused)}; their input means cannot be measured.");
        return new InputMeans(sums.ToDictionary(kv => kv.Key, kv => kv.Value.Means()));
    }
}
