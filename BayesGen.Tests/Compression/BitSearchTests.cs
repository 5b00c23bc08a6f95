using BayesGen.Compression;

namespace BayesGen.Tests.Compression;

/// <summary>
/// The held-out bit search on hand-built error surfaces: each layer's rounding costs a set number of points for each
/// count of extra bits, and the "held-out error" is the unrounded error plus the layers' costs.
/// </summary>
public sealed class BitSearchTests
{
    private const double Unrounded = 2.0;

    /// <summary>The error with the given extra bits: <see cref="Unrounded"/> plus each layer's cost at its bits (the last entry beyond).</summary>
    private static Func<IReadOnlyDictionary<string, int>, double> Surface(Dictionary<string, double[]> costs, List<IReadOnlyDictionary<string, int>>? seen = null)
        => bits =>
        {
            seen?.Add(new Dictionary<string, int>(bits));
            return Unrounded + costs.Sum(kv => kv.Value[Math.Min(bits.GetValueOrDefault(kv.Key), kv.Value.Length - 1)]);
        };

    private static BitSearch.BitLayer[] Layers(params (string Name, long Weights)[] layers) => layers.Select(l => new BitSearch.BitLayer(l.Name, l.Weights)).ToArray();

    [Fact]
    public void Adds_bits_to_the_layer_whose_rounding_costs_until_the_error_is_within_the_target()
    {
        // fc1 rounded at one bit costs 1.2 points, 0.3 with one more bit, nothing with two; fc2's rounding costs nothing.
        var costs = new Dictionary<string, double[]> { ["fc1"] = [1.2, 0.3, 0.0], ["fc2"] = [0.0] };
        var result = BitSearch.AddWhereItHelps(Layers(("fc1", 1000), ("fc2", 50)), Surface(costs), Unrounded + 0.1);
        Assert.Equal(new Dictionary<string, int> { ["fc1"] = 2 }, result.ExtraBits);
        Assert.Equal(Unrounded + 1.2, result.StartPct, 9);
        Assert.Equal(Unrounded, result.ErrorPct, 9);
        Assert.Equal(new[] { ("fc1", 1), ("fc1", 2) }, result.Steps.Select(s => (s.Layer, s.ExtraBits)));
        Assert.Equal(1 + 2 + 2, result.Evaluations);   // the start, then both layers tried twice
    }

    [Fact]
    public void Within_the_target_it_adds_nothing_and_measures_once()
    {
        var seen = new List<IReadOnlyDictionary<string, int>>();
        var costs = new Dictionary<string, double[]> { ["fc1"] = [0.05, 0.0] };
        var result = BitSearch.AddWhereItHelps(Layers(("fc1", 10)), Surface(costs, seen), Unrounded + 0.1);
        Assert.Empty(result.ExtraBits);
        Assert.Single(seen);
        Assert.Equal(1, result.Evaluations);
    }

    [Fact]
    public void A_bit_that_does_not_lower_the_error_is_never_added()
    {
        // Rounding costs 0.5 points that no bit recovers (the pruning, not the rounding, would be at fault).
        var costs = new Dictionary<string, double[]> { ["fc1"] = [0.5], ["fc2"] = [0.0] };
        var result = BitSearch.AddWhereItHelps(Layers(("fc1", 10), ("fc2", 10)), Surface(costs), Unrounded + 0.1);
        Assert.Empty(result.ExtraBits);
        Assert.Equal(Unrounded + 0.5, result.ErrorPct, 9);
    }

    [Fact]
    public void Between_equal_gains_the_layer_that_stores_fewer_weights_gets_the_bit()
    {
        var costs = new Dictionary<string, double[]> { ["big"] = [0.4, 0.0], ["small"] = [0.4, 0.0] };
        var result = BitSearch.AddWhereItHelps(Layers(("big", 5000), ("small", 20)), Surface(costs), Unrounded + 0.5);
        Assert.Equal(new Dictionary<string, int> { ["small"] = 1 }, result.ExtraBits);
    }

    [Fact]
    public void No_layer_gets_more_than_the_cap()
    {
        // Every extra bit lowers the error a little, forever: the search stops at the cap.
        var costs = new Dictionary<string, double[]> { ["fc1"] = Enumerable.Range(0, 10).Select(b => 1.0 - 0.1 * b).ToArray() };
        var result = BitSearch.AddWhereItHelps(Layers(("fc1", 10)), Surface(costs), Unrounded);
        Assert.Equal(BitSearch.MaxExtraPerLayer, result.ExtraBits["fc1"]);
        Assert.Equal(Unrounded + 1.0 - 0.1 * BitSearch.MaxExtraPerLayer, result.ErrorPct, 9);
    }
}
