using BayesGen.Compression;
using BayesGen.Layers;

namespace BayesGen.Tests.Compression;

/// <summary>
/// The held-out threshold search on hand-built error surfaces whose right answer is known: which groups matter is
/// set by hand, the "held-out error" is computed from the groups a set of thresholds removes.
/// </summary>
public sealed class ThresholdSearchTests
{
    [Fact]
    public void Candidates_run_from_keeping_every_group_to_keeping_one()
    {
        Assert.Equal([4.0, 2.5, 1.5], ThresholdSearch.Candidates([3f, 1f, 2f, 2f], PruneDirection.Above));
        Assert.Equal([0.0, 1.5, 2.5], ThresholdSearch.Candidates([3f, 1f, 2f, 2f], PruneDirection.Below));
        Assert.Equal([6.0], ThresholdSearch.Candidates([5f, float.NaN], PruneDirection.Above));
        Assert.Empty(ThresholdSearch.Candidates([float.NaN], PruneDirection.Above));
    }

    /// <summary>
    /// Two layers whose statistic is log α (pruned above): groups below −3 carry signal and cost 0.5 points each when
    /// removed, groups above carry noise and cost nothing, except one noise group of fc1 that costs 0.05.
    /// </summary>
    [Fact]
    public void Stops_where_the_next_group_would_break_the_bound()
    {
        float[] fc1 = [-6f, -5.5f, -5f, -4f, -1f, 0f, 1f, 2f, 3f];   // 4 signal, 5 noise
        float[] fc2 = [-7f, -6f, 0.5f, 1.5f];                          // 2 signal, 2 noise
        var layers = new[] { new ThresholdSearch.LayerStatistic("fc1", fc1, PruneDirection.Above), new ThresholdSearch.LayerStatistic("fc2", fc2, PruneDirection.Above) };
        double Error(PruningThresholds t)
        {
            double e = 1.0;
            foreach (var (name, values) in new[] { ("fc1", fc1), ("fc2", fc2) })
            {
                Assert.True(t.TryGet(name, out var threshold));
                foreach (var v in values.Where(v => v >= threshold))
                    e += v < -3 ? 0.5 : name == "fc1" && v == -1f ? 0.05 : 0;
            }
            return e;
        }

        var loose = ThresholdSearch.WithinErrorIncrease(layers, Error, maxIncrease: 0.1);
        Assert.Equal([4L, 2L], loose.Layers.Select(l => l.KeptGroups));   // every noise group goes, the 0.05 one too
        Assert.Equal(1.05, loose.ErrorPct, 10);
        Assert.Equal(1.0, loose.BaseErrorPct);
        Assert.Equal(1.1, loose.BoundPct, 10);

        var strict = ThresholdSearch.WithinErrorIncrease(layers, Error, maxIncrease: 0.0);
        Assert.Equal([5L, 2L], strict.Layers.Select(l => l.KeptGroups));  // the 0.05 group stays
        Assert.Equal(1.0, strict.ErrorPct, 10);

        var generous = ThresholdSearch.WithinErrorIncrease(layers, Error, maxIncrease: 0.6);
        Assert.Equal(3L + 2L, generous.Layers.Sum(l => l.KeptGroups));   // one signal group may go, in either layer
        Assert.True(generous.ErrorPct <= 1.6 + 1e-12);

        // The chosen thresholds reproduce the kept counts through PruningThresholds.
        var t = loose.Thresholds();
        Assert.True(t.TryGet("fc1", out var fc1Threshold));
        Assert.Equal(4, fc1.Count(v => v < fc1Threshold));
    }

    /// <summary>
    /// Two layers whose groups all cost the same error, but a group of "wide" holds 100 weights and one of "narrow"
    /// 1: the budget goes to the wide layer, whichever layer comes first.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Spends_the_error_budget_where_it_removes_most_weights(bool wideFirst)
    {
        float[] values = [-1f, 0f, 1f, 2f, 3f, 4f, 5f, 6f];
        var wide = new ThresholdSearch.LayerStatistic("wide", values, PruneDirection.Above, GainPerGroup: 100);
        var narrow = new ThresholdSearch.LayerStatistic("narrow", values, PruneDirection.Above, GainPerGroup: 1);
        double Error(PruningThresholds t)
        {
            t.TryGet("wide", out var a);
            t.TryGet("narrow", out var b);
            return 1.0 + 0.1 * (values.Count(v => v >= a) + values.Count(v => v >= b));   // 0.1 points per group removed
        }
        var layers = wideFirst ? new[] { wide, narrow } : new[] { narrow, wide };
        var result = ThresholdSearch.WithinErrorIncrease(layers, Error, maxIncrease: 0.45);   // four groups in all
        var kept = result.Layers.ToDictionary(l => l.Layer, l => l.KeptGroups);
        Assert.Equal(4, kept["wide"]);
        Assert.Equal(8, kept["narrow"]);
    }

