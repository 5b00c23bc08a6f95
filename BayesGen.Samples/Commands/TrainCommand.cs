using BayesGen.Priors;
using System.CommandLine;
using BayesGen.Samples.Console;
using BayesGen.Interop;
using BayesGen.Training;
using BayesGen.Training.Logs;
using BayesGen.Samples.Reporting;
using Spectre.Console;
using TorchSharp;

namespace BayesGen.Samples.Commands;

/// <summary>
/// <c>bayesgen train</c>: trains a sample network's generated Bayesian model on MNIST, then prunes and
/// compresses it, printing a per-layer summary and writing report.json, the checkpoint and the artifact.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var model = new ModelOptions();
        var device = new DeviceOption();
        var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch-size") { Description = "Examples per step.", DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "Adam's learning rate.", DefaultValueFactory = _ => 1e-3 };
        var seed = new Option<long>("--seed") { Description = "Seeds initialisation, shuffling and noise.", DefaultValueFactory = _ => 1 };
        var warmup = new Option<double>("--kl-warmup") { Description = "Epochs over which the KL weight rises from 0 to 1 (0: none).", DefaultValueFactory = _ => 0 };
        var pretrain = new Option<int>("--pretrain-epochs") { Description = "First train the plain network this many epochs and start from its weights (0: none).", DefaultValueFactory = _ => 0 };
        var logVarScale = new Option<double?>("--logvar-lr-scale")
        {
            Description = "The log-variances (weights', biases', group scales') step with this multiple of --lr; every other parameter with --lr itself. They start at -9 and climb about one learning rate a step: a larger multiple lets the posterior widen, and groups separate, in fewer epochs. " +
                          $"Default: {DefaultSchedule.LongRunLogVarianceScale:G} for a run of {DefaultSchedule.LongRunSteps:N0} steps or more (200 epochs of 55,000 images at batch 128), else 1 (the reference's single rate).",
        };
        var dropEpochs = new Option<int?>("--lr-drop-epochs")
        {
            Description = "The last this many epochs train with --lr times --lr-drop-factor (0: a constant rate, as the reference). Counted from --epochs, so a resumed run with more epochs drops at its new end. " +
                          "Default: the last tenth of the run (rounded down).",
        };
        var dropFactor = new Option<double>("--lr-drop-factor") { Description = "The learning rate's multiple in the last --lr-drop-epochs epochs, in (0, 1].", DefaultValueFactory = _ => 0.1 };
        var initLogVar = new Option<double>("--init-logvar") { Description = "Initial log-variance of weights and group scales (the reference uses -9; higher starts pruning sooner).", DefaultValueFactory = _ => -9.0 };
        var horseshoeInit = new Option<string?>("--horseshoe-init") { Description = "Horseshoe initialisation: unit-scale (the default: the layer scale starts at 1) or prior-scale (s starts at the prior's scale; groups compensate)." };
        horseshoeInit.AcceptOnlyFromAmong("unit-scale", "prior-scale");
        var tau0 = new Option<double?>("--tau0") { Description = "The horseshoe's global scale tau0 (default: the network's attribute, 1e-5 in the samples); needs --prior ghs." };
        tau0.Must(v => v is null || (v > 0 && double.IsFinite(v.Value)), "--tau0 must be a finite number above 0, e.g. 1e-5.");
        var horseshoeScale = new Option<string?>("--horseshoe-scale") { Description = "How tau0 enters the horseshoe: published (the layer auxiliary's Gamma scale is tau0, as the public code has it: an effective global scale of sqrt(tau0)) or exact (tau0 squared: the layer scale is exactly half-Cauchy(0, tau0))." };
        horseshoeScale.AcceptOnlyFromAmong("published", "exact");
        var output = new Option<DirectoryInfo?>("--out") { Description = "Output directory (default: runs/<model>-<prior>)." };
        var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint in the output directory." };
        var initFrom = new Option<FileInfo?>("--init-from") { Description = "Start from a PyTorch state dict (torch.save(model.state_dict(), path)) whose names are the network's (fc1.weight, ...)." };
        var tensorboard = new Option<bool>("--tensorboard") { Description = "Also write TensorBoard event files to <out>/tensorboard (training.csv is always written)." };
        var holdout = new Option<long?>("--holdout")
        {
            Description = "Hold out this many training images (chosen with --seed) from training, to choose thresholds, compensation and bits on (0: train on all, with fixed thresholds). " +
                          "Default: a twelfth of the training images, at most 5,000 (none under 1,000, or with --threshold); a resumed run keeps its split.",
            // The default parser would name the type (System.Nullable`1[System.Int64]) to someone who typed a word.
            CustomParser = r => long.TryParse(r.Tokens[^1].Value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n)
                ? n
                : Refuse(r, $"--holdout takes a whole number of training images, e.g. 5000 (got '{r.Tokens[^1].Value}')."),
        };
        var clipBiases = new Option<bool>("--clip-biases")
        {
            Description = "Layers whose weight variances are clipped ([ClipVariance]) clip their bias variances too, as the reference code does (the default; --clip-biases false clips the weights' only, as BayesGen did before).",
            DefaultValueFactory = _ => true,
        };
        var threads = new Option<int>("--threads") { Description = "CPU threads for TorchSharp (0: every core the machine's other processes leave free, adjusted as their load changes).", DefaultValueFactory = _ => 0 };
        epochs.AtLeast(1);
        batch.AtLeast(1);
        lr.Must(v => v > 0 && double.IsFinite(v), "--lr must be a finite number above 0.");
        warmup.Must(v => v >= 0 && double.IsFinite(v), "--kl-warmup must be 0 or more.");
        pretrain.Must(v => v >= 0, "--pretrain-epochs cannot be negative.");
        logVarScale.Must(v => v is null || (v > 0 && double.IsFinite(v.Value)), "--logvar-lr-scale must be a finite number above 0, e.g. 10.");
        dropEpochs.Must(v => v is null || v >= 0, "--lr-drop-epochs cannot be negative.");
        dropFactor.Must(v => v > 0 && v <= 1, "--lr-drop-factor must lie in (0, 1], e.g. 0.1.");
        initLogVar.Must(v => double.IsFinite(v) && v <= 0 && v >= -30, "--init-logvar must lie between -30 and 0.");
        holdout.Must(v => v is null or >= 0, "--holdout cannot be negative.");
        threads.Must(v => v >= 0, "--threads must be 0 (TorchSharp's default) or a positive number of threads.");

        var command = new Command("train", "Train a sample network with a sparsity prior on MNIST, then prune and compress it.");
        model.AddModelTo(command);
        foreach (var o in new Option[] { epochs, batch, lr, logVarScale, dropEpochs, dropFactor, seed, warmup, pretrain, initLogVar, horseshoeInit, tau0, horseshoeScale, clipBiases }) command.Options.Add(o);
        data.AddTo(command);
        model.AddPruningTo(command);
        model.AddThresholdChoiceTo(command);
        foreach (var o in new Option[] { holdout, output, resume, initFrom, tensorboard, threads }) command.Options.Add(o);
        device.AddTo(command);

        command.SetAction(parse =>
        {
            var console = AnsiConsole.Console;
            var entry = model.Entry(parse);
            var outDir = parse.GetValue(output)?.FullName ?? Path.Combine("runs", $"{entry.Name}-{entry.Prior}");
            if (parse.GetValue(resume) && !File.Exists(Path.Combine(outDir, "checkpoint.bgck")))
                throw new ArgumentException($"--resume: {outDir} has no checkpoint.bgck to continue from (drop --resume to start the run).");
            if (entry.Prior != "ghs" && (parse.GetValue(tau0) is not null || parse.GetValue(horseshoeScale) is not null))
                throw new ArgumentException($"--tau0 and --horseshoe-scale set the horseshoe prior, and {entry.Name} is trained here with {entry.Prior}: add --prior ghs.");
            if (parse.GetValue(dropEpochs) is int drop && drop > parse.GetValue(epochs))
                throw new ArgumentException($"--lr-drop-epochs {parse.GetValue(dropEpochs)} is longer than the run (--epochs {parse.GetValue(epochs)}): drop the rate for at most every epoch.");
            var computeOn = device.Resolve(parse);   // before any work: a GPU that is not there is an error now
            OutputDirectory.Prepare(outDir, "--out");
            if (parse.GetValue(threads) is > 0 and var t) torch.set_num_threads(t);
            long? holdoutGiven = parse.GetValue(holdout);
            if (model.Goal(parse, heldOutImages: holdoutGiven is not 0) is { IsDefault: false } asked && holdoutGiven == 0)   // before any work
                throw new ArgumentException($"{asked.Option} chooses thresholds on held-out training images: give --holdout N (for example --holdout 5000), or leave --holdout out for the default.");
            var (loaded, test, dataset) = data.Load(parse, System.Console.Out, entry);
            using var __ = test;
            var (heldOutCount, goal, resumed) = HoldOut(parse, model, holdoutGiven, loaded.Count, Path.Combine(outDir, "checkpoint.bgck"), parse.GetValue(resume));
            if (goal is not null) HeldOutThresholds.CheckImages(heldOutCount, goal.CheckShare);   // a check split that cannot be made is refused before training
            var (train, heldOut) = heldOutCount > 0 ? SplitOff(loaded, heldOutCount, parse.GetValue(seed)) : (loaded, null);
            using var _ = train;
            using var ___ = heldOut;
            dataset = dataset with { Train = train.Count };
            console.MarkupLine($"[bold]{Markup.Escape(entry.Description)}[/] on {dataset.Name}: {train.Count:N0} training, " +
                               (heldOut is null ? "" : $"{heldOut.Count:N0} held out, ") + $"{test.Count:N0} test images");
            if (holdoutGiven is null && !resumed)
                console.MarkupLine(heldOut is not null
                    ? "[dim]held out by default, to choose thresholds, compensation and bits on (--holdout 0 trains on every image, with fixed thresholds)[/]"
                    : "[dim]nothing held out: " + (model.ThresholdsGiven(parse) ? "--threshold gives the thresholds" : $"fewer than {DefaultHoldout.FewestTrainingImages:N0} training images") + "[/]");

            var options = new TrainingOptions
            {
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                LearningRate = parse.GetValue(lr),
                LearningRateDropFactor = parse.GetValue(dropFactor),
                Seed = parse.GetValue(seed),
                KLWarmupEpochs = parse.GetValue(warmup),
                CheckpointPath = Path.Combine(outDir, "checkpoint.bgck"),
                Resume = parse.GetValue(resume),
                Device = computeOn,
                AdaptThreads = parse.GetValue(threads) == 0,
            };
            // A resumed run goes on with the schedule it was trained with, unless told otherwise: a run started before the
            // default depended on the length would otherwise change its climb halfway.
            var resumedState = resumed ? Checkpoint.ReadState(options.CheckpointPath) : null;
            double? scaleGiven = parse.GetValue(logVarScale) ?? resumedState?.LogVarianceLearningRateScale;
            int? dropGiven = parse.GetValue(dropEpochs) ?? (resumedState is null ? null : Math.Min(resumedState.LearningRateDropEpochs, options.Epochs));
            var schedule = DefaultSchedule.Describe(scaleGiven, dropGiven, options.Epochs, DefaultSchedule.StepsPerEpoch(train.Count, options.BatchSize));
            options = DefaultSchedule.Apply(options, train.Count, scaleGiven, dropGiven);
            if (schedule is not null) console.MarkupLine($"[dim]schedule by default: {Markup.Escape(schedule)}[/]");
            torch.manual_seed(options.Seed);
            using var init = new torch.Generator((ulong)options.Seed);
            using var plain = entry.CreatePlain();
            if (parse.GetValue(initFrom) is { } weights)
            {
                PyTorchStateDict.LoadInto(plain, weights.FullName);
                console.MarkupLine($"started from the PyTorch weights in {Markup.Escape(weights.FullName)}");
            }
            int pretrainEpochs = parse.GetValue(pretrain);
            bool resuming = options.Resume && File.Exists(options.CheckpointPath);
            if (pretrainEpochs > 0 && !resuming)
            {
                console.MarkupLine($"pretraining the plain network for {pretrainEpochs} epochs");
                PlainTrainer.Train(plain, train, test, pretrainEpochs, options.BatchSize, options.LearningRate, options.Seed,
                    (e, err) => console.MarkupLine($"  plain epoch {e}: test error {err:F2} %"), computeOn);
                plain.to(torch.CPU);   // the Bayesian model is built on the CPU from these weights, then trained on the device
            }
            using var bayesian = entry.CreateBayesian(plain, new BayesianOptions
            {
                InitGenerator = init,
                InitialLogVariance = parse.GetValue(initLogVar),
                ClipBiasVariances = parse.GetValue(clipBiases),
                HorseshoeInitialization = parse.GetValue(horseshoeInit) switch
                {
                    "unit-scale" => HorseshoeInitialization.UnitScale,
                    "prior-scale" => HorseshoeInitialization.PriorScale,
                    _ => null,
                },
                HorseshoeTau0 = parse.GetValue(tau0),
                HorseshoeGlobalScale = parse.GetValue(horseshoeScale) switch
                {
                    "published" => HorseshoeGlobalScale.Published,
                    "exact" => HorseshoeGlobalScale.Exact,
                    _ => null,
                },
            });

            var thresholds = model.ParsedThresholds(parse, bayesian);   // an unknown layer name fails now, not after training
            var view = new TrainingView(console);
            var csv = new CsvTrainingLog(Path.Combine(outDir, "training.csv"));
            ITrainingObserver observer = parse.GetValue(tensorboard)
                ? new TrainingObservers(view, csv, new TensorBoardTrainingLog(Path.Combine(outDir, "tensorboard")))
                : new TrainingObservers(view, csv);
            var result = view.Run(() => new BayesianTrainer(options, observer).Train(bayesian, train, test));
            console.MarkupLine($"trained {result.History.Count} epochs: {result.SamplesPerSecond:F0} samples/s in this run");

            var chosen = MeasuredChoices.Decide(console, parse, model, bayesian, train, heldOut, options.Seed, thresholds, goal, 0);
            var outcome = CompressionStep.Run(bayesian, entry, test, chosen.Thresholds, model.Mode(parse), outDir,
                chosen.Means, rules: model.MaskRules(parse), layerExtraBits: chosen.ExtraBits);
            CompressionStep.Print(console, outcome, result.Last.TestErrorPercent);
            var report = CompressionStep.WithChoices(CompressionStep.Report(entry, options, dataset, result.Last.TestErrorPercent, result, outcome, pretrainEpochs), chosen, model, parse)
                with
                {
                    Holdout = heldOutCount > 0 ? heldOutCount : null,
                    ClipBiases = parse.GetValue(clipBiases),
                    Horseshoe = HorseshoeReport.Of(bayesian),
                    ScheduleByDefault = schedule,
                };
            var reportPath = Path.Combine(outDir, "report.json");
            report.Save(reportPath);
            console.MarkupLine($"report: {Markup.Escape(reportPath)}");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// How many of the <paramref name="loaded"/> training images the run holds out (<see cref="DefaultHoldout"/>: given, kept
    /// from the checkpoint being resumed, or the default), and the goal its thresholds are chosen for (null: fixed thresholds).
    /// </summary>
    private static (long Count, ThresholdGoal? Goal, bool Resumed) HoldOut(ParseResult parse, ModelOptions model, long? given, long loaded,
        string checkpoint, bool resume)
    {
        // A checkpoint older than its training-set count predates the default hold-out: it trained on every image.
        long? resumedExamples = resume ? Checkpoint.ReadState(checkpoint).TrainingExamples ?? loaded : null;
        long count = DefaultHoldout.Resolve(given, loaded, model.ThresholdsGiven(parse), resumedExamples);
        var goal = model.Goal(parse, heldOutImages: count > 0);
        if (goal is { IsDefault: false } && count == 0)
            throw new ArgumentException($"{goal.Option} chooses thresholds on held-out training images, and " + (resumedExamples is not null
                ? "the run being resumed trained on every training image: start a new run (--holdout N), or give thresholds with --threshold."
                : $"{loaded:N0} training images are too few to hold some out by default (a twelfth, at least {DefaultHoldout.MinImages:N0}): give --holdout N."));
        return (count, goal, resumedExamples is not null);
    }

    private static long? Refuse(System.CommandLine.Parsing.ArgumentResult result, string error)
    {
        result.AddError(error);
        return null;
    }

    /// <summary>Splits the held-out images off the loaded training set (which it then frees).</summary>
    private static (ImageDataset Train, ImageDataset? HeldOut) SplitOff(ImageDataset loaded, long count, long seed)
    {
        if (count >= loaded.Count)
            throw new ArgumentException($"--holdout {count} leaves nothing to train on: the training set has {loaded.Count:N0} images.");
        using (loaded)
        {
            var (rest, heldOut) = loaded.SplitOff(count, seed);
            return (rest, heldOut);
        }
    }
}
