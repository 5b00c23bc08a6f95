using System.CommandLine;
using BayesGen.Torch;
using Spectre.Console;
using TorchSharp;

namespace BayesGen.Samples.Commands;

/// <summary><c>info</c>: versions, the LibTorch backend, and the convolution check this machine passes or fails.</summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Show versions, devices and this machine's convolution backend decision (BAYESGEN_ONEDNN=auto|on|off).");
        command.SetAction(_ =>
        {
            var console = AnsiConsole.Console;
            LibTorchFixes.Apply();
            console.MarkupLine($"BayesGen {Markup.Escape(typeof(BayesianNetwork).Assembly.GetName().Version?.ToString() ?? "?")}, " +
                               $"TorchSharp {Markup.Escape(typeof(torch).Assembly.GetName().Version?.ToString() ?? "?")}, .NET {Environment.Version}");
            console.MarkupLine($"CPU threads: {torch.get_num_threads()}; CUDA available: {(torch.cuda.is_available() ? $"yes, {torch.cuda.device_count()} device(s)" : "no")}");
            console.WriteLine(LibTorchFixes.Decision ?? "oneDNN: not decided");
            if (LibTorchFixes.MeasuredDifference is double d)
                console.WriteLine($"convolution check: worst relative difference from float64 {d:G3} (tolerance {LibTorchFixes.Tolerance:G2})");
            return 0;
        });
        return command;
    }
}
