using BayesGen.Samples.Reporting;

namespace BayesGen.Tests.Samples;

/// <summary>Our error at each compression another sweep reaches: hand-worked curves and hostile files.</summary>
public sealed class SweepComparisonTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bayesgen-sweepcmp-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static readonly SweepPoint[] Ours = [new(8, 3.0), new(2, 1.0), new(1, 0.9), new(1, 0.8)];

    [Fact]
    public void Between_two_settings_the_error_is_interpolated_in_log_compression()
    {
        // 4x lies halfway between 2x and 8x on a log axis, so the error there is halfway between 1 % and 3 %.
        var c = Assert.Single(SweepComparison.Compare(Ours, [new SweepPoint(4, 2.5)]));
        Assert.Equal("interpolated", c.How);
        Assert.Equal(2.0, c.Ours!.Value, 12);
        Assert.True(c.AtOrBelow);
        // 2^(1/4) of the way from 2x: a quarter of the way from 1 % to 3 %.
        Assert.Equal(1.5, SweepComparison.Compare(Ours, [new SweepPoint(2 * Math.Pow(4, 0.25), 1.4)])[0].Ours!.Value, 12);
        Assert.False(SweepComparison.Compare(Ours, [new SweepPoint(2 * Math.Pow(4, 0.25), 1.4)])[0].AtOrBelow);
    }

    [Fact]
    public void A_compression_we_measured_takes_our_best_setting_there()
    {
        var c = SweepComparison.Compare(Ours, [new SweepPoint(1, 0.85), new SweepPoint(8, 3.0)]);
        Assert.Equal(("measured", 0.8), (c[0].How, c[0].Ours!.Value));   // two settings prune nothing: the better one counts
        Assert.True(c[0].AtOrBelow);
        Assert.True(c[1].AtOrBelow);   // equal error is at or below
    }

    [Fact]
    public void Beyond_our_range_the_comparison_says_what_it_did()
    {
        var mostly = new SweepPoint[] { new(3, 1.2), new(10, 2.0) };
        var c = SweepComparison.Compare(mostly, [new SweepPoint(1.5, 1.3), new SweepPoint(12, 9.0)]);
        Assert.Equal("more compressed (3.0x)", c[0].How);   // every setting of ours compresses more: our least compressed counts
        Assert.Equal(1.2, c[0].Ours);
        Assert.True(c[0].AtOrBelow);
        Assert.Equal("not reached", c[1].How);
        Assert.Null(c[1].Ours);
        Assert.False(c[1].AtOrBelow);   // a compression we never reach is not a win
        Assert.Throws<ArgumentException>(() => SweepComparison.Compare([], [new SweepPoint(2, 1)]));
    }

    [Fact]
    public void Pruned_errors_are_compared_too_where_both_sweeps_measured_them()
    {
        SweepPoint[] ours = [new(2, 1.2, 1.0), new(8, 3.0, 2.0)];
        var (compressed, pruned) = SweepComparison.CompareBoth(ours, [new SweepPoint(4, 1.9, 1.6), new SweepPoint(8, 3.5, 1.9)]);
        Assert.Equal([2.1, 3.0], compressed.Select(c => Math.Round(c.Ours!.Value, 9)));
        Assert.Equal([1.5, 2.0], pruned.Select(c => Math.Round(c.Ours!.Value, 9)));   // halfway from 1 % to 2 % at 4x
        Assert.Equal([false, true], compressed.Select(c => c.AtOrBelow));
        Assert.Equal([true, false], pruned.Select(c => c.AtOrBelow));
        // A curve without pruned errors (or with some missing) gives no pruned comparison.
        Assert.Empty(SweepComparison.CompareBoth(ours, [new SweepPoint(4, 1.9)]).Pruned);
        Assert.Empty(SweepComparison.CompareBoth(ours, [new SweepPoint(4, 1.9, 1.6), new SweepPoint(8, 3.5)]).Pruned);
        Assert.Empty(SweepComparison.CompareBoth([new SweepPoint(2, 1.2)], [new SweepPoint(4, 1.9, 1.6)]).Pruned);
    }

    [Fact]
    public void A_sweep_file_from_either_tool_is_read()
    {
        var path = Path.Combine(dir, "sweep.json");
        File.WriteAllText(path, """
            [ {"shift": -2, "compression_pruning": 1.0, "compression_precision": 5.1, "compressed_test_error_pct": 1.71},
              {"shift": 1, "kept_groups": "20-50-800-500", "compression_pruning": 15.2, "pruned_test_error_pct": 4.5, "compressed_test_error_pct": 5.02} ]
            """);
        Assert.Equal([new SweepPoint(1.0, 1.71), new SweepPoint(15.2, 5.02, 4.5)], SweepComparison.Read(path));
    }

    [Theory]
    [InlineData(null, "does not exist")]
    [InlineData("{ not json", "is not JSON")]
    [InlineData("{\"compression_pruning\": 2, \"compressed_test_error_pct\": 1}", "is not a sweep")]
    [InlineData("[]", "is not a sweep")]
    [InlineData("[{\"compression_pruning\": 2}]", "point 0: no number \"compressed_test_error_pct\"")]
    [InlineData("[{\"compression_pruning\": \"2\", \"compressed_test_error_pct\": 1}]", "no number \"compression_pruning\"")]
    [InlineData("[{\"compression_pruning\": 2, \"compressed_test_error_pct\": 1}, 7]", "point 1: no number")]
    [InlineData("[{\"compression_pruning\": 0.5, \"compressed_test_error_pct\": 1}]", "is below 1")]
    [InlineData("[{\"compression_pruning\": 2, \"compressed_test_error_pct\": 101}]", "is not a percentage")]
    [InlineData("[{\"compression_pruning\": 2, \"compressed_test_error_pct\": -0.5}]", "is not a percentage")]
    [InlineData("[{\"compression_pruning\": 1e999, \"compressed_test_error_pct\": 1}]", "no number")]
    [InlineData("", "empty or not a plain file")]
    [InlineData("[{\"compression_pruning\": 2, \"compressed_test_error_pct\": 1, \"pruned_test_error_pct\": 200}]", "pruned_test_error_pct 200 is not a percentage")]
    [InlineData("[{\"compression_pruning\": 2, \"compressed_test_error_pct\": 1, \"pruned_test_error_pct\": \"x\"}]", "no number \"pruned_test_error_pct\"")]
    public void A_file_that_is_not_a_sweep_is_refused_with_its_name_and_the_problem(string? text, string expected)
    {
        var path = Path.Combine(dir, "other.json");
        if (text is not null) File.WriteAllText(path, text);
        var e = Assert.Throws<ArgumentException>(() => SweepComparison.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("/dev/zero", "not a plain file")]   // reading it never ends
    [InlineData("/tmp", "is a directory")]
    public void A_device_or_a_directory_is_refused_before_it_is_read(string path, string expected)
        => Assert.Contains(expected, Assert.Throws<ArgumentException>(() => SweepComparison.Read(path)).Message);
}
