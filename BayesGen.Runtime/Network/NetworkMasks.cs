using BayesGen.Compression;

namespace BayesGen;

/// <summary>The masks of every Bayesian layer of a network, by layer (field) name, in data-flow order.</summary>
public sealed class NetworkMasks : IDisposable
{
    private readonly List<(string Name, LayerMasks Masks)> layers = new();

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

    /// <summary>Frees every mask.</summary>
    public void Dispose()
    {
        foreach (var (_, m) in layers) m.Dispose();
        layers.Clear();
    }
}
