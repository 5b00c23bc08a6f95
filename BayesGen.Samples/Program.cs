using System.CommandLine;
using BayesGen.Samples.Commands;
using Spectre.Console;

// Written to a file or a pipe, lines are not wrapped at 80 columns.
if (!AnsiConsole.Profile.Capabilities.Interactive) AnsiConsole.Profile.Width = 200;

var root = new RootCommand("bayesgen: Bayesian compression (Louizos, Ullrich & Welling 2017) for TorchSharp networks.");
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(CompressCommand.Create());
root.Subcommands.Add(ImportCommand.Create());
root.Subcommands.Add(ArtifactCommands.Evaluate());
root.Subcommands.Add(ArtifactCommands.ExportOnnx());
root.Subcommands.Add(ArtifactCommands.ExportPyTorch());
root.Subcommands.Add(ArtifactCommands.Inspect());
root.Subcommands.Add(SweepCommand.Create());
root.Subcommands.Add(PlotCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(InfoCommand.Create());

try
{
    // Parsing runs the options' validators: one that fails unexpectedly is reported as a defect, not left unhandled.
    var parse = root.Parse(args);
    if (parse.Errors.Count > 0) return ErrorPolicy.ReportParseErrors(parse);
    return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e)
{
    return ErrorPolicy.Report(e);
}
