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
        Assert.Contains("| +0 | 2.0x | 9.00 → 9.50 | 15.00 → 16.00 | 1, 1 |", output);
        Assert.Contains("| +1 | 8.0x | 30.00 → 30.00 | not reached | 0, 1 |", output);
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
