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
        var device = new DeviceOption();
        device.AddTo(command);
        command.SetAction(parse =>
        {
            var console = AnsiConsole.Console;
            var chosen = device.Resolve(parse);
            LibTorchFixes.Apply();
            console.MarkupLine($"BayesGen {Markup.Escape(typeof(BayesianNetwork).Assembly.GetName().Version?.ToString() ?? "?")}, " +
                               $"TorchSharp {Markup.Escape(typeof(torch).Assembly.GetName().Version?.ToString() ?? "?")}, .NET {Environment.Version}");
            bool cuda = Training.Devices.CudaAvailable();
            console.MarkupLine($"CPU threads: {torch.get_num_threads()}; CUDA available: {(cuda ? $"yes, {torch.cuda.device_count()} device(s)" : "no")}; --device {Markup.Escape(parse.GetValue(device.Option)!)} computes on {chosen}");
            console.WriteLine(LibTorchFixes.Decision ?? "oneDNN: not decided");
            if (LibTorchFixes.MeasuredDifference is double d)
                console.WriteLine($"convolution check: worst relative difference from float64 {d:G3} (tolerance {LibTorchFixes.Tolerance:G2})");
            return 0;
        });
        return command;
    }
}