    /// <summary>
    /// The same two layers, where the groups' own weights mislead: a group of "wide" holds 100 weights in the dense layer
    /// but the network sheds 1 when it goes (its neighbours were pruned), one of "narrow" holds 1 and takes 100 from the
    /// next layer with it. Given the network's kept cost, the search counts what the network sheds and spends the budget
    /// on narrow; a move that sheds nothing and costs error ("idle") is never taken.
    /// </summary>
    [Fact]
    public void Given_the_networks_kept_cost_the_search_counts_what_the_network_sheds()
    {
        float[] values = [-1f, 0f, 1f, 2f, 3f, 4f, 5f, 6f];
        var wide = new ThresholdSearch.LayerStatistic("wide", values, PruneDirection.Above, GainPerGroup: 100);
        var narrow = new ThresholdSearch.LayerStatistic("narrow", values, PruneDirection.Above, GainPerGroup: 1);
        var idle = new ThresholdSearch.LayerStatistic("idle", values, PruneDirection.Above, GainPerGroup: 1000);
        int Removed(PruningThresholds t, string layer) { t.TryGet(layer, out var v); return values.Count(x => x >= v); }
        double Error(PruningThresholds t) => 1.0 + 0.1 * (Removed(t, "wide") + Removed(t, "narrow")) + 0.01 * Removed(t, "idle");
        long Kept(PruningThresholds t) => 10_000 - 1 * Removed(t, "wide") - 100 * Removed(t, "narrow");
        var layers = new[] { wide, narrow, idle };

        var byNetwork = ThresholdSearch.WithinErrorIncrease(layers, Error, maxIncrease: 0.45, keptCost: Kept).Layers.ToDictionary(l => l.Layer, l => l.KeptGroups);
        Assert.Equal((8, 4, 8), (byNetwork["wide"], byNetwork["narrow"], byNetwork["idle"]));
        // Without it, each group's own weights: the budget goes to idle (1,000 a group) and wide, and the network keeps
        // almost everything it could have shed.
        var byGroup = ThresholdSearch.WithinErrorIncrease(layers, Error, maxIncrease: 0.45).Layers.ToDictionary(l => l.Layer, l => l.KeptGroups);
        Assert.Equal(8, byGroup["narrow"]);
        Assert.True(byGroup["idle"] < 8 && byGroup["wide"] < 8, $"idle {byGroup["idle"]}, wide {byGroup["wide"]}");
        // The target form takes the same count.
        var targeted = ThresholdSearch.WithinError(layers, Error, targetPct: 1.45, keptCost: Kept).Layers.ToDictionary(l => l.Layer, l => l.KeptGroups);
        Assert.Equal(4, targeted["narrow"]);
    }

    [Fact]
    public void A_target_error_is_an_absolute_bound_and_one_below_the_unpruned_error_is_refused()
    {
        float[] values = [-6f, -5f, 0f, 1f, 2f];   // 2 signal groups (0.5 points each), 3 noise groups (0.1 each)
        var layers = new[] { new ThresholdSearch.LayerStatistic("fc1", values, PruneDirection.Above) };
        double Error(PruningThresholds t)
        {
            t.TryGet("fc1", out var threshold);
            return 2.0 + values.Where(v => v >= threshold).Sum(v => v < -3 ? 0.5 : 0.1);
        }
        var result = ThresholdSearch.WithinError(layers, Error, targetPct: 2.25);
        Assert.Equal(3L, result.Layers[0].KeptGroups);   // two noise groups fit under 2.25 %, the third does not
        Assert.Equal(2.25, result.BoundPct);
        Assert.Equal(2.2, result.ErrorPct, 10);
        var e = Assert.Throws<ArgumentException>(() => ThresholdSearch.WithinError(layers, Error, targetPct: 1.5));
        Assert.Contains("already errs on 2.00 %", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdSearch.WithinError(layers, Error, targetPct: double.NaN));
    }

