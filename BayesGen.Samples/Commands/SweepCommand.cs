using System.CommandLine;
using System.Text.Json;
using BayesGen.Compression;
using BayesGen.Layers;
using BayesGen.Samples.Reporting;
using BayesGen.Samples.Console;
using BayesGen.Samples.Plots;
using BayesGen.Training;
using Spectre.Console;

namespace BayesGen.Samples.Commands;

/// <summary>
/// <c>bayesgen sweep</c>: the error/compression trade-off. Without retraining, every layer's threshold is shifted
/// together over a range (towards pruning more, or less) and each setting is pruned, quantised and evaluated.
/// With <c>--tau0</c>, horseshoe networks are retrained for each global scale.
/// </summary>
public static class SweepCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var model = new ModelOptions();
        var run = new Option<DirectoryInfo?>("--run") { Description = "The trained run whose thresholds are swept." };
        var shifts = new Option<string>("--shifts") { Description = "Threshold shifts in units of the statistic (positive prunes more).", DefaultValueFactory = _ => "-2,-1,-0.5,0,0.5,1,2,3,4" };
        var tau0 = new Option<string?>("--tau0") { Description = "Retrain a horseshoe network for each of these global scales, e.g. 1e-6,1e-5,1e-4 (needs --model, --epochs)." };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per tau0 when retraining.", DefaultValueFactory = _ => 10 };
        var against = new Option<FileInfo?>("--against") { Description = "Another sweep (sweep.json, or train_reference.py --sweep): our error at each compression it reaches." };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Where sweep.json and sweep.png go (default: the run directory, or runs/sweep-<model>)." };
        var command = new Command("sweep", "Error against compression: a threshold sweep without retraining, or a tau0 grid with retraining.");
        command.Options.Add(run);
        command.Options.Add(shifts);
        command.Options.Add(tau0);
        model.AddModelTo(command);
        command.Options.Add(epochs.AtLeast(1));
        command.Options.Add(against);
        command.Options.Add(output);
        model.AddPruningTo(command);
        data.AddTo(command);
        command.SetAction(parse =>
        {
            if (parse.GetValue(tau0) is string grid) return Tau0Grid(parse, data, model, grid, parse.GetValue(epochs), parse.GetValue(output)?.FullName);
            var runDir = parse.GetValue(run)?.FullName ?? throw new ArgumentException("Give --run DIR for a threshold sweep, or --tau0 for a retraining sweep.");
            var values = ParseList(parse.GetValue(shifts)!, "--shifts");
            var otherPath = parse.GetValue(against)?.FullName;
            var other = otherPath is null ? null : SweepComparison.Read(otherPath);
            using var ctx = RunContext.Open(runDir, data, parse);
            var baseThresholds = model.ParsedThresholds(parse, ctx.Model);
            var mode = model.Mode(parse);
            // As in compress: a run trained with --holdout has its means from the images it trained on, and with
            // --compensation auto every setting chooses for itself on the held-out images, else on the training sample.
            var (trainedOn, heldOut) = ctx.Report.Holdout is > 0 ? HeldOutThresholds.Rebuild(ctx.Report, ctx.Train) : (ctx.Train, null);
            using var _ = ReferenceEquals(trainedOn, ctx.Train) ? null : trainedOn;
            using var __ = heldOut;
            var means = model.Means(parse, ctx.Model, trainedOn);
            var measured = model.Measured(parse);
            using var sample = measured.Any && heldOut is null ? trainedOn.Sample(MeasuredChoices.TrainingSampleImages, ctx.Report.Seed) : null;
            var choiceImages = heldOut ?? sample;
            string choiceSource = heldOut is not null ? "held-out" : "training";
            double baseline = Evaluation.ErrorPercent(ctx.Model, ctx.Test);
            var table = new Table().AddColumns("shift", "kept groups", "CR pruning", "CR precision", "pruned error %", "error %", "removed inputs", "bits added");
            var points = new List<(double, double, double, double)>();
            var prunedErrors = new List<double>();
            var compensations = new List<string>();
            var extraBits = new List<IReadOnlyDictionary<string, int>?>();
            foreach (var shift in values)
            {
                var thresholds = new PruningThresholds();
                foreach (var (name, layer) in ctx.Model.BayesianLayers)
                {
                    double t = ctx.Model.ResolveThreshold(name, baseThresholds);
                    thresholds.Set(name, layer.Scale.Direction == PruneDirection.Above ? t - shift : t + shift);
                }
                using var masks = ctx.Model.ComputeMasks(thresholds, model.MaskRules(parse));
                if (masks.Layers.Any(l => l.Masks.KeptInputs == 0 || l.Masks.KeptOutputs == 0))
                {
                    table.AddRow(shift.ToString("+0.##;-0.##;0"), "a layer lost every unit", "", "", "");
                    continue;
                }
                var (result, made) = MeasuredChoices.Compress(ctx.Model, choiceImages, choiceSource, means, masks, thresholds, mode, measured);
                string bitsAdded = made?.ExtraBits is { } added ? string.Join(", ", added.Select(kv => $"{kv.Key} +{kv.Value}")) : "";
                NetworkCompression.ApplyTo(ctx.Model, masks, result, quantized: false);
                double pruned = Evaluation.ErrorPercent(ctx.Model, ctx.Test);
                NetworkCompression.ApplyTo(ctx.Model, masks, result);
                double error = Evaluation.ErrorPercent(ctx.Model, ctx.Test);
                ctx.Model.ClearMasks();
                points.Add((shift, result.PruningRate, result.PrecisionRate, error));
                prunedErrors.Add(pruned);
                compensations.Add(result.CompensationSummary);
                extraBits.Add(made?.ExtraBits);
                table.AddRow(shift.ToString("+0.##;-0.##;0"), string.Join("-", result.Layers.Select(l => l.KeptGroups)),
                    result.PruningRate.ToString("F1"), result.PrecisionRate.ToString("F1"), pruned.ToString("F2"), error.ToString("F2"),
                    Markup.Escape(result.CompensationSummary), Markup.Escape(bitsAdded));
            }
            AnsiConsole.Write(table);
            var dir = parse.GetValue(output)?.FullName ?? runDir;
            Directory.CreateDirectory(dir);
            BayesGen.IO.AtomicFile.WriteAllText(Path.Combine(dir, "sweep.json"), JsonSerializer.Serialize(
                points.Select((p, i) => new { shift = p.Item1, compression_pruning = p.Item2, compression_precision = p.Item3, pruned_test_error_pct = prunedErrors[i], compressed_test_error_pct = p.Item4, compensation = compensations[i], extra_bits = extraBits[i] }),
                RunReport.JsonOptions));
            (string, IReadOnlyList<SweepPoint>)? otherCurve = other is null ? null : (Path.GetFileName(otherPath!), other);
            RunPictures.Sweep($"{ctx.Entry.Name} {ctx.Entry.Prior}: threshold sweep", points, baseline, otherCurve, prunedErrors).Save(Path.Combine(dir, "sweep.png"));
            if (other is not null) WriteComparison(points.Select((p, i) => new SweepPoint(p.Item2, p.Item4, prunedErrors[i])).ToArray(), other, otherPath!, dir);
            if (measured.Any)
                AnsiConsole.MarkupLine($"chosen per setting on {choiceImages!.Count:N0} {choiceSource} images: " +
                                       string.Join(" and ", new[] { measured.Compensation ? "compensation" : null, measured.Bits ? "extra bits" : null }.OfType<string>()));
            AnsiConsole.MarkupLine($"unpruned error {baseline:F2} %; wrote {Markup.Escape(Path.Combine(dir, "sweep.json"))} and sweep.png");
            return 0;
        });
        return command;
    }

    private static int Tau0Grid(ParseResult parse, DataOptions data, ModelOptions model, string grid, int epochs, string? output)
    {
        var entry = model.Entry(parse);
        if (entry.Prior != "ghs") throw new ArgumentException("A tau0 sweep needs a horseshoe model: add --prior ghs.");
        var taus = ParseList(grid, "--tau0");
        foreach (var tau in taus)
            if (!(tau > 0)) throw new ArgumentException($"tau0 {tau} in --tau0 must be greater than 0.");
        var (train, test, _) = data.Load(parse, System.Console.Out, entry);
        using var _1 = train;
        using var _2 = test;
        var table = new Table().AddColumns("tau0", "test error %", "kept groups", "CR pruning", "CR precision", "compressed error %");
        var rows = new List<object>();
        // Each network trains as `train --epochs N` would train it, the default schedule included.
        var training = DefaultSchedule.Apply(new TrainingOptions { Epochs = epochs }, train.Count, logVarianceScale: null, dropEpochs: null);
        AnsiConsole.MarkupLine($"[dim]schedule by default: {Markup.Escape(DefaultSchedule.Describe(null, null, epochs, DefaultSchedule.StepsPerEpoch(train.Count, training.BatchSize))!)}[/]");
        foreach (var tau in taus)
        {
            TorchSharp.torch.manual_seed(1);
            using var plain = entry.CreatePlain();
            using var bayesian = entry.CreateBayesian(plain, new BayesianOptions { InitGenerator = new TorchSharp.torch.Generator(1), HorseshoeTau0 = tau });
            var thresholds = model.ParsedThresholds(parse, bayesian);
            var result = new BayesianTrainer(training).Train(bayesian, train, test);
            using var masks = bayesian.ComputeMasks(thresholds, model.MaskRules(parse));
            var made = MeasuredChoices.MakeForRun(AnsiConsole.Console, bayesian, model.Means(parse, bayesian, train), train, null, 1, thresholds,
                model.MaskRules(parse), model.Mode(parse), 0, model.Measured(parse));
            var compression = NetworkCompression.Compress(bayesian, masks, model.Mode(parse), thresholds, inputMeans: made.Means, layerExtraBits: made.ExtraBits);
            NetworkCompression.ApplyTo(bayesian, masks, compression);
            double error = Evaluation.ErrorPercent(bayesian, test);
            table.AddRow(tau.ToString("G3"), result.Last.TestErrorPercent.ToString("F2"), string.Join("-", compression.Layers.Select(l => l.KeptGroups)),
                compression.PruningRate.ToString("F1"), compression.PrecisionRate.ToString("F1"), error.ToString("F2"));
            rows.Add(new { tau0 = tau, epochs, test_error_pct = result.Last.TestErrorPercent, kept_groups = compression.Layers.Select(l => l.KeptGroups).ToArray(),
                compression_pruning = compression.PruningRate, compression_precision = compression.PrecisionRate, compressed_test_error_pct = error });
        }
        AnsiConsole.Write(table);
        var dir = output ?? Path.Combine("runs", $"sweep-{entry.Name}-tau0");
        BayesGen.IO.AtomicFile.WriteAllText(Path.Combine(dir, "tau0-sweep.json"), JsonSerializer.Serialize(rows, RunReport.JsonOptions));
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(Path.Combine(dir, "tau0-sweep.json"))}");
        return 0;
    }

    /// <summary>Our error at every compression the other curve reaches (pruned and quantised, and pruned alone where both sweeps measured it): a table, a verdict line each and comparison.json.</summary>
    private static void WriteComparison(IReadOnlyList<SweepPoint> ours, IReadOnlyList<SweepPoint> other, string otherPath, string dir)
    {
        if (ours.Count == 0) { AnsiConsole.MarkupLine("no comparison: every setting of this sweep lost a layer's last unit"); return; }
        var (compressed, pruned) = SweepComparison.CompareBoth(ours, other);
        var table = new Table().AddColumns("their CR pruning", "their error %", "our error % there", "difference", "their pruned error %", "our pruned error % there", "difference", "how");
        for (int i = 0; i < compressed.Count; i++)
        {
            var c = compressed[i];
            var p = pruned.Count > 0 ? pruned[i] : null;
            table.AddRow(c.Theirs.CompressionPruning.ToString("F1"), c.Theirs.ErrorPercent.ToString("F2"), Value(c.Ours), Difference(c),
                p?.Theirs.ErrorPercent.ToString("F2") ?? "—", Value(p?.Ours), p is null ? "—" : Difference(p), Markup.Escape(c.How));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Markup.Escape(Verdict("pruned and quantised", compressed, otherPath)));
        if (pruned.Count > 0) AnsiConsole.MarkupLine(Markup.Escape(Verdict("pruned, weights unrounded", pruned, otherPath)));
        BayesGen.IO.AtomicFile.WriteAllText(Path.Combine(dir, "comparison.json"), JsonSerializer.Serialize(new
        {
            against = otherPath,
            at_or_below = compressed.Count(c => c.AtOrBelow),
            pruned_at_or_below = pruned.Count > 0 ? pruned.Count(c => c.AtOrBelow) : (int?)null,
            points = compressed.Select((c, i) => new
            {
                their_compression_pruning = c.Theirs.CompressionPruning, their_error_pct = c.Theirs.ErrorPercent, our_error_pct = c.Ours,
                their_pruned_error_pct = pruned.Count > 0 ? pruned[i].Theirs.ErrorPercent : (double?)null, our_pruned_error_pct = pruned.Count > 0 ? pruned[i].Ours : null,
                how = c.How,
            }),
        }, RunReport.JsonOptions));

        static string Value(double? v) => v?.ToString("F2") ?? "—";
        static string Difference(ComparedPoint c) => c.Ours is double o ? (o - c.Theirs.ErrorPercent).ToString("+0.00;-0.00;0.00") : "—";
    }

    private static string Verdict(string which, IReadOnlyList<ComparedPoint> compared, string otherPath)
    {
        int atOrBelow = compared.Count(c => c.AtOrBelow);
        return $"against {otherPath} ({which}): our error is at or below theirs at {atOrBelow} of {compared.Count} compressions"
            + (atOrBelow == compared.Count ? "" : $"; above or not reached at {string.Join(", ", compared.Where(c => !c.AtOrBelow).Select(c => $"{c.Theirs.CompressionPruning:F1}x"))}");
    }

    private static List<double> ParseList(string text, string option)
    {
        var values = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                throw new ArgumentException($"'{part}' in {option} is not a number.");
            values.Add(v);
        }
        if (values.Count == 0) throw new ArgumentException($"{option} lists no value.");
        return values;
    }
}
