using BayesGen.Compression;
using BayesGen.Layers;

namespace BayesGen.Tests.Compression;

public class ThresholdSelectionTests
{
    private static float[] Cluster(Random random, int count, double centre, double spread)
        => Enumerable.Range(0, count).Select(_ => (float)(centre + spread * (random.NextDouble() * 2 - 1))).ToArray();

    [Fact]
    public void A_bimodal_histogram_gets_a_threshold_in_its_gap()
    {
        var random = new Random(1);
        // Kept groups around log α = −7, pruned ones around +2 (the shape GNJ training produces).
        var values = Cluster(random, 200, -7, 1.5).Concat(Cluster(random, 80, 2, 1.5)).ToArray();
        var t = ThresholdSelection.HistogramGap(values);
        Assert.NotNull(t);
        Assert.InRange(t!.Value, -5.5, 0.5);
        Assert.Equal(200, values.Count(v => v < t));
    }

    [Fact]
    public void Unequal_clusters_and_outliers_still_split_at_the_gap()
    {
        var random = new Random(2);
        var values = Cluster(random, 700, -1, 0.6).Concat(Cluster(random, 30, -9, 0.5)).Concat(new[] { 3.0f }).ToArray();
        var t = ThresholdSelection.HistogramGap(values);
        Assert.NotNull(t);
        Assert.InRange(t!.Value, -8.5, -1.6);
        Assert.Equal(30, values.Count(v => v < t));
    }

    [Fact]
    public void A_unimodal_histogram_has_no_gap()
    {
        var random = new Random(3);
        var values = Enumerable.Range(0, 500).Select(_ => (float)(random.NextDouble() + random.NextDouble() + random.NextDouble())).ToArray();
        Assert.Null(ThresholdSelection.HistogramGap(values));
        Assert.Null(ThresholdSelection.HistogramGap(new float[] { 1, 1, 1, 1, 1 }));
        Assert.Null(ThresholdSelection.HistogramGap(new float[] { 1, 2 }));
    }

    [Fact]
    public void Keep_all_lies_past_the_extreme_on_the_pruned_side()
    {
        var values = new float[] { -3, 0, 2 };
        Assert.Equal(3.0, ThresholdSelection.KeepAll(values, PruneDirection.Above));
        Assert.Equal(-4.0, ThresholdSelection.KeepAll(values, PruneDirection.Below));
    }

    [Fact]
    public void Threshold_overrides_parse_and_report_bad_parts()
    {
        var t = PruningThresholds.Parse("fc1=-3, fc2=auto,conv1=1.5e0");
        Assert.True(t.TryGet("fc1", out var a) && a == -3);
        Assert.True(t.TryGet("fc2", out var b) && double.IsNaN(b));
        Assert.True(t.TryGet("conv1", out var c) && c == 1.5);
        Assert.Contains("layer=value", Assert.Throws<FormatException>(() => PruningThresholds.Parse("fc1")).Message);
        Assert.Contains("'x'", Assert.Throws<FormatException>(() => PruningThresholds.Parse("fc1=x")).Message);
        Assert.Contains("not a finite number", Assert.Throws<FormatException>(() => PruningThresholds.Parse("fc1=Infinity")).Message);
    }

    [Fact]
    public void A_threshold_for_every_layer_applies_where_no_layer_is_named()
    {
        var t = PruningThresholds.Parse("*=-5,fc2=-2");
        Assert.True(t.TryGet("fc1", out var fc1));
        Assert.Equal(-5, fc1);
        Assert.True(t.TryGet("fc2", out var fc2));
        Assert.Equal(-2, fc2);
        Assert.Equal(new[] { "fc2" }, t.Layers);                // "*" names no layer, so none is unknown
        Assert.False(PruningThresholds.Parse("fc2=-2").TryGet("fc1", out _));
        Assert.True(double.IsNaN(PruningThresholds.Parse("*=auto").EveryLayer!.Value));
        Assert.Contains("'x'", Assert.Throws<FormatException>(() => PruningThresholds.Parse("*=x")).Message);
    }
}
