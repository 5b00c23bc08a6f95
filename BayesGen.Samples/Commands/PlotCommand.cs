using System.CommandLine;
using BayesGen.Compression;
using BayesGen.Samples.Plots;
using Spectre.Console;

namespace BayesGen.Samples.Commands;

/// <summary><c>bayesgen plot</c>: the pictures of a trained run, as PNG files.</summary>
public static class PlotCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var model = new ModelOptions();
        var run = new Option<DirectoryInfo>("--run") { Description = "The run directory.", Required = true };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Where the pictures go (default: <run>/pictures)." };
        var command = new Command("plot", "Draw a run's training curves, statistic histograms, weight maps and input importance (PNG).");
        command.Options.Add(run);
        command.Options.Add(output);
        model.AddPruningTo(command);
        data.AddTo(command);
        command.SetAction(parse =>
        {
            using var ctx = RunContext.Open(parse.GetValue(run)!.FullName, data, parse);
            var dir = parse.GetValue(output)?.FullName ?? Path.Combine(ctx.Directory, "pictures");
            var thresholds = model.ParsedThresholds(parse, ctx.Model);
            var written = new List<string>();
            void Save(Figure figure, string name)
            {
                var path = Path.Combine(dir, name);
                using (figure) figure.Save(path);
                written.Add(path);
            }
            if (ctx.Report.History is { Count: > 0 }) Save(RunPictures.TrainingCurves(ctx.Report), "training-curves.png");
            Save(RunPictures.Histograms(StatisticHistogram.Of(ctx.Model, thresholds), ctx.Entry.Name), "histograms.png");
            using var masks = ctx.Model.ComputeMasks(thresholds, model.MaskRules(parse));
            foreach (var (name, layer) in ctx.Model.BayesianLayers)
                Save(RunPictures.Weights(layer, masks[name], $"{ctx.Entry.Name} {name}"), $"weights-{name}.png");
            ctx.Model.ApplyMasks(masks);
            Save(RunPictures.InputImportance(ctx.Model, masks[ctx.Model.BayesianLayers[0].Name], ctx.Test), "input-importance.png");
            ctx.Model.ClearMasks();
            foreach (var path in written) AnsiConsole.MarkupLine($"wrote {Markup.Escape(path)}");
            return 0;
        });
        return command;
    }
}
