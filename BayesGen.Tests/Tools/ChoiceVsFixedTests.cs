using System.Text.Json;
using BayesGen.Tests.Support;

namespace BayesGen.Tests.Tools;

/// <summary>
/// tools/sweeps/choice_vs_fixed.py, which RESULTS.md's comparison of measured choices with fixed settings comes from,
/// on hand-made sweeps whose differences are worked out here.
/// </summary>
public sealed class ChoiceVsFixedTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bayesgen-choice-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Sweep(string name, params (double Shift, double Compression, double Compressed)[] points)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, JsonSerializer.Serialize(points.Select(p => new Dictionary<string, double>
        {
            ["shift"] = p.Shift, ["compression_pruning"] = p.Compression, ["pruned_test_error_pct"] = p.Compressed, ["compressed_test_error_pct"] = p.Compressed,
        })));
        return path;
    }

    private static (int ExitCode, string Output) Compare(params string[] arguments)
        => PythonScript.RunTool(["tools", "sweeps", "choice_vs_fixed.py"], arguments);

    [Fact]
    public void Differences_from_the_lower_fixed_setting_are_the_hand_worked_ones()
    {
        // Shift 0: lower fixed 10, chosen 10 (at it). Shift 1: lower fixed 12, chosen 12.3 (0.3 above). Shift 2: lower
        // fixed 30, chosen 20 (10 below). Shift 3 is missing from one fixed sweep and is not compared.
        var chosen = Sweep("chosen.json", (0, 2, 10), (1, 4, 12.3), (2, 8, 20), (3, 16, 50));
        var mean = Sweep("mean.json", (0, 2, 10), (1, 4, 12), (2, 8, 40), (3, 16, 60));
        var none = Sweep("none.json", (0, 2, 11), (1, 4, 13), (2, 8, 30));
        var other = Sweep("other.json", (0, 2, 9.99));   // a second run, one point at 0.01 above its fixed setting
        var otherFixed = Sweep("other-fixed.json", (0, 2, 9.98));
        var (code, output) = Compare("--run", "a", chosen, mean, none, "--run", "b", other, otherFixed);
        Assert.True(code == 0, output);
        Assert.Contains("| a | 3 | 2 | 1 | 0.30 | -3.23 |", output);          // (0 + 0.3 − 10) / 3
        Assert.Contains("| b | 1 | 0 | 1 | 0.01 | +0.01 |", output);
        Assert.Contains("| **all** | 4 | 2 | 2 | 0.30 | -2.42 |", output);    // (0 + 0.3 − 10 + 0.01) / 4
        // Where it is above: run b at 2x by 0.01 (one fixed sweep, nothing apart), run a at 4x by 0.3 (fixed 12 and 13).
        Assert.Contains("above the lower fixed setting at (compression: points above, fixed settings apart): 2.0x: 0.01, 0.00, 4.0x: 0.30, 1.00", output);
    }

    [Fact]
    public void Sweeps_of_different_runs_and_sweeps_without_a_common_shift_are_refused_by_name()
    {
        var chosen = Sweep("chosen.json", (0, 2, 10));
        var (code, output) = Compare("--run", "a", chosen, Sweep("elsewhere.json", (0, 2.5, 10)));
        Assert.NotEqual(0, code);
        Assert.Contains("elsewhere.json compresses 2.5x", output);
        Assert.Contains("different runs", output);

        (code, output) = Compare("--run", "a", chosen, Sweep("shifted.json", (1, 2, 10)));
        Assert.NotEqual(0, code);
        Assert.Contains("no threshold shift is in every sweep", output);

        var broken = Path.Combine(dir, "broken.json");
        File.WriteAllText(broken, "{\"not\": \"a sweep\"}");
        (code, output) = Compare("--run", "a", chosen, broken);
        Assert.NotEqual(0, code);
        Assert.Contains("broken.json is not a sweep.json", output);
    }
}
