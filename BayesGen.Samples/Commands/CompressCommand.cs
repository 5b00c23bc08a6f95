using BayesGen.Priors;
using TorchSharp;
using System.CommandLine;
using BayesGen.Compression;
using BayesGen.Samples.Reporting;
using BayesGen.Samples.Console;
using BayesGen.Samples.Models;
using BayesGen.Training;
using Spectre.Console;

namespace BayesGen.Samples.Commands;

/// <summary>
/// <c>bayesgen compress</c>: prunes and compresses a trained run again, with other thresholds or quantisation,
/// without retraining. Shows the pruning statistic's histogram per layer, rewrites the artifact and the
/// report's compression fields.
/// </summary>
public static class CompressCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var model = new ModelOptions();
        var device = new DeviceOption();
        var run = new Option<DirectoryInfo>("--run") { Description = "The run directory (holds checkpoint.bgck and report.json).", Required = true };
        var histogram = new Option<bool>("--histogram") { Description = "Show each layer's histogram bin by bin instead of one line per layer." };
        var statistic = new Option<string?>("--statistic") { Description = "Horseshoe pruning statistic: mean-log-scale (E[log z], pruned below) or noise-to-signal (log(e^v - 1), pruned above)." };
        statistic.AcceptOnlyFromAmong("mean-log-scale", "noise-to-signal");
        var extraBits = new Option<int>("--extra-bits") { Description = "Bits added to every layer's significand bits (0: exactly what the posterior variances ask for).", DefaultValueFactory = _ => 0 };
        extraBits.Must(v => v is >= 0 and <= 16, "--extra-bits must lie between 0 and 16.");
        var command = new Command("compress", "Re-threshold and compress a trained run without retraining.");
        command.Options.Add(run);
        model.AddPruningTo(command);
        model.AddThresholdChoiceTo(command);
        command.Options.Add(extraBits);
        command.Options.Add(statistic);
        command.Options.Add(histogram);
        data.AddTo(command);
        device.AddTo(command);
        command.SetAction(parse =>
        {
            var console = AnsiConsole.Console;
            var dir = parse.GetValue(run)!.FullName;
            var (entry, previous) = RunFiles.Open(dir);
            bool heldOutRun = previous is { Holdout: > 0 };
            var goal = model.Goal(parse, heldOutRun);   // a held-out run is chosen again as train chose it
            if (goal is not null && !heldOutRun) throw HeldOutThresholds.NothingHeldOut(goal);
            var (loaded, test, _) = data.Load(parse, System.Console.Out, entry);
            using var _2 = test;
            // A run trained with --holdout trained on the rest: input means (compensation) come from those images.
            var (train, heldOut) = heldOutRun ? HeldOutThresholds.Rebuild(previous!, loaded) : (loaded, null);
            if (!ReferenceEquals(train, loaded)) loaded.Dispose();
            using var _1 = train;
            using var _3 = heldOut;
            using var plain = entry.CreatePlain();
            using var bayesian = entry.CreateBayesian(plain, BayesianOptions.Default);
            var state = Checkpoint.LoadModel(RunFiles.Checkpoint(dir), bayesian);
            bayesian.to(device.Resolve(parse));
            console.MarkupLine($"[bold]{Markup.Escape(entry.Description)}[/], trained {state.EpochsDone} epochs");

            if (parse.GetValue(statistic) is string statisticName)
            {
                foreach (var (_, layer) in bayesian.BayesianLayers)
                    if (layer.Scale is BayesGen.Layers.HorseshoeScale hs)
                        hs.Statistic = statisticName == "noise-to-signal" ? HorseshoeStatistic.LogNoiseToSignal : HorseshoeStatistic.MeanLogScale;
            }
            var chosen = MeasuredChoices.Decide(console, parse, model, bayesian, train, heldOut, previous?.Seed ?? 1,
                model.ParsedThresholds(parse, bayesian), goal, parse.GetValue(extraBits));
            var thresholds = chosen.Thresholds;
            var histograms = StatisticHistogram.Of(bayesian, thresholds);
            if (parse.GetValue(histogram)) foreach (var h in histograms) HistogramView.Bars(console, h);
            else HistogramView.Sparklines(console, histograms);

            double testError = previous?.TestErrorPct ?? Evaluation.ErrorPercent(bayesian, test);
            var outcome = CompressionStep.Run(bayesian, entry, test, thresholds, model.Mode(parse), dir,
                chosen.Means, parse.GetValue(extraBits), model.MaskRules(parse), chosen.ExtraBits);
            CompressionStep.Print(console, outcome, testError);
            if (previous is not null)
            {
                var updated = CompressionStep.WithOutcome(CompressionStep.WithChoices(previous, chosen, model, parse), outcome) with
                {
                    ExtraSignificandBits = parse.GetValue(extraBits),
                };
                updated.Save(RunFiles.Report(dir));
                console.MarkupLine($"report updated: {Markup.Escape(RunFiles.Report(dir))}");
            }
            return 0;
        });
        return command;
    }
}

/// <summary>The files of a run directory.</summary>
public static class RunFiles
{
    public static string Checkpoint(string dir) => Path.Combine(dir, "checkpoint.bgck");

    public static string Report(string dir) => Path.Combine(dir, "report.json");

    public static string Artifact(string dir) => Path.Combine(dir, "model.bgc");

    /// <summary>The model of a run (from its report.json) and the report; a clear error when the directory is not a run.</summary>
    public static (ModelEntry Entry, RunReport? Report) Open(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"The run directory '{dir}' does not exist.");
        if (!File.Exists(Checkpoint(dir))) throw new FileNotFoundException($"'{dir}' has no checkpoint.bgck; train into it first (bayesgen train --out {dir}).");
        if (!File.Exists(Report(dir))) throw new FileNotFoundException($"'{dir}' has no report.json, which names the model and prior; train into it first.");
        var report = RunReport.Load(Report(dir));
        return (ModelCatalog.Find(report.Model, report.Prior), report);
    }
}
