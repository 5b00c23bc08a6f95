using System.Diagnostics;
using BayesGen.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Torch;

/// <summary>
/// The convolution backend decision: whatever it is, convolutions and their input gradients equal float64 in this
/// process; and in fresh processes (the setting is process-global) each BAYESGEN_ONEDNN choice does what it says.
/// </summary>
public class LibTorchFixesTests
{
    [Fact]
    public void Convolutions_on_the_decided_path_equal_the_float64_computation()
    {
        LibTorchFixes.Apply();
        Assert.NotNull(LibTorchFixes.Decision);
        Assert.True(LibTorchFixes.Check() <= LibTorchFixes.Tolerance, LibTorchFixes.Decision);
        // The shapes where oneDNN's padded blocked layout went wrong: channel counts that are not multiples of 16,
        // inputs with many exact zeros (after ReLU), tiny weights (exp(−9)), several first-time shapes.
        foreach (var (cin, cout) in new[] { (8, 12), (20, 50), (3, 7), (12, 16) })
        {
            using var scope = NewDisposeScope();
            var weight = full(new long[] { cout, cin, 3, 3 }, -9.0).exp();
            var x = nn.functional.relu(randn(32, cin, 14, 14));
            var single = x.clone().requires_grad_();
            nn.functional.conv2d(single.square(), weight, null, padding: new long[] { 1, 1 }).sum().backward();
            var reference = x.to(ScalarType.Float64).requires_grad_();
            nn.functional.conv2d(reference.square(), weight.to(ScalarType.Float64), null, padding: new long[] { 1, 1 }).sum().backward();
            Assert.Equal(0, single.grad!.isnan().sum().item<long>());
            double difference = (single.grad!.to(ScalarType.Float64) - reference.grad!).abs().max().item<double>();
            Assert.True(difference < 1e-6, $"{cin}→{cout}: the float32 input gradient differs from float64 by {difference} ({LibTorchFixes.Decision})");
        }
    }

    [Fact]
    public void A_broken_convolution_is_named_as_broken_not_as_a_number()
    {
        // A CI machine's oneDNN returned NaN: the check measures that as an infinite difference.
        Assert.Equal("gave NaN or infinity where float64 gave finite values", LibTorchFixes.Disagreement(double.PositiveInfinity));
        Assert.Equal("gave NaN or infinity where float64 gave finite values", LibTorchFixes.Disagreement(double.NaN));
        Assert.Equal("differed from float64 by 2.08 (relative)", LibTorchFixes.Disagreement(2.08));
    }

    [Theory]
    [InlineData("off", "oneDNN: off (BAYESGEN_ONEDNN=off).")]
    [InlineData("on", "not checked (BAYESGEN_ONEDNN=on)")]
    [InlineData("auto", "its float32 convolutions")]
    public void Each_choice_does_what_it_says_in_a_fresh_process(string choice, string expected)
    {
        var output = Info(choice);
        Assert.Contains(expected, output);
        if (choice == "auto")
        {
            // Kept only when it agreed; switched off only when it did not.
            Assert.Matches(@"oneDNN: (on; its float32 convolutions agreed with float64 within|off; its float32 convolutions (differed from float64 by|gave NaN or infinity))", output);
            var measured = System.Text.RegularExpressions.Regex.Match(output, @"worst relative difference from float64 ([0-9.E+-]+|Infinity)");
            Assert.True(measured.Success, output);
            double difference = double.Parse(measured.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(difference <= LibTorchFixes.Tolerance, output.Contains("oneDNN: on;"));
        }
    }

    /// <summary>Runs `bayesgen info` in its own process with BAYESGEN_ONEDNN set.</summary>
    private static string Info(string choice)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(BayesGen.Samples.Commands.InfoCommand).Assembly.Location);
        start.ArgumentList.Add("info");
        start.Environment["BAYESGEN_ONEDNN"] = choice;
        start.Environment.Remove("BAYESGEN_KEEP_ONEDNN");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(120_000), "bayesgen info did not finish in two minutes");
        Assert.True(process.ExitCode == 0, output.Result + error.Result);
        return output.Result;
    }
}
