using BayesGen.Compression;
using BayesGen.Tests.Support;
using Spectre.Console;

namespace BayesGen.Tests.Samples;

/// <summary>
/// The command line on bad input: a clear message naming the problem and a non-zero exit code, never a stack
/// trace. Runs the real entry point in this process with the console captured (<see cref="BayesGenCli"/>).
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class CommandLineTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bayesgen-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static (int Code, string Output) Run(params string[] args) => BayesGenCli.Run(args);

    [Fact]
    public void A_missing_artifact_is_named()
    {
        var path = Path.Combine(dir, "missing.bgc");
        var (code, output) = Run("inspect", "--artifact", path);
        Assert.NotEqual(0, code);
        Assert.Contains("does not exist", output);
        Assert.Contains("missing.bgc", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public void An_unreadable_artifact_says_what_is_wrong()
    {
        var path = Path.Combine(dir, "garbage.bgc");
        File.WriteAllText(path, "this is not a model at all, just some text long enough");
        var (code, output) = Run("evaluate", "--artifact", path);
        Assert.Equal(2, code);
        Assert.Contains("wrong magic", output);
        Assert.Contains("garbage.bgc", output);
    }

    [Theory]
    [InlineData("--epochs", "0", "--epochs must be at least 1")]
    [InlineData("--lr", "-1", "--lr must be a finite number above 0")]
    [InlineData("--model", "alexnet", "alexnet")]
    [InlineData("--threshold", "fc1", "write layer=value")]
    [InlineData("--prior", "laplace", "laplace")]
    [InlineData("--round-channels", "0", "--round-channels must lie between 1 and 256")]
    [InlineData("--dataset", "cifar-100", "cifar-100")]
    [InlineData("--compensation", "median", "median")]
    [InlineData("--bits", "8", "'8'")]
    [InlineData("--tau0", "0", "--tau0 must be a finite number above 0")]
    [InlineData("--horseshoe-scale", "half", "half")]
    [InlineData("--logvar-lr-scale", "0", "--logvar-lr-scale must be a finite number above 0")]
    [InlineData("--lr-drop-factor", "0", "--lr-drop-factor must lie in (0, 1]")]
    [InlineData("--lr-drop-factor", "2", "--lr-drop-factor must lie in (0, 1]")]
    [InlineData("--lr-drop-epochs", "-1", "--lr-drop-epochs cannot be negative")]
    [InlineData("--lr-drop-epochs", "11", "--lr-drop-epochs 11 is longer than the run (--epochs 10)")]
    public void Bad_arguments_are_rejected_before_any_work(string option, string value, string message)
    {
        var (code, output) = Run("train", option, value, "--out", dir);
        Assert.NotEqual(0, code);
        Assert.Contains(message, output);
        Assert.False(File.Exists(Path.Combine(dir, "checkpoint.bgck")));
    }

    [Theory]
    [InlineData("--max-error-increase", "-1", "between 0 and 100")]
    [InlineData("--holdout", "-5", "--holdout cannot be negative")]
    [InlineData("--holdout", "many", "--holdout takes a whole number of training images, e.g. 5000 (got 'many')")]
    [InlineData("--max-error-increase", "abc", "--max-error-increase takes a number (got 'abc')")]   // crashed in the option's own check once
    [InlineData("--target-error", "low", "--target-error takes a number (got 'low')")]
    [InlineData("--epochs", "ten", "--epochs takes a whole number (got 'ten')")]
    public void Bad_threshold_choice_arguments_are_rejected_before_any_work(string option, string value, string message)
    {
        var (code, output) = Run("train", option, value, "--out", dir);
        Assert.Equal(2, code);
        Assert.Contains(message, output);
    }

    [Fact]
    public void Horseshoe_settings_are_refused_for_the_other_prior_recorded_and_held_on_resume()
    {
        var (code, output) = Run("train", "--tau0", "1e-4", "--out", dir);
        Assert.Equal(2, code);
        Assert.Contains("add --prior ghs", output);
        Assert.False(File.Exists(Path.Combine(dir, "checkpoint.bgck")));

        _ = Mnist.Test;
        var run = Path.Combine(dir, "ghs");
        (code, output) = Run("train", "--prior", "ghs", "--tau0", "1e-4", "--horseshoe-scale", "exact", "--horseshoe-init", "prior-scale",
            "--logvar-lr-scale", "3", "--lr-drop-epochs", "1", "--lr-drop-factor", "0.5", "--epochs", "1", "--train-subset", "1000", "--out", run);
        Assert.True(code == 0, output);
        var report = BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(run, "report.json"));
        Assert.Equal(new BayesGen.Samples.Reporting.HorseshoeReport(1e-4, "Exact", "PriorScale"), report.Horseshoe);
        AssertGroupStatistics(report, "E[log z]", prunedAbove: false);
        Assert.Equal(3, report.LogvarLrScale);   // the run's other training settings, recorded with it
        Assert.Equal(1, report.LrDropEpochs);
        Assert.Equal(0.5, report.LrDropFactor);
        // Another τ0 is another prior: a resumed run under it would silently train towards something else.
        (code, output) = Run("train", "--prior", "ghs", "--tau0", "1e-3", "--horseshoe-scale", "exact",
            "--epochs", "2", "--train-subset", "1000", "--out", run, "--resume");
        Assert.Equal(2, code);
        Assert.Contains("priors horseshoe(tau0=0.0001, Exact) (now horseshoe(tau0=0.001, Exact))", output);
    }

    /// <summary>
    /// Every layer of <paramref name="report"/> records its statistic for each group, and the threshold it records
    /// explains what it kept: no more groups than pass the threshold (masks propagated between layers remove more,
    /// never fewer), and exactly those in the first layer, which nothing upstream prunes.
    /// </summary>
    private static void AssertGroupStatistics(BayesGen.Samples.Reporting.RunReport report, string statistic, bool prunedAbove)
    {
        foreach (var layer in report.Layers)
        {
            Assert.Equal((statistic, (bool?)prunedAbove), (layer.Statistic, layer.PrunedAbove));
            var values = layer.GroupStatistics!;
            Assert.Equal(layer.Groups, values.Count);
            Assert.All(values, v => Assert.True(double.IsFinite(v) && Math.Round(v, 4) == v, $"{layer.Name}: {v}"));
            Assert.True(values.Distinct().Count() > 1, $"{layer.Name}: every group has the same statistic");
            long passing = values.Count(v => prunedAbove ? v < layer.Threshold : v > layer.Threshold);
            if (layer == report.Layers[0]) Assert.Equal(passing, layer.KeptGroups);
            else Assert.InRange(layer.KeptGroups, 0, passing);
        }
    }

    [Fact]
    public void A_schedule_left_out_follows_the_length_is_said_and_recorded_and_a_resumed_run_keeps_its_own()
    {
        _ = Mnist.Test;
        var run = Path.Combine(dir, "default-schedule");
        var (code, output) = Run("train", "--epochs", "1", "--train-subset", "1000", "--holdout", "0", "--out", run);
        Assert.True(code == 0, output);
        var report = BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(run, "report.json"));
        Assert.Equal((1.0, (int?)null), (report.LogvarLrScale, report.LrDropEpochs));   // a 1-epoch run: the single rate, no last tenth to drop
        Assert.Equal(BayesGen.Training.DefaultSchedule.For(1, 8).Reason, report.ScheduleByDefault);   // 1,000 images: 8 steps
        Assert.Contains("schedule by default: the log-variances at the single rate", output);
        AssertGroupStatistics(report, "log α", prunedAbove: true);

        // Set by the user: nothing by default.
        var given = Path.Combine(dir, "given-schedule");
        (code, output) = Run("train", "--epochs", "1", "--logvar-lr-scale", "3", "--lr-drop-epochs", "0", "--train-subset", "1000", "--holdout", "0", "--out", given);
        Assert.True(code == 0, output);
        Assert.DoesNotContain("schedule by default", output);
        report = BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(given, "report.json"));
        Assert.Equal((3.0, (string?)null), (report.LogvarLrScale, report.ScheduleByDefault));

        // A τ0 sweep retrains each network as train would, with the same default schedule.
        (code, output) = Run("sweep", "--model", "lenet300", "--prior", "ghs", "--tau0", "1e-5", "--epochs", "1", "--train-subset", "1000",
            "--out", Path.Combine(dir, "tau0"));
        Assert.True(code == 0, output);
        Assert.Contains("schedule by default: the log-variances at the single rate", output);
        Assert.Single(System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "tau0", "tau0-sweep.json")))!.AsArray());

        // Resumed with nothing said: the checkpoint's own climb goes on (a new default must not change a run halfway).
        (code, output) = Run("train", "--epochs", "2", "--train-subset", "1000", "--out", given, "--resume");
        Assert.True(code == 0, output);
        report = BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(given, "report.json"));
        Assert.Equal((3.0, (int?)null, (string?)null), (report.LogvarLrScale, report.LrDropEpochs, report.ScheduleByDefault));
    }

    [Fact]
    public void Choosing_thresholds_on_held_out_data_needs_held_out_data_and_no_thresholds()
    {
        var (code, output) = Run("train", "--max-error-increase", "0.1", "--holdout", "0", "--out", dir);
        Assert.Equal(2, code);
        Assert.Contains("give --holdout N", output);
        (code, output) = Run("train", "--max-error-increase", "0.1", "--holdout", "100", "--threshold", "fc1=-3", "--out", dir);
        Assert.Equal(2, code);
        Assert.Contains("leave out --threshold", output);
        (code, output) = Run("train", "--prune-for", "speed", "--holdout", "0", "--out", dir);
        Assert.Equal(2, code);
        Assert.Contains("the run holds no training images out", output);
        (code, output) = Run("train", "--prune-for", "speed", "--threshold", "fc1=-3", "--out", dir);
        Assert.Equal(2, code);
        Assert.Contains("--threshold gives the thresholds): drop one of the two", output);
        (code, output) = Run("train", "--prune-for", "latency", "--max-error-increase", "0.1", "--holdout", "100", "--out", dir);
        Assert.Equal(2, code);
        Assert.Contains("latency", output);
        Assert.False(File.Exists(Path.Combine(dir, "checkpoint.bgck")));
    }

    [Fact]
    public void By_default_a_twelfth_is_held_out_and_thresholds_are_chosen_there_and_a_resumed_run_keeps_its_split()
    {
        _ = Mnist.Test;
        var run = Path.Combine(dir, "default");
        var (code, output) = Run("train", "--model", "lenet300", "--epochs", "1", "--train-subset", "12000", "--out", run);
        Assert.True(code == 0, output);
        Assert.Contains("11,000 training, 1,000 held out, 10,000 test images", output);
        Assert.Contains("held out by default", output);
        Assert.Contains("thresholds chosen on 1,000 held-out training images (by default", output);
        var report = BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(run, "report.json"));
        Assert.Equal(1000, report.Holdout);
        var choice = report.ThresholdChoice!;
        Assert.True(choice.ByDefault);
        Assert.Equal(0.1, choice.MaxErrorIncrease);
        Assert.True(choice.ErrorPct <= choice.BoundPct, $"{choice.ErrorPct} > {choice.BoundPct}");
        Assert.Equal("held-out", report.CompensationChoice!.On);
        // 1,000 images measure an error of several percent to far more than twice the default 0.1 points: said, with the way out.
        Assert.True(choice.StandardErrorPoints > 0.2, $"{choice.StandardErrorPoints}");
        var words = string.Join(' ', output.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"note: these images measure the error to ±{choice.StandardErrorPoints:F2} points, more than twice the 0.10 allowed", words);
        Assert.Contains("hold out more images (--holdout N)", words);

        // Resumed without --holdout: the checkpoint trained on 11,000 images, so the same 1,000 stay out (not a new default).
        (code, output) = Run("train", "--model", "lenet300", "--epochs", "2", "--train-subset", "12000", "--out", run, "--resume");
        Assert.True(code == 0, output);
        Assert.Contains("11,000 training, 1,000 held out", output);
        Assert.DoesNotContain("held out by default", output);
        // compress with nothing given chooses again as train did; asked for, the search is no longer the default.
        (code, output) = Run("compress", "--run", run, "--train-subset", "12000");
        Assert.True(code == 0, output);
        Assert.True(BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(run, "report.json")).ThresholdChoice!.ByDefault);
        (code, output) = Run("compress", "--run", run, "--train-subset", "12000", "--max-error-increase", "0.1");
        Assert.True(code == 0, output);
        Assert.Null(BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(run, "report.json")).ThresholdChoice!.ByDefault);

        // Thresholds given: nothing held out, nothing searched; resumed without them, the run still trains on every image.
        var fixedRun = Path.Combine(dir, "fixed");
        (code, output) = Run("train", "--model", "lenet300", "--epochs", "1", "--train-subset", "12000", "--threshold", "*=-3", "--out", fixedRun);
        Assert.True(code == 0, output);
        Assert.Contains("12,000 training, 10,000 test images", output);
        Assert.Contains("nothing held out: --threshold gives the thresholds", output);
        Assert.Null(BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(fixedRun, "report.json")).Holdout);
        (code, output) = Run("train", "--model", "lenet300", "--epochs", "2", "--train-subset", "12000", "--out", fixedRun, "--resume");
        Assert.True(code == 0, output);
        Assert.Contains("12,000 training, 10,000 test images", output);
        Assert.DoesNotContain("thresholds chosen on", output);
        // A bound asked for on such a run cannot be met: it names the way out instead of silently training differently.
        (code, output) = Run("train", "--model", "lenet300", "--epochs", "3", "--train-subset", "12000", "--out", fixedRun, "--resume", "--max-error-increase", "0.1");
        Assert.Equal(2, code);
        Assert.Contains("the run being resumed trained on every training image", output);
        // Too few images to hold out a thousand: fixed thresholds, said so.
        (code, output) = Run("train", "--model", "lenet300", "--epochs", "1", "--train-subset", "6000", "--out", Path.Combine(dir, "small"));
        Assert.True(code == 0, output);
        Assert.Contains("nothing held out: fewer than 12,000 training images", output);
    }

    [Fact]
    public void Thresholds_chosen_on_held_out_images_are_printed_recorded_and_chosen_again_by_compress()
    {
        _ = Mnist.Test;   // fetched once for the whole test run, where the command line looks too
        var run = Path.Combine(dir, "run");
        var (code, output) = Run("train", "--model", "lenet300", "--epochs", "2", "--train-subset", "6000", "--holdout", "1000",
            "--max-error-increase", "0.5", "--out", run);
        Assert.True(code == 0, output);
        Assert.Contains("5,000 training, 1,000 held out, 10,000 test images", output);
        Assert.Contains("thresholds chosen on 1,000 held-out training images", output);
        var report = BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(run, "report.json"));
        Assert.Equal(1000, report.Holdout);
        Assert.Equal("any-keeps", report.Coupling);
        Assert.Equal(1, report.RoundChannels);
        Assert.Equal(5000, report.Dataset.Train);
        var choice = report.ThresholdChoice!;
        Assert.Equal(0.5, choice.MaxErrorIncrease);
        Assert.Equal(["fc1", "fc2", "fc3"], choice.Layers.Select(l => l.Name));
        Assert.True(choice.ErrorPct <= choice.BoundPct, $"{choice.ErrorPct} > {choice.BoundPct}");
        Assert.InRange(choice.NetworksMeasured!.Value, 2, choice.Evaluations);   // the unpruned network and at least one move
        Assert.Equal(choice.BaseErrorPct + 0.5, choice.BoundPct, 9);
        // How finely 1,000 images measure the unpruned error: the binomial standard error, printed and recorded.
        double p = choice.BaseErrorPct / 100, se = 100 * Math.Sqrt(p * (1 - p) / 1000);
        Assert.Equal(se, choice.StandardErrorPoints!.Value, 4);
        var words = string.Join(' ', output.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));   // the console wraps long lines
        Assert.Contains($"these images measure the unpruned {choice.BaseErrorPct:F2} % to ±{se:F2} points", words);
        // Compensation, not given, was chosen on the same images, layer by layer: never worse there than all one way or all the other.
        Assert.NotNull(choice.CompensatedErrorPct);
        Assert.True(choice.ChosenCompensationErrorPct <= Math.Min(choice.CompensatedErrorPct!.Value, choice.DroppedErrorPct!.Value));
        Assert.Matches("^(none|mean|mean except fc[123](, fc[123])*)$", choice.Compensation);
        Assert.Equal(choice.Compensation, report.Compensation);
        Assert.Equal("held-out", report.CompensationChoice!.On);
        Assert.Equal(choice.Compensation, report.CompensationChoice.Chosen);
        Assert.Contains("removed inputs: ", output);
        // The report's layers are the chosen ones: the thresholds and kept groups compression used.
        Assert.Equal(choice.Layers.Select(l => l.Threshold), report.Layers.Select(l => l.Threshold));
        // Bits were chosen on the same images: added only while the rounded error was above the aim, and it only fell.
        Assert.Contains("  bits: ", output);
        Assert.NotNull(choice.RoundedErrorPct);
        Assert.True(choice.RoundedWithExtraBitsErrorPct <= choice.RoundedErrorPct);
        if (choice.ExtraBits is null) Assert.True(choice.RoundedErrorPct <= choice.RoundingTargetPct || output.Contains("no single extra bit lowers it"), output);
        else Assert.All(choice.ExtraBits, kv => Assert.InRange(kv.Value, 1, BayesGen.Compression.BitSearch.MaxExtraPerLayer));

        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--max-error-increase", "0.5");
        Assert.True(code == 0, output);
        var again = BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(run, "report.json")).ThresholdChoice!;
        Assert.Equal(choice.Layers, again.Layers);   // the same split, the same choice
        // An MLP applies each weight once per example, so its multiply-adds are its weights: 784·300 + 300·100 + 100·10
        // before pruning, the kept weights after; and pruning for speed weighs every group as pruning for size does.
        var sized = BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(run, "report.json"));
        Assert.Equal("size", again.PruneFor);
        Assert.Equal("group", again.SearchGain);   // a move's gain is the removed groups' own weights, unless told otherwise
        Assert.Equal(266_200, sized.DenseMultiplyAdds);
        Assert.Equal(sized.Layers.Sum(l => l.KeptWeights), sized.KeptMultiplyAdds);
        Assert.Contains($"multiply-adds per example in the layers: {sized.KeptMultiplyAdds:N0} of 266,200", output);
        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--max-error-increase", "0.5", "--prune-for", "speed");
        Assert.True(code == 0, output);
        Assert.Contains("the most multiply-adds removed (--prune-for speed)", string.Join(' ', output.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
        var speed = BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(run, "report.json")).ThresholdChoice!;
        Assert.Equal("speed", speed.PruneFor);
        Assert.Equal(choice.Layers, speed.Layers);

        // A share of the held-out images kept apart from the search checks its answer: the search's images and the check's
        // are printed and recorded, the check's bound is its own unpruned error plus the increase, and what is kept is a
        // step of the search's path within that bound. Compressed again, the same split gives the same choice.
        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--max-error-increase", "0.5", "--check-share", "0.4");
        Assert.True(code == 0, output);
        var checkedChoice = BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(run, "report.json"));
        var check = checkedChoice.ThresholdChoice!.Check!;
        var checkWords = string.Join(' ', output.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("thresholds chosen on 600 of 1,000 held-out training images", checkWords);
        Assert.Contains($"checked on the other 400 (the search never saw them; bound {check.BoundPct:F2} %", checkWords);
        Assert.Equal(600, checkedChoice.ThresholdChoice.SearchImages);
        Assert.Equal(400, check.Images);
        Assert.Equal(check.BaseErrorPct + 0.5, check.BoundPct, 9);
        Assert.True(check.WithinBound && check.ErrorPct <= check.BoundPct, $"{check.ErrorPct} > {check.BoundPct}");
        Assert.InRange(check.MovesUndone, 0, check.SearchMoves);
        Assert.Equal(checkedChoice.ThresholdChoice.Layers.Select(l => l.Threshold), checkedChoice.Layers.Select(l => l.Threshold));
        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--max-error-increase", "0.5", "--check-share", "0.4");
        Assert.True(code == 0, output);
        Assert.Equal(checkedChoice.ThresholdChoice.Layers,
            BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(run, "report.json")).ThresholdChoice!.Layers);
        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--check-share", "0.5", "--threshold", "*=-3");
        Assert.Equal(2, code);
        Assert.Contains("--check-share checks the held-out search's answer", output);
        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--check-share", "0.95");
        Assert.Equal(2, code);
        Assert.Contains("--check-share must lie between 0 (no check) and 0.9", output);

        // A noise margin judges every candidate one standard error of its paired rise above its measured error: the answer
        // as judged stays within the bound, its measured error is no higher than that, and both are printed and recorded.
        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--max-error-increase", "0.5", "--noise-margin", "1");
        Assert.True(code == 0, output);
        var margined = BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(run, "report.json")).ThresholdChoice!;
        var marginWords = string.Join(' ', output.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(1, margined.NoiseMargin);
        Assert.NotNull(margined.JudgedErrorPct);
        Assert.True(margined.ErrorPct <= margined.JudgedErrorPct && margined.JudgedErrorPct <= margined.BoundPct,
            $"measured {margined.ErrorPct}, judged {margined.JudgedErrorPct}, bound {margined.BoundPct}");
        Assert.Contains("judged at 1 standard error above its measured value (--noise-margin)", marginWords);
        Assert.Contains($"it errs on {margined.ErrorPct:F2} % there, judged {margined.JudgedErrorPct:F2} %", marginWords);
        Assert.Equal(BayesGen.Samples.Commands.ModelOptions.DefaultNoiseMargin, again.NoiseMargin);   // left out: the default margin, recorded
        Assert.Equal(0.5, BayesGen.Samples.Commands.ModelOptions.DefaultNoiseMargin);
        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--target-error", "40", "--noise-margin", "2");
        Assert.True(code == 0, output);
        var targeted = BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(run, "report.json")).ThresholdChoice!;
        Assert.True(targeted.JudgedErrorPct <= 40 && targeted.ErrorPct < targeted.JudgedErrorPct, $"measured {targeted.ErrorPct}, judged {targeted.JudgedErrorPct}");
        // A target the unpruned network meets only without the margin is refused with both of its errors.
        // Judged, the unpruned network errs two binomial standard errors above its measured error: a target one standard error
        // above it is met as measured and missed as judged.
        Assert.True(targeted.StandardErrorPoints > 0.05, $"{targeted.StandardErrorPoints}");
        var between = (targeted.BaseErrorPct + targeted.StandardErrorPoints!.Value).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--target-error", between, "--noise-margin", "2");
        Assert.Equal(2, code);
        Assert.Contains("judged with --noise-margin 2 (its measured error plus 2 standard errors), above the target", output);
        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--noise-margin", "1", "--threshold", "*=-3");
        Assert.Equal(2, code);
        Assert.Contains("--noise-margin widens the held-out search's judgement", output);
        // Counting what the whole network sheds is asked for by name and recorded, and the answer stays within the bound;
        // where nothing is searched, or with a count it does not know, it is refused.
        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--max-error-increase", "0.5", "--search-gain", "network");
        Assert.True(code == 0, output);
        var byNetwork = BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(run, "report.json")).ThresholdChoice!;
        Assert.Equal("network", byNetwork.SearchGain);
        Assert.True(byNetwork.ErrorPct <= byNetwork.BoundPct, $"{byNetwork.ErrorPct} > {byNetwork.BoundPct}");
        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--search-gain", "network", "--threshold", "*=-3");
        Assert.Equal(2, code);
        Assert.Contains("--search-gain counts what the held-out search's moves save", output);
        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--search-gain", "layer");
        Assert.Equal(2, code);
        Assert.Contains("'layer' not recognized", output);
        Assert.Contains("'network'", output);   // the parser lists the counts it knows
        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--noise-margin", "-1");
        Assert.Equal(2, code);
        Assert.Contains("--noise-margin must lie between 0", output);
        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--noise-margin", "lots");
        Assert.Equal(2, code);
        Assert.Contains("--noise-margin takes a number of standard errors", output);

        // A later compression that keeps other groups rewrites every figure of the report, the multiply-adds too (they once
        // stayed those of the first compression): thresholds above every log α keep the whole network.
        Assert.True(sized.KeptMultiplyAdds < 266_200, $"{sized.KeptMultiplyAdds}");
        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--threshold", "fc1=50,fc2=50,fc3=50");
        Assert.True(code == 0, output);
        var whole = BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(run, "report.json"));
        Assert.Equal([784L, 300L, 100L], whole.Layers.Select(l => l.KeptGroups));
        Assert.Equal(266_200, whole.KeptMultiplyAdds);
        Assert.Equal(266_200, whole.DenseMultiplyAdds);

        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--max-error-increase", "0.5", "--compensation", "none");
        Assert.True(code == 0, output);
        var given = BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(run, "report.json"));
        Assert.Null(given.ThresholdChoice!.Compensation);   // the user's choice stands
        Assert.Null(given.CompensationChoice);
        Assert.Equal("none", given.Compensation);

        // Thresholds given (GNJ's default, log α = −3), compensation left to its default: chosen on the run's held-out images too.
        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--threshold", "*=-3");
        Assert.True(code == 0, output);
        var auto = BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(run, "report.json"));
        Assert.Equal("held-out", auto.CompensationChoice!.On);
        Assert.Equal(1000, auto.CompensationChoice.Images);
        Assert.Equal(auto.Compensation, auto.CompensationChoice.Chosen);
        Assert.False(auto.CompensationChoice.Rounded);   // bits are chosen after it
        Assert.Contains("removed inputs: ", output);
        // Bits, left to their default, were chosen on the same images: added only while rounding cost more than the margin, and
        // the layers given bits are the ones the report's layers store them for.
        var bitChoice = auto.BitChoice!;
        Assert.Equal("held-out", bitChoice.On);
        Assert.True(bitChoice.ErrorPct <= bitChoice.RoundedErrorPct);
        if (bitChoice.ExtraBits is null) Assert.True(bitChoice.RoundedErrorPct <= bitChoice.TargetPct || output.Contains("no single extra bit lowers it"), output);
        else Assert.All(bitChoice.ExtraBits, kv => Assert.Contains(kv.Key, auto.Layers.Select(l => l.Name)));

        // The paper's settings: nothing chosen, nothing recorded as chosen.
        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--threshold", "*=-3", "--compensation", "mean", "--bits", "posterior");
        Assert.True(code == 0, output);
        var paper = BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(run, "report.json"));
        Assert.Null(paper.CompensationChoice);
        Assert.Null(paper.BitChoice);
        Assert.DoesNotContain("bits: ", output);
        if (auto.CompensationChoice.ChosenErrorPct is double chosenPct)
        {
            Assert.Contains("chosen on 1,000 held-out images", output);
            Assert.True(chosenPct <= Math.Min(auto.CompensationChoice.CompensatedErrorPct!.Value, auto.CompensationChoice.DroppedErrorPct!.Value));
        }

        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--target-error", "99");
        Assert.True(code == 0, output);
        Assert.Contains("at or below 99 %", output);
        var target = BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(run, "report.json")).ThresholdChoice!;
        Assert.Equal(99, target.TargetErrorPct);
        Assert.Null(target.MaxErrorIncrease);
        Assert.Equal(99, target.BoundPct);
        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--target-error", "0");
        Assert.Equal(2, code);
        Assert.Contains("already errs on", output);
        (code, output) = Run("compress", "--run", run, "--train-subset", "6000", "--target-error", "5", "--max-error-increase", "0.1");
        Assert.Equal(2, code);
        Assert.Contains("not both", output);

        // A sweep compared with another curve: one compression it beats at any error, one it never reaches.
        var other = Path.Combine(dir, "other-sweep.json");
        File.WriteAllText(other, """[{"compression_pruning": 1.0, "compressed_test_error_pct": 100}, {"compression_pruning": 1e6, "compressed_test_error_pct": 0}]""");
        (code, output) = Run("sweep", "--run", run, "--train-subset", "6000", "--shifts", "-1,0", "--against", other, "--out", Path.Combine(dir, "sweep"));
        Assert.True(code == 0, output);
        Assert.Contains("our error is at or below theirs at 1 of 2 compressions; above or not reached at 1000000.0x", output);
        Assert.Contains("not reached", output);
        var comparison = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "sweep", "comparison.json")))!;
        Assert.Equal(1, (int)comparison["at_or_below"]!);
        Assert.Equal(2, comparison["points"]!.AsArray().Count);
        var sweepPoints = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "sweep", "sweep.json")))!.AsArray();
        Assert.All(sweepPoints, p => Assert.InRange((double)p!["pruned_test_error_pct"]!, 0, 100));   // the unrounded error beside the compressed one
        Assert.Equal(sweepPoints.Count, BayesGen.Samples.Reporting.SweepComparison.Read(Path.Combine(dir, "sweep", "sweep.json")).Count(p => p.PrunedErrorPercent is not null));
        File.WriteAllText(other, "[]");
        (code, output) = Run("sweep", "--run", run, "--train-subset", "6000", "--shifts", "0", "--against", other, "--out", Path.Combine(dir, "sweep"));
        Assert.Equal(2, code);
        Assert.Contains("is not a sweep", output);

        (code, output) = Run("compress", "--run", run, "--max-error-increase", "0.5");   // all 60,000 images loaded
        Assert.Equal(2, code);
        Assert.Contains("1,000 of 6,000 training images, but 60,000 were loaded", output);

        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(run, "report.json")))!.AsObject();
        json.Remove("holdout");
        File.WriteAllText(Path.Combine(run, "report.json"), json.ToJsonString());
        (code, output) = Run("compress", "--run", run, "--max-error-increase", "0.5");
        Assert.Equal(2, code);
        Assert.Contains("trained on every training image", output);
        Assert.Contains("--holdout", output);
    }

    [Fact]
    public void A_data_directory_without_MNIST_lists_the_missing_files()
    {
        var empty = Directory.CreateDirectory(Path.Combine(dir, "empty")).FullName;
        var (code, output) = Run("train", "--data", empty, "--epochs", "1", "--out", Path.Combine(dir, "run"));
        Assert.Equal(2, code);
        Assert.Contains("train-images-idx3-ubyte", output);
        Assert.Contains("--data", output);
    }

    [Fact]
    public void The_VGG_for_CIFAR_10_trains_compresses_and_evaluates_on_a_small_CIFAR_format_file()
    {
        // Five training batches of 8 images and a test batch of 8, in CIFAR-10's binary format; each class a brightness.
        var data = Directory.CreateDirectory(Path.Combine(dir, "cifar", "cifar-10-batches-bin")).FullName;
        var random = new Random(3);
        foreach (var file in BayesGen.Samples.Data.CifarDirectory.Files)
        {
            var labels = Enumerable.Range(0, 8).Select(i => (byte)(i % 10)).ToArray();
            var pixels = labels.SelectMany(l => Enumerable.Range(0, BayesGen.Samples.Data.CifarBatch.ImageBytes).Select(_ => (byte)(l * 25 + random.Next(20)))).ToArray();
            BayesGen.Samples.Data.CifarBatch.Write(Path.Combine(data, file), labels, pixels);
        }
        var run = Path.Combine(dir, "vgg-cifar");
        var (code, output) = Run("train", "--model", "vgg-cifar", "--dataset", "cifar-10", "--data", Path.GetDirectoryName(data)!,
            "--accept-modified-data", "--epochs", "1", "--batch-size", "8", "--out", run);
        Assert.True(code == 0, output);
        Assert.Contains("on cifar-10: 40 training, 8 test images", output);
        Assert.Contains("features.conv16", output);
        Assert.True(File.Exists(Path.Combine(run, "model.bgc")));
        // Nothing held out: compensation is chosen on a sample of the training images, here all 40 of them.
        var trained = BayesGen.Samples.Reporting.RunReport.Load(Path.Combine(run, "report.json"));
        Assert.Equal("training", trained.CompensationChoice!.On);
        Assert.Equal(40, trained.CompensationChoice.Images);
        Assert.Equal(trained.Compensation, trained.CompensationChoice.Chosen);
        Assert.Equal("training", trained.BitChoice!.On);   // and the bits on the same images
        Assert.Equal(40, trained.BitChoice.Images);
        Assert.Contains("bits: ", output);

        (code, output) = Run("evaluate", "--artifact", Path.Combine(run, "model.bgc"), "--dataset", "cifar-10", "--data", Path.GetDirectoryName(data)!, "--accept-modified-data");
        Assert.True(code == 0, output);
        Assert.Contains("on cifar-10: test error", output);

        // The same artifact on MNIST, and LeNet-5 on CIFAR-10, are refused before any data is read.
        (code, output) = Run("evaluate", "--artifact", Path.Combine(run, "model.bgc"), "--dataset", "mnist");
        Assert.Equal(2, code);
        Assert.Contains("reads 3×32×32 inputs, but mnist's images are 1×28×28", output);
        (code, output) = Run("train", "--model", "lenet5", "--dataset", "cifar-10", "--data", Path.GetDirectoryName(data)!, "--out", Path.Combine(dir, "l5"));
        Assert.Equal(2, code);
        Assert.Contains("use --model vgg-cifar with cifar-10", output);
    }

    [Fact]
    public void Compress_without_a_trained_run_says_how_to_make_one()
    {
        var (code, output) = Run("compress", "--run", dir);
        Assert.Equal(2, code);
        Assert.Contains("has no checkpoint.bgck", output);
        Assert.Contains("bayesgen train --out", output);
    }

    [Theory]
    [InlineData("lenet5")]
    [InlineData("resnet")]
    public void Bench_inference_times_every_variant_and_prints_the_speed_ups(string model)
    {
        // An untrained network with every other group of each layer pruned: conv layers, chunks (batch 150 > 64),
        // gathers and the ONNX export all take part; the ResNet's BatchNorms are folded, and once not.
        var entry = BayesGen.Samples.Models.ModelCatalog.Find(model, "gnj");
        using var plain = entry.CreatePlain();
        using var bayesian = entry.CreateBayesian(plain, BayesianOptions.Default);
        BayesGen.Tests.Support.BayesianSetup.SpreadStatistics(bayesian, 7);
        var thresholds = new BayesGen.Compression.PruningThresholds();
        foreach (var (name, layer) in bayesian.BayesianLayers)
        {
            using var statistic = layer.Scale.PruningStatistic();
            var sorted = statistic.data<float>().ToArray().Order().ToArray();
            thresholds.Set(name, 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) - 1e-4);
        }
        using var masks = bayesian.ComputeMasks(thresholds);
        var result = BayesGen.Compression.NetworkCompression.Compress(bayesian, masks, thresholds: thresholds);
        var path = Path.Combine(dir, "model.bgc");
        BayesGen.Deployment.CompressedModel.From(bayesian, result).Save(path);

        var (code, output) = Run("bench", "inference", "--artifact", path, "--batch", "150", "--rounds", "1", "--profile", "1");
        Assert.True(code == 0, output);
        foreach (var variant in new[] { "plain network", "dense (all units)", "compressed", "dense, batch whole", "compressed, batch whole", "ONNX Runtime, dense", "ONNX Runtime, compressed" })
            Assert.Contains(variant, output);
        var speedUps = System.Text.RegularExpressions.Regex.Match(output,
            @"speed-up of the compressed network: TorchSharp (\d+\.\d)x \(batch whole (\d+\.\d)x; vs the plain network (\d+\.\d)x\), ONNX Runtime (\d+\.\d)x");
        Assert.True(speedUps.Success, output);
        // Every printed speed-up is the ratio of the printed median timings (within their rounding): no other arithmetic.
        double Median(string variant)
        {
            var row = System.Text.RegularExpressions.Regex.Match(output, System.Text.RegularExpressions.Regex.Escape(variant) + @"\s*│\s*([\d.]+)\s*│");
            Assert.True(row.Success, $"no row for {variant}:\n{output}");
            return double.Parse(row.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }
        void Ratio(int group, string slower, string faster)
        {
            double a = Median(slower), b = Median(faster), printed = double.Parse(speedUps.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture);
            double low = (a - 0.005) / (b + 0.005) - 0.05, high = (a + 0.005) / Math.Max(b - 0.005, 1e-9) + 0.05;
            Assert.True(printed >= low && printed <= high, $"{slower} {a} ms / {faster} {b} ms is not {printed}x");
        }
        Ratio(1, "TorchSharp, dense (all units)", "TorchSharp, compressed");
        Ratio(2, "TorchSharp, dense, batch whole", "TorchSharp, compressed, batch whole");
        Ratio(3, "TorchSharp, plain network", "TorchSharp, compressed");
        Ratio(4, "ONNX Runtime, dense", "ONNX Runtime, compressed");
        var folding = System.Text.RegularExpressions.Regex.Match(output, @"(\d+) BatchNorms folded into the layers before them .*; unfolded, the compressed network takes (\d+\.\d\d)x as long");
        Assert.Equal(model == "resnet", folding.Success);
        if (folding.Success)
        {
            double unfolded = Median("TorchSharp, compressed, BatchNorm not folded"), folded = Median("TorchSharp, compressed"),
                printed = double.Parse(folding.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(printed, (unfolded - 0.005) / (folded + 0.005) - 0.005, (unfolded + 0.005) / Math.Max(folded - 0.005, 1e-9) + 0.005);
        }

        // --profile: one row per node of the graph, shapes per example, and the totals are the sums of the rows.
        static double Number(string text) => double.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        var rows = System.Text.RegularExpressions.Regex.Matches(output, @"│\s*(\d+)\s*│\s*([^│]+?)\s*│\s*([\d×]+)\s*│\s*([\d.]+)\s*│\s*([\d×]+)\s*│\s*([\d.]+)\s*│");
        Assert.True(rows.Count >= 3, output);
        Assert.Equal(Enumerable.Range(1, rows.Count).Select(i => i.ToString()), rows.Select(r => r.Groups[1].Value));
        Assert.Contains(rows, r => r.Groups[2].Value.StartsWith("layer ", StringComparison.Ordinal) && r.Groups[3].Value != r.Groups[5].Value);   // pruned: fewer units
        var total = System.Text.RegularExpressions.Regex.Match(output, @"all nodes\s*│\s*│\s*([\d.]+)\s*│\s*│\s*([\d.]+)\s*│\s*([\d.]+)");
        Assert.True(total.Success, output);
        Assert.InRange(Number(total.Groups[1].Value), rows.Sum(r => Number(r.Groups[4].Value)) - 0.005 * rows.Count - 0.01, rows.Sum(r => Number(r.Groups[4].Value)) + 0.005 * rows.Count + 0.01);
        Assert.InRange(Number(total.Groups[2].Value), rows.Sum(r => Number(r.Groups[6].Value)) - 0.005 * rows.Count - 0.01, rows.Sum(r => Number(r.Groups[6].Value)) + 0.005 * rows.Count + 0.01);
    }
    [Fact]
    public void Bench_train_on_a_convolutional_network_prints_its_convolutions_alone_and_their_share_of_the_step()
    {
        var (code, output) = Run("bench", "train", "--model", "lenet5", "--rounds", "1", "--steps", "3", "--memory-epochs", "0");
        Assert.True(code == 0, output);
        static double Number(string text) => double.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        // One row per convolution, at the shapes LeNet-5 feeds them in a batch of 128, and the sum of the rows.
        var rows = System.Text.RegularExpressions.Regex.Matches(output, @"│\s*(conv\d)\s*│\s*\[([\d, ]+)\]\s*│\s*([\d.]+)\s*│\s*([\d.]+)\s*│");
        Assert.Equal(new[] { "conv1", "conv2" }, rows.Select(r => r.Groups[1].Value));
        Assert.Equal(new[] { "128, 1, 28, 28", "128, 20, 12, 12" }, rows.Select(r => r.Groups[2].Value));
        var all = System.Text.RegularExpressions.Regex.Match(output, @"│\s*all\s*│\s*│\s*([\d.]+)\s*│\s*([\d.]+)\s*│");
        Assert.True(all.Success, output);
        double bayesian = Number(all.Groups[1].Value), plain = Number(all.Groups[2].Value);
        Assert.InRange(bayesian, rows.Sum(r => Number(r.Groups[3].Value)) - 0.011, rows.Sum(r => Number(r.Groups[3].Value)) + 0.011);
        Assert.InRange(plain, rows.Sum(r => Number(r.Groups[4].Value)) - 0.011, rows.Sum(r => Number(r.Groups[4].Value)) + 0.011);
        // The summary repeats those sums, beside the steps measured in the throughput table, and turns them into an epoch's seconds.
        var summary = System.Text.RegularExpressions.Regex.Match(output,
            @"convolutions: ([\d.]+) of ([\d.]+) ms per Bayesian step \(([\d.]+) s of an epoch\), ([\d.]+) of ([\d.]+) ms per plain step \(([\d.]+) s of an epoch\)");
        Assert.True(summary.Success, output);
        Assert.Equal(bayesian, Number(summary.Groups[1].Value));
        Assert.Equal(plain, Number(summary.Groups[4].Value));
        var medians = System.Text.RegularExpressions.Regex.Match(output, @"│\s*median\s*│\s*(\d+)\s*│\s*(\d+)\s*│");
        Assert.True(medians.Success, output);
        Assert.InRange(Number(summary.Groups[2].Value), 128_000 / (Number(medians.Groups[2].Value) + 0.5) - 0.01, 128_000 / (Number(medians.Groups[2].Value) - 0.5) + 0.01);
        Assert.InRange(Number(summary.Groups[5].Value), 128_000 / (Number(medians.Groups[1].Value) + 0.5) - 0.01, 128_000 / (Number(medians.Groups[1].Value) - 0.5) + 0.01);
        Assert.InRange(Number(summary.Groups[3].Value), (bayesian - 0.005) * 469 / 1000 - 0.05, (bayesian + 0.005) * 469 / 1000 + 0.05);
        Assert.InRange(Number(summary.Groups[6].Value), (plain - 0.005) * 469 / 1000 - 0.05, (plain + 0.005) * 469 / 1000 + 0.05);
        // The Bayesian layer runs two convolutions where the plain network runs one: on any machine, more time.
        Assert.True(bayesian > plain, output);
    }
}
