using System.CommandLine;
using BayesGen.Training;
using TorchSharp;

namespace BayesGen.Samples.Commands;

/// <summary><c>--device cpu|cuda|cuda:N|auto</c>, shared by the commands that compute.</summary>
public sealed class DeviceOption
{
    public Option<string> Option { get; } = new("--device")
    {
        Description = "Where to compute: cpu, cuda, cuda:N, or auto (the first GPU when this build and machine have CUDA, else the CPU).",
        DefaultValueFactory = _ => "auto",
    };

    public void AddTo(Command command) => command.Options.Add(Option);

    /// <summary>The device asked for; a clear error (exit 2) when it cannot be used.</summary>
    public torch.Device Resolve(ParseResult parse) => Devices.Resolve(parse.GetValue(Option)!);
}
