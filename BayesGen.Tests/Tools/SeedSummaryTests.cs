using System.Text.Json;
using BayesGen.Tests.Support;

namespace BayesGen.Tests.Tools;

/// <summary>
/// tools/reference/seed_summary.py, which RESULTS.md's several-seed tables come from, on hand-made runs whose means
/// and interpolated errors are worked out here.
/// </summary>
public sealed class SeedSummaryTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bayesgen-seeds-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Csv(string name, params double[] errors)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllLines(path, new[] { "epoch,loss,test_error_pct" }.Concat(errors.Select((e, i) => $"{i + 1},0.5,{e}")));
        return path;
    }

    private string Sweep(string name, params (double Shift, double Compression, double Pruned, double Compressed)[] points)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, JsonSerializer.Serialize(points.Select(p => new Dictionary<string, double>
        {
            ["shift"] = p.Shift, ["compression_pruning"] = p.Compression, ["pruned_test_error_pct"] = p.Pruned, ["compressed_test_error_pct"] = p.Compressed,
        })));
        return path;
    }

    private static (int ExitCode, string Output) Summarise(params string[] arguments)
        => PythonScript.RunTool(["tools", "reference", "seed_summary.py"], arguments);   // its own command line, as RESULTS.md runs it

    [Fact]
    public void Means_and_interpolated_errors_are_the_hand_worked_ones()
    {
        var a = Csv("a.csv", 10, 11, 12, 13, 14, 15);      // last 15, last five 13
        var b = Csv("b.csv", 9, 9, 9, 9, 9, 10);           // last 10, last five 9.2
        var reference = Csv("r.csv", 12, 12, 12, 12, 12, 12);
        var ours = Sweep("ours.json", (0, 1, 10, 11), (1, 4, 20, 21));
        var theirs = Sweep("theirs.json", (0, 2, 9, 9.5), (1, 8, 30, 30));
        var (code, output) = Summarise("--ours", a, b, "--theirs", reference, "--our-sweeps", ours, "--their-sweeps", theirs);
        Assert.True(code == 0, output);
        Assert.Contains("| **BayesGen, mean of 2** | **12.50** | **11.10** |", output);
        Assert.Contains("| **reference, mean of 1** | **12.00** | **12.00** |", output);
        Assert.Contains("| difference | +0.50 | -0.90 |", output);
        // 2x lies halfway between 1x and 4x in log compression: 15 pruned, 16 compressed; 8x is beyond our curve.
        // One run a side: every resample is the run itself, so the interval is the difference alone.
        Assert.Contains("| +0 | 2.0x | 9.00 → 9.50 | 15.00 → 16.00 | +6.50 [+6.50, +6.50] | 1, 1 |", output);
        Assert.Contains("| +1 | 8.0x | 30.00 → 30.00 | not reached |  | 0, 1 |", output);
    }

    [Fact]
    public void The_interval_spans_what_resampling_the_seeds_can_give()
    {
        // Ours 10 and 12 against 11: a resample of ours averages 10 (a quarter of the time), 11 (half) or 12 (a quarter),
        // so the differences are -1, 0 and +1 and the 95 % interval is [-1, +1], holding 0: the seeds cannot tell.
        var (code, output) = Summarise("--ours", Csv("a.csv", 10), Csv("b.csv", 12), "--theirs", Csv("r.csv", 11));
        Assert.True(code == 0, output);
        Assert.Contains("| difference | +0.00 | +0.00 |", output);
        Assert.Contains("| difference, 95 % interval | [-1.00, +1.00] | [-1.00, +1.00] |", output);

        // Runs that agree within themselves and differ between the groups: the interval is the difference, away from 0.
        (code, output) = Summarise("--ours", Csv("a.csv", 10), Csv("b.csv", 10), "--theirs", Csv("r.csv", 11), Csv("s.csv", 11));
        Assert.True(code == 0, output);
        Assert.Contains("| difference, 95 % interval | [-1.00, -1.00] | [-1.00, -1.00] |", output);
    }

    [Fact]
    public void Paired_sweeps_compare_each_network_with_itself()
    {
        // Two networks, each compressed by both sides at the same compressions: differences -0.2 and +0.1 at shift 0
        // (mean -0.05; resampling two networks gives -0.2, -0.05 or +0.1), none at shift 1 (exactly 0).
        var ours1 = Sweep("o1.json", (0, 2, 10, 10.8), (1, 4, 12, 12.5));
        var ours2 = Sweep("o2.json", (0, 3, 11, 11.1), (1, 6, 13, 13.5));
        var theirs1 = Sweep("t1.json", (0, 2, 10, 11.0), (1, 4, 12, 12.5));
        var theirs2 = Sweep("t2.json", (0, 3, 11, 11.0), (1, 6, 13, 13.5));
        var (code, output) = Summarise("--paired", "--our-sweeps", ours1, ours2, "--their-sweeps", theirs1, theirs2);
        Assert.True(code == 0, output);
        Assert.Contains("| +0 | 2.4x | 10.50 → 11.00 | 10.50 → 10.95 | -0.05 [-0.20, +0.10] | 2 |", output);   // √(2·3) = 2.45
        Assert.Contains("| +1 | 4.9x | 12.50 → 13.00 | 12.50 → 13.00 | +0.00 [+0.00, +0.00] | 2 |", output);

        // Another network's sweep (other groups removed, so another compression) is not a pair.
        var other = Sweep("other.json", (0, 2.5, 10, 10.8), (1, 4, 12, 12.5));
        (code, output) = Summarise("--paired", "--our-sweeps", other, ours2, "--their-sweeps", theirs1, theirs2);
        Assert.NotEqual(0, code);
        Assert.Contains("network 1, shift +0: compression 2.5000x against 2.0000x: not the same groups removed", output);
        (code, output) = Summarise("--paired", "--our-sweeps", ours1, "--their-sweeps", theirs1, theirs2);
        Assert.NotEqual(0, code);
        Assert.Contains("one BayesGen sweep per reference sweep: 1 against 2", output);
    }

    [Fact]
    public void Runs_of_other_lengths_and_files_without_errors_are_refused_by_name()
    {
        var (code, output) = Summarise("--ours", Csv("a.csv", 10, 11), "--theirs", Csv("r.csv", 12, 12, 12));
        Assert.NotEqual(0, code);
        Assert.Contains("different numbers of epochs: [2, 3]", output);

        var wrong = Path.Combine(dir, "wrong.csv");
        File.WriteAllText(wrong, "epoch,loss\n1,0.5\n");
        (code, output) = Summarise("--ours", wrong, "--theirs", Csv("r.csv", 12));
        Assert.NotEqual(0, code);
        Assert.Contains("wrong.csv: not a training CSV with a test_error_pct column", output);
    }
}