    [Fact]
    public void Never_ends_above_the_bound_even_when_the_error_is_not_monotone()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 60).Select(_ => (float)(random.NextDouble() * 10 - 6)).ToArray();
        var layers = new[] { new ThresholdSearch.LayerStatistic("conv1", values, PruneDirection.Above) };
        var noise = new Dictionary<double, double>();
        double Error(PruningThresholds t)
        {
            t.TryGet("conv1", out var threshold);
            if (!noise.TryGetValue(threshold, out var e)) noise[threshold] = e = 2.0 + random.NextDouble();   // a jagged surface
            return e;
        }
        for (int trial = 0; trial < 20; trial++)
        {
            noise.Clear();
            var result = ThresholdSearch.WithinErrorIncrease(layers, Error, maxIncrease: 0.3);
            Assert.True(result.ErrorPct <= result.BoundPct, $"ended at {result.ErrorPct} above the bound {result.BoundPct}");
            Assert.InRange(result.Layers[0].KeptGroups, 1, 60);
        }
    }

    /// <summary>
    /// The progress a caller is told: one report per move, each within the bound and with no more groups than the one
    /// before, the evaluations counted so far, and the last one the search's answer.
    /// </summary>
    [Fact]
    public void Every_move_is_reported_and_the_last_report_is_the_answer()
    {
        float[] fc1 = [-6f, -5f, -4f, 0f, 0.5f, 1f, 1.5f, 2f, 2.5f, 3f, 3.5f, 4f];   // 3 signal, 9 noise
        float[] fc2 = [-6f, 1f, 2f, 3f, 4f];
        var layers = new[] { new ThresholdSearch.LayerStatistic("fc1", fc1, PruneDirection.Above), new ThresholdSearch.LayerStatistic("fc2", fc2, PruneDirection.Above) };
        double Error(PruningThresholds t)
        {
            t.TryGet("fc1", out var a);
            t.TryGet("fc2", out var b);
            return 1.0 + fc1.Where(v => v >= a).Sum(v => v < -3 ? 1.0 : 0.01) + fc2.Where(v => v >= b).Sum(v => v < -3 ? 1.0 : 0.01);
        }
        var reports = new List<ThresholdSearch.Progress>();
        var result = ThresholdSearch.WithinErrorIncrease(layers, Error, maxIncrease: 0.2, reports.Add);

        Assert.True(reports.Count >= 2, $"{reports.Count} reports");
        Assert.Equal(result.Layers.Select(l => l.KeptGroups), reports[^1].KeptGroups);
        Assert.Equal([3L, 1L], reports[^1].KeptGroups);   // every noise group goes: 13 of them cost 0.13 points
        for (int i = 0; i < reports.Count; i++)
        {
            Assert.True(reports[i].ErrorPct <= result.BoundPct, $"report {i}: {reports[i].ErrorPct} above {result.BoundPct}");
            Assert.Equal(result.BoundPct, reports[i].BoundPct);
            Assert.InRange(reports[i].Evaluations, 2, result.Evaluations);
            if (i == 0) continue;
            Assert.True(reports[i].Evaluations > reports[i - 1].Evaluations);
            Assert.True(reports[i].KeptGroups.Sum() < reports[i - 1].KeptGroups.Sum());   // a move removes at least one group
        }
    }

    [Fact]
    public void A_network_of_noise_keeps_one_group_per_layer()
    {
        var layers = new[]
        {
            new ThresholdSearch.LayerStatistic("a", [1f, 2f, 3f, 4f], PruneDirection.Above),
            new ThresholdSearch.LayerStatistic("b", [-1f, -2f, -3f], PruneDirection.Below),
        };
        var result = ThresholdSearch.WithinErrorIncrease(layers, _ => 5.0, maxIncrease: 0);
        Assert.Equal([1L, 1L], result.Layers.Select(l => l.KeptGroups));
        Assert.True(result.Evaluations <= 12, $"{result.Evaluations} evaluations for 7 groups");
    }

    [Fact]
    public void Bad_settings_are_refused()
    {
        var layers = new[] { new ThresholdSearch.LayerStatistic("a", [1f, 2f], PruneDirection.Above) };
        Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdSearch.WithinErrorIncrease(layers, _ => 1, -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdSearch.WithinErrorIncrease(layers, _ => 1, double.NaN));
        Assert.Throws<ArgumentException>(() => ThresholdSearch.WithinErrorIncrease([], _ => 1, 0.1));
        Assert.Throws<ArgumentException>(() => ThresholdSearch.WithinErrorIncrease([new("a", [float.NaN], PruneDirection.Above)], _ => 1, 0.1));
        Assert.Throws<InvalidOperationException>(() => ThresholdSearch.WithinErrorIncrease(layers, _ => double.NaN, 0.1));
    }
}
