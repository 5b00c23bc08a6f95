using System.CommandLine;
using BayesGen.Interop;
using BayesGen.Training;
using Spectre.Console;
using TorchSharp;

namespace BayesGen.Samples.Commands;

/// <summary>
/// <c>bayesgen import</c>: makes a run of a posterior trained elsewhere — a PyTorch state dict of one of the sample
/// networks, with BayesGen's parameter names or those of the paper's tutorial layers — then prunes and compresses it as
/// <c>train</c> does after its last epoch. <c>compress</c>, <c>sweep</c>, <c>plot</c> and the artifact commands then
/// work on it as on any run.
/// </summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var model = new ModelOptions();
        var device = new DeviceOption();
        var stateDict = new Option<FileInfo>("--state-dict")
        {
            Description = "The posterior, as torch.save(model.state_dict(), path) wrote it: BayesGen's names (fc1.weight_mu, fc1.scale.z_mu, ...) " +
                          "or the tutorial layers' (LinearGroupNJ/Conv2dGroupNJ: fc1.weight_mu, fc1.weight_logvar, fc1.bias_mu, fc1.bias_logvar, fc1.z_mu, fc1.z_logvar).",
            Required = true,
        };
        var output = new Option<DirectoryInfo?>("--out") { Description = "The run directory to write (default runs/<model>-<prior>-imported)." };
        var seed = new Option<long>("--seed") { Description = "Seed of the training images the measured choices (--compensation auto, --bits auto) are made on.", DefaultValueFactory = _ => 1 };
        var command = new Command("import", "Make a run of a posterior trained in PyTorch (BayesGen's or the tutorial layers' names), then prune and compress it.");
        command.Options.Add(stateDict);
        model.AddModelTo(command);
        model.AddPruningTo(command);
        command.Options.Add(output);
        command.Options.Add(seed);
        data.AddTo(command);
        device.AddTo(command);
        command.SetAction(parse =>
        {
            var console = AnsiConsole.Console;
            var entry = model.Entry(parse);
            var computeOn = device.Resolve(parse);   // a GPU that is not there is an error before any work
            var source = parse.GetValue(stateDict)!;
            if (Directory.Exists(source.FullName)) throw new ArgumentException($"--state-dict {source.FullName} is a directory; give the file torch.save wrote.");
            if (!source.Exists) throw new FileNotFoundException($"--state-dict {source.FullName} does not exist.");
            // The file is read and checked against the network before the output directory or the data are touched.
            using var plain = entry.CreatePlain();
            using var bayesian = entry.CreateBayesian(plain, BayesianOptions.Default);
            PyTorchStateDict.LoadPosteriorInto(bayesian, source.FullName);
            var outDir = parse.GetValue(output)?.FullName ?? Path.Combine("runs", $"{entry.Name}-{entry.Prior}-imported");
            OutputDirectory.Prepare(outDir, "--out");
            var (train, test, dataset) = data.Load(parse, System.Console.Out, entry);
            using var _ = train;
            using var __ = test;
            bayesian.to(computeOn);
            bayesian.eval();
            double unpruned = Evaluation.ErrorPercent(bayesian, test);
            console.MarkupLine($"[bold]{Markup.Escape(entry.Description)}[/] from {Markup.Escape(source.FullName)}: test error {unpruned:F2} % on {dataset.Name}");

            var options = new TrainingOptions { Seed = parse.GetValue(seed), CheckpointPath = RunFiles.Checkpoint(outDir) };
            BayesianTrainer.SaveStartingPoint(bayesian, options, train.Count);
            var chosen = MeasuredChoices.Decide(console, parse, model, bayesian, train, null, options.Seed, model.ParsedThresholds(parse, bayesian), null, 0);
            var outcome = CompressionStep.Run(bayesian, entry, test, chosen.Thresholds, model.Mode(parse), outDir,
                chosen.Means, rules: model.MaskRules(parse), layerExtraBits: chosen.ExtraBits);
            CompressionStep.Print(console, outcome, unpruned);
            var report = CompressionStep.WithChoices(CompressionStep.Report(entry, options, dataset, unpruned, null, outcome, 0), chosen, model, parse)
                with { ImportedFrom = source.FullName };
            report.Save(RunFiles.Report(outDir));
            console.MarkupLine($"report: {Markup.Escape(RunFiles.Report(outDir))}");
            return 0;
        });
        return command;
    }
}
