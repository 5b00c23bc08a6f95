using BayesGen.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Support;

/// <summary>Set-up shared by the tests that build generated Bayesian models and prune chosen groups.</summary>
internal static class BayesianSetup
{
    /// <summary>A boolean mask as 0s and 1s, for comparing masks unit by unit.</summary>
    public static int[] Bits(Tensor mask) => mask.data<bool>().ToArray().Select(b => b ? 1 : 0).ToArray();

    /// <summary>Options whose initialisation draws from a generator seeded with <paramref name="seed"/>.</summary>
    public static BayesianOptions Seeded(ulong seed) => new() { InitGenerator = new torch.Generator(seed) };

    /// <summary>
    /// Spreads every layer's group statistics (a fresh network's are all equal) by adding N(0, 0.5²) noise, drawn from a
    /// generator seeded with <paramref name="seed"/> for each parameter, to the scale parameters: thresholds between the
    /// statistics then pick groups one by one.
    /// </summary>
    public static void SpreadStatistics(BayesianNetwork network, ulong seed)
    {
        using var _ = no_grad();
        foreach (var (_, layer) in network.BayesianLayers)
            foreach (var p in layer.Scale.parameters()) p.add_(randn(p.shape, generator: new torch.Generator(seed)) * 0.5);
    }

    /// <summary>Makes groups of a GNJ layer noise (log α = 5, E[z] = 1), so they are pruned at the default −3.</summary>
    public static void PruneGnj(BayesianLayer layer, params int[] groups)
    {
        var scale = (GroupNJScale)layer.Scale;
        using var _ = no_grad();
        foreach (var g in groups)
        {
            scale.MeanParameter[g] = 1.0f;
            scale.LogVarianceParameter[g] = 5.0f;
        }
    }
}
