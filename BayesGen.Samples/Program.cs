using System.CommandLine;
using BayesGen.Data;
using BayesGen.Samples.Commands;
using BayesGen.Training;
using Spectre.Console;

// Written to a file or a pipe, lines are not wrapped at 80 columns.
if (!AnsiConsole.Profile.Capabilities.Interactive) AnsiConsole.Profile.Width = 200;

var root = new RootCommand("bayesgen: Bayesian compression (Louizos, Ullrich & Welling 2017) for TorchSharp networks.");
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(CompressCommand.Create());
root.Subcommands.Add(ArtifactCommands.Evaluate());
root.Subcommands.Add(ArtifactCommands.ExportOnnx());
root.Subcommands.Add(ArtifactCommands.Inspect());
root.Subcommands.Add(SweepCommand.Create());
root.Subcommands.Add(PlotCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(InfoCommand.Create());

try
{
    return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is DatasetNotFoundException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or TrainingDivergedException or ArgumentException or NotSupportedException or InvalidOperationException)
{
    // Expected failures (missing data, a damaged file, bad settings): the message says what and how to fix it.
    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
    return 2;
}
