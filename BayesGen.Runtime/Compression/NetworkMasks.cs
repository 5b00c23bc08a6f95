
namespace BayesGen.Compression;

/// <summary>
/// The masks of every Bayesian layer of a network (by layer path, in data-flow order) and of every BatchNorm,
/// with the channel analysis they came from (see <c>NetworkPruning.ComputeMasks</c>).
/// </summary>
public sealed class NetworkMasks : IDisposable
{
    private readonly List<(string Name, LayerMasks Masks)> layers = new();
    private readonly Dictionary<string, bool[]> norms = new(StringComparer.Ordinal);

    /// <summary>Adds the masks of the next layer.</summary>
    public void Add(string name, LayerMasks masks)
    {
        if (layers.Any(l => l.Name == name)) throw new ArgumentException($"Layer '{name}' already has masks.", nameof(name));
        layers.Add((name, masks));
    }

    /// <summary>The masks of one layer.</summary>
    public LayerMasks this[string name]
        => layers.FirstOrDefault(l => l.Name == name).Masks
           ?? throw new KeyNotFoundException($"No layer named '{name}'; the layers are {string.Join(", ", Names)}.");

    /// <summary>The layer names in data-flow order.</summary>
    public IEnumerable<string> Names => layers.Select(l => l.Name);

    /// <summary>Layer names with their masks, in data-flow order.</summary>
    public IReadOnlyList<(string Name, LayerMasks Masks)> Layers => layers;

    /// <summary>The channels each BatchNorm keeps (by path); a BatchNorm not listed keeps all.</summary>
    public IReadOnlyDictionary<string, bool[]> Norms => norms;

    /// <summary>The channel analysis these masks came from, or null for masks put together by hand.</summary>
    public ChannelSpaces? Spaces { get; internal set; }

    /// <summary>Sets the kept channels of a BatchNorm.</summary>
    public void SetNorm(string name, bool[] kept) => norms[name] = kept;

    /// <summary>Frees every mask.</summary>
    public void Dispose()
    {
        foreach (var (_, m) in layers) m.Dispose();
        layers.Clear();
    }
}
