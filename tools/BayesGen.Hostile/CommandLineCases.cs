using System.Diagnostics;
using System.Text.Json.Nodes;

namespace BayesGen.Hostile;

/// <summary>
/// The command line given what new and hostile users give it: values that do not parse or lie out of range, paths
/// that are files, directories, devices, pipes, unwritable or too long, run directories that are empty or damaged,
/// thresholds that name no layer or remove a whole layer. Each row names the phrase the answer must contain.
/// </summary>
public static class CommandLineCases
{
    /// <summary>Cases marked quick make the subset the test suite runs.</summary>
    private sealed record Row(string Name, Expectation Expect, string? Text, bool Quick, Func<string, string[]> Args)
    {
        public string? CheckOnnx { get; init; }
    }

    /// <summary>Writes the fixtures the cases need under <paramref name="directory"/> and returns the cases.</summary>
    public static List<HostileCase> Generate(Seed seed, string directory, bool quickOnly)
    {
        Directory.CreateDirectory(directory);
        string Fixture(string name) => Path.Combine(directory, name);
        var empty = Directory.CreateDirectory(Fixture("empty-dir")).FullName;
        File.WriteAllText(Fixture("a-file"), "not a directory");
        using (var mkfifo = Process.Start("mkfifo", Fixture("a-fifo"))) mkfifo.WaitForExit();
        var badReport = CopyRun(seed, Fixture("bad-report"));
        File.WriteAllText(Path.Combine(badReport, "report.json"), "{\"model\": 5");
        var emptyReport = CopyRun(seed, Fixture("empty-report"));
        File.WriteAllBytes(Path.Combine(emptyReport, "report.json"), []);
        var unknownModel = CopyRun(seed, Fixture("unknown-model"));
        var report = JsonNode.Parse(File.ReadAllText(seed.Report))!;
        var firstLayer = report["layers"]![0]!["name"]!.GetValue<string>();
        report["model"] = "no-such-network";
        File.WriteAllText(Path.Combine(unknownModel, "report.json"), report.ToJsonString());
        var onlyReport = Directory.CreateDirectory(Fixture("only-report")).FullName;
        File.Copy(seed.Report, Path.Combine(onlyReport, "report.json"));
        var longPath = Path.Combine(directory, new string('a', 300));
        var otherWeights = Fixture("lenet5.pt");
        using (var lenet5 = new BayesGen.Samples.Models.LeNet5()) BayesGen.Interop.PyTorchStateDict.Save(lenet5, otherWeights);
        var posterior = Fixture("lenet300-posterior.pt");
        var lenet300Weights = Fixture("lenet300.pt");
        using (var lenet300 = new BayesGen.Samples.Models.LeNet300())
        {
            BayesGen.Interop.PyTorchStateDict.Save(lenet300, lenet300Weights);
            using var bayesian = new BayesGen.Samples.Models.LeNet300.Bayesian(lenet300, BayesGen.BayesianOptions.Default);
            BayesGen.Interop.PyTorchStateDict.Save(bayesian, posterior);
        }
        string Run(string name) => CopyRun(seed, Fixture(name));
        // GNJ prunes a group above its threshold, the horseshoe below it: this threshold removes every group either way.
        var removeAll = seed.Prior == "gnj" ? "-1000" : "1000";

        var rows = new Row[]
        {
            new("seed that does not parse", Expectation.Refused, "--seed takes a whole number (got 'abc')", true, _ => ["train", "--seed", "abc"]),
            new("epochs that do not parse", Expectation.Refused, "--epochs takes a whole number (got 'abc')", false, _ => ["train", "--epochs", "abc"]),
            new("zero epochs", Expectation.Refused, "--epochs must be at least 1", false, _ => ["train", "--epochs", "0"]),
            new("negative epochs", Expectation.Refused, "--epochs must be at least 1", false, _ => ["train", "--epochs", "-5"]),
            new("zero learning rate", Expectation.Refused, "--lr must be a finite number above 0", false, _ => ["train", "--lr", "0"]),
            new("NaN learning rate", Expectation.Refused, "--lr must be a finite number above 0", false, _ => ["train", "--lr", "NaN"]),
            new("infinite learning rate", Expectation.Refused, "--lr must be a finite number above 0", false, _ => ["train", "--lr", "Infinity"]),
            new("zero batch size", Expectation.Refused, "--batch-size must be at least 1", false, _ => ["train", "--batch-size", "0"]),
            new("negative threads", Expectation.Refused, "--threads must be 0", true, _ => ["train", "--threads", "-1"]),
            new("unknown model", Expectation.Refused, "alexnet", false, _ => ["train", "--model", "alexnet"]),
            new("unknown prior", Expectation.Refused, "laplace", false, _ => ["train", "--prior", "laplace"]),
            new("negative KL warm-up", Expectation.Refused, "--kl-warmup must be 0 or more", false, _ => ["train", "--kl-warmup", "-1"]),
            new("positive initial log-variance", Expectation.Refused, "--init-logvar must lie between -30 and 0", false, _ => ["train", "--init-logvar", "5"]),
            new("negative training subset", Expectation.Refused, "--train-subset cannot be negative", false, _ => ["train", "--train-subset", "-1"]),
            new("unknown data set", Expectation.Refused, "cifar", false, _ => ["train", "--dataset", "cifar"]),
            new("negative holdout", Expectation.Refused, "--holdout cannot be negative", false, _ => ["train", "--holdout", "-1"]),
            new("holdout that leaves nothing to train on", Expectation.Refused, "leaves nothing to train on", true,
                d => ["train", "--model", "lenet300", "--holdout", "64", "--train-subset", "64", "--epochs", "1", "--out", d]),
            new("error increase with nothing held out", Expectation.Refused, "give --holdout N", false, _ => ["train", "--max-error-increase", "0.1", "--holdout", "0"]),
            new("holdout that is not a number", Expectation.Refused, "--holdout takes a whole number of training images", false, _ => ["train", "--holdout", "abc"]),
            new("error increase that is not a number", Expectation.Refused, "between 0 and 100", false, _ => ["train", "--max-error-increase", "NaN"]),
            new("error increase and thresholds together", Expectation.Refused, "leave out --threshold", false, _ => ["train", "--holdout", "100", "--max-error-increase", "0.1", "--threshold", "fc1=-3"]),
            new("target error and error increase together", Expectation.Refused, "not both", false, _ => ["train", "--holdout", "100", "--max-error-increase", "0.1", "--target-error", "2"]),
            new("target error above 100 %", Expectation.Refused, "between 0 and 100", false, _ => ["train", "--target-error", "101"]),
            new("threshold without a value", Expectation.Refused, "write layer=value", false, _ => ["train", "--threshold", "fc1"]),
            new("threshold that is not a number", Expectation.Refused, "is not a finite number", false, _ => ["train", "--threshold", "fc1=nan"]),
            new("a GPU where there is none", Expectation.Refused, "cuda", true, d => BayesGen.Training.Devices.CudaAvailable()
                ? ["train", "--device", "cuda:99", "--out", d] : ["train", "--device", "cuda", "--out", d]),
            new("a device that does not exist", Expectation.Refused, "is not a device", false, d => ["evaluate", "--artifact", seed.Artifact, "--device", "gpu"]),
            new("unknown option", Expectation.Refused, "--frobnicate", false, _ => ["train", "--frobnicate"]),
            new("unknown command", Expectation.Refused, "frobnicate", false, _ => ["frobnicate"]),
            new("no command", Expectation.Refused, "Required command was not provided", false, _ => []),
            new("train: threshold for a layer that does not exist", Expectation.Refused, "No layer named 'nosuchlayer'", true,
                d => ["train", "--model", "lenet300", "--threshold", "nosuchlayer=-3", "--epochs", "1", "--train-subset", "64", "--out", d]),
            new("train: --out is a file", Expectation.Refused, "is a file", true, _ => ["train", "--epochs", "1", "--out", Fixture("a-file")]),
            new("train: --out cannot be written", Expectation.Refused, "cannot write there", false, _ => ["train", "--epochs", "1", "--out", "/proc/bayesgen-forbidden"]),
            new("train: --out too long", Expectation.Refused, "too long", false, _ => ["train", "--epochs", "1", "--out", longPath]),
            new("train: --resume without a checkpoint", Expectation.Refused, "has no checkpoint.bgck", true, _ => ["train", "--resume", "--out", empty]),
            new("train: --resume in a directory with only a report", Expectation.Refused, "has no checkpoint.bgck", false, _ => ["train", "--resume", "--out", onlyReport]),
            new("train: --init-from the weights of another network", Expectation.Refused, "missing from the file", true,
                d => ["train", "--model", "lenet300", "--init-from", otherWeights, "--epochs", "1", "--out", d]),
            new("train: --init-from a text file", Expectation.Refused, "PyTorch state dict", false, d => ["train", "--init-from", Fixture("a-file"), "--out", d]),
            new("export-pytorch: a healthy artifact", Expectation.Accepted, "state dict of the pruned network", false, _ => ["export-pytorch", "--artifact", seed.Artifact, "--out", Fixture("pruned.pt")]),
            new("export-pytorch: --out is a directory", Expectation.Refused, "is a directory", false, _ => ["export-pytorch", "--artifact", seed.Artifact, "--out", empty]),
            new("import: a healthy posterior", Expectation.Accepted, "report:", false,
                d => ["import", "--model", "lenet300", "--state-dict", posterior, "--train-subset", "512", "--out", d]),
            new("import: the posterior of another network", Expectation.Refused, "missing from the file", true,
                d => ["import", "--model", "lenet5", "--state-dict", posterior, "--train-subset", "512", "--out", d]),
            new("import: a plain network's weights, not a posterior", Expectation.Refused, "train --init-from", false,
                d => ["import", "--model", "lenet300", "--state-dict", lenet300Weights, "--train-subset", "512", "--out", d]),
            new("import: a text file", Expectation.Refused, "PyTorch state dict", false, d => ["import", "--model", "lenet300", "--state-dict", Fixture("a-file"), "--out", d]),
            new("import: a named pipe", Expectation.Refused, "not a plain file", false, d => ["import", "--model", "lenet300", "--state-dict", Fixture("a-fifo"), "--out", d]),
            new("import: a directory", Expectation.Refused, "is a directory", false, d => ["import", "--model", "lenet300", "--state-dict", empty, "--out", d]),
            new("import: no --state-dict", Expectation.Refused, "--state-dict", false, d => ["import", "--model", "lenet300", "--out", d]),
            new("train: --data is an empty directory", Expectation.Refused, "lacks", false, _ => ["train", "--data", empty, "--epochs", "1"]),
            new("train: --data does not exist", Expectation.Refused, "does not exist", false, _ => ["train", "--data", Fixture("nowhere"), "--epochs", "1"]),
            new("compress: run directory does not exist", Expectation.Refused, "does not exist", false, _ => ["compress", "--run", Fixture("nowhere")]),
            new("compress: empty run directory", Expectation.Refused, "has no checkpoint.bgck", false, _ => ["compress", "--run", empty]),
            new("compress: malformed report.json", Expectation.Refused, "is not a valid run report", true, _ => ["compress", "--run", badReport]),
            new("compress: empty report.json", Expectation.Refused, "report.json", false, _ => ["compress", "--run", emptyReport]),
            new("compress: report naming an unknown model", Expectation.Refused, "no-such-network", false, _ => ["compress", "--run", unknownModel]),
            new("compress: threshold for a layer that does not exist", Expectation.Refused, "No layer named 'nosuch'", true, _ => ["compress", "--run", Run("r1"), "--threshold", "nosuch=1", "--train-subset", "512"]),
            new("compress: threshold that removes a whole layer", Expectation.Refused, "would ignore its input", true, _ => ["compress", "--run", Run("r2"), "--threshold", $"{firstLayer}={removeAll}", "--train-subset", "512"]),
            new("compress: too many extra bits", Expectation.Refused, "--extra-bits must lie between 0 and 16", false, _ => ["compress", "--run", Run("r3"), "--extra-bits", "17", "--train-subset", "512"]),
            new("compress: unknown coupling rule", Expectation.Refused, "sometimes", false, _ => ["compress", "--run", Run("r4"), "--coupling", "sometimes", "--train-subset", "512"]),
            new("compress: unknown compensation", Expectation.Refused, "median", false, _ => ["compress", "--run", Run("r10"), "--compensation", "median", "--train-subset", "512"]),
            new("compress: unknown bits rule", Expectation.Refused, "posterior", false, _ => ["compress", "--run", Run("r11"), "--bits", "8", "--train-subset", "512"]),
            new("train: --clip-biases that is not true or false", Expectation.Refused, "maybe", false, d => ["train", "--clip-biases", "maybe", "--epochs", "1", "--out", d]),
            new("train: --tau0 that is not a number", Expectation.Refused, "--tau0 must be a finite number above 0", false, d => ["train", "--prior", "ghs", "--tau0", "nan", "--epochs", "1", "--out", d]),
            new("train: --tau0 of zero", Expectation.Refused, "--tau0 must be a finite number above 0", false, d => ["train", "--prior", "ghs", "--tau0", "0", "--epochs", "1", "--out", d]),
            new("train: --tau0 for the Normal-Jeffreys prior", Expectation.Refused, "add --prior ghs", false, d => ["train", "--tau0", "1e-4", "--epochs", "1", "--out", d]),
            new("train: --logvar-lr-scale that is not a number", Expectation.Refused, "--logvar-lr-scale must be a finite number above 0", false, d => ["train", "--logvar-lr-scale", "nan", "--epochs", "1", "--out", d]),
            new("train: --logvar-lr-scale of zero", Expectation.Refused, "--logvar-lr-scale must be a finite number above 0", false, d => ["train", "--logvar-lr-scale", "0", "--epochs", "1", "--out", d]),
            new("train: --logvar-lr-scale of infinity", Expectation.Refused, "--logvar-lr-scale must be a finite number above 0", false, d => ["train", "--logvar-lr-scale", "Infinity", "--epochs", "1", "--out", d]),
            new("train: --lr-drop-factor that is not a number", Expectation.Refused, "--lr-drop-factor must lie in (0, 1]", false, d => ["train", "--lr-drop-factor", "nan", "--epochs", "1", "--out", d]),
            new("train: --lr-drop-epochs longer than the run", Expectation.Refused, "is longer than the run", false, d => ["train", "--lr-drop-epochs", "5", "--epochs", "2", "--out", d]),
            new("train: --lr-drop-epochs negative", Expectation.Refused, "--lr-drop-epochs cannot be negative", false, d => ["train", "--lr-drop-epochs", "-3", "--out", d]),
            new("train: --prune-for with nothing held out", Expectation.Refused, "the run holds no training images out", false, d => ["train", "--prune-for", "speed", "--holdout", "0", "--out", d]),
            new("train: --prune-for with thresholds given", Expectation.Refused, "drop one of the two", false, d => ["train", "--prune-for", "speed", "--threshold", "fc1=-3", "--out", d]),
            new("train: resumed with a bound, the run trained on every image", Expectation.Refused, "the run being resumed trained on every training image", false,
                _ => ["train", "--resume", "--out", Run("r7"), "--model", seed.Model, "--prior", seed.Prior, "--epochs", "2", "--train-subset", "512", "--max-error-increase", "0.1"]),
            new("train: --max-error-increase that is a word", Expectation.Refused, "--max-error-increase takes a number (got 'abc')", false, d => ["train", "--max-error-increase", "abc", "--out", d]),
            new("train: --target-error that is a word", Expectation.Refused, "--target-error takes a number (got 'low')", false, d => ["train", "--target-error", "low", "--out", d]),
            new("train: --noise-margin of 6", Expectation.Refused, "--noise-margin must lie between 0", false, d => ["train", "--noise-margin", "6", "--out", d]),
            new("train: --noise-margin that is not a number", Expectation.Refused, "--noise-margin takes a number of standard errors", false, d => ["train", "--noise-margin", "NaNa", "--out", d]),
            new("train: --noise-margin with thresholds given", Expectation.Refused, "--noise-margin widens the held-out search's judgement", false, d => ["train", "--noise-margin", "1", "--threshold", "fc1=-3", "--out", d]),
            new("train: --search-gain that it does not know", Expectation.Refused, "sideways", false, d => ["train", "--search-gain", "sideways", "--out", d]),
            new("train: --search-gain with thresholds given", Expectation.Refused, "--search-gain counts what the held-out search's moves save", false, d => ["train", "--search-gain", "network", "--threshold", "fc1=-3", "--out", d]),
            new("train: --check-share of 1", Expectation.Refused, "--check-share must lie between 0 (no check) and 0.9", false, d => ["train", "--check-share", "1", "--out", d]),
            new("train: --check-share that is not a number", Expectation.Refused, "--check-share takes the share of the held-out images that checks the search", false, d => ["train", "--check-share", "half", "--out", d]),
            new("train: --check-share with thresholds given", Expectation.Refused, "--check-share checks the held-out search's answer", false, d => ["train", "--check-share", "0.5", "--threshold", "fc1=-3", "--out", d]),
            new("train: --check-share that leaves the check no image", Expectation.Refused, "leaves the check no image", false,
                d => ["train", "--check-share", "0.1", "--holdout", "3", "--epochs", "1", "--train-subset", "512", "--out", d]),
            new("train: --prune-for an unknown objective", Expectation.Refused, "'latency'", false, d => ["train", "--prune-for", "latency", "--out", d]),
            new("train: unknown --horseshoe-scale", Expectation.Refused, "half", false, d => ["train", "--prior", "ghs", "--horseshoe-scale", "half", "--epochs", "1", "--out", d]),
            new("compress: a healthy run", Expectation.Accepted, "report updated", false, _ => ["compress", "--run", Run("r5"), "--train-subset", "512"]),
            new("compress: error increase on a run that held nothing out", Expectation.Refused, "trained on every training image", true,
                _ => ["compress", "--run", Run("r6"), "--max-error-increase", "0.1", "--train-subset", "512"]),
            new("export-onnx: --out is a directory", Expectation.Refused, "is a directory", true, _ => ["export-onnx", "--artifact", seed.Artifact, "--out", empty]),
            new("export-onnx: --out cannot be written", Expectation.Refused, "error:", false, _ => ["export-onnx", "--artifact", seed.Artifact, "--out", "/proc/bayesgen/x.onnx"]),
            new("export-onnx: a healthy artifact", Expectation.Accepted, "opset", false, _ => ["export-onnx", "--artifact", seed.Artifact, "--out", Fixture("healthy.onnx")]) { CheckOnnx = Fixture("healthy.onnx") },
            new("inspect: /dev/zero", Expectation.Refused, "not a plain file", true, _ => ["inspect", "--artifact", "/dev/zero"]),
            new("inspect: /dev/null", Expectation.Refused, "not a plain file", false, _ => ["inspect", "--artifact", "/dev/null"]),
            new("inspect: a named pipe", Expectation.Refused, "not a plain file", true, _ => ["inspect", "--artifact", Fixture("a-fifo")]),
            new("inspect: a directory", Expectation.Refused, "is a directory", false, _ => ["inspect", "--artifact", empty]),
            new("inspect: a text file", Expectation.Refused, "not one, or it was cut short", false, _ => ["inspect", "--artifact", Fixture("a-file")]),
            new("inspect: no --artifact", Expectation.Refused, "--artifact", false, _ => ["inspect"]),
            new("evaluate: missing artifact", Expectation.Refused, "does not exist", false, _ => ["evaluate", "--artifact", Fixture("missing.bgc")]),
            new("inspect: a healthy artifact", Expectation.Accepted, "checksum verified", true, _ => ["inspect", "--artifact", seed.Artifact]),
            new("evaluate: a healthy artifact", Expectation.Accepted, "test error", false, _ => ["evaluate", "--artifact", seed.Artifact]),
            new("evaluate: Fashion-MNIST from an empty directory", Expectation.Refused, "lacks", false, _ => ["evaluate", "--artifact", seed.Artifact, "--dataset", "fashion-mnist", "--data", empty]),
            new("plot: run directory does not exist", Expectation.Refused, "does not exist", false, _ => ["plot", "--run", Fixture("nowhere")]),
            new("sweep: neither --run nor --tau0", Expectation.Refused, "Give --run DIR", false, _ => ["sweep"]),
            new("sweep: tau0 that is not a number", Expectation.Refused, "is not a number", false, _ => ["sweep", "--tau0", "abc", "--model", "lenet5", "--prior", "ghs"]),
            new("sweep: tau0 of zero", Expectation.Refused, "must be greater than 0", false, _ => ["sweep", "--tau0", "0", "--model", "lenet5", "--prior", "ghs"]),
            new("sweep: tau0 on a Normal-Jeffreys model", Expectation.Refused, "needs a horseshoe model", false, _ => ["sweep", "--tau0", "1e-5", "--model", "lenet5", "--prior", "gnj"]),
            new("sweep: --against a named pipe", Expectation.Refused, "not a plain file", true, _ => ["sweep", "--run", Run("r7"), "--train-subset", "512", "--against", Fixture("a-fifo")]),
            new("sweep: --against /dev/zero", Expectation.Refused, "not a plain file", false, _ => ["sweep", "--run", Run("r8"), "--train-subset", "512", "--against", "/dev/zero"]),
            new("sweep: --against a run report, not a sweep", Expectation.Refused, "is not a sweep", false, _ => ["sweep", "--run", Run("r9"), "--train-subset", "512", "--against", seed.Report]),
            new("bench inference: zero batch", Expectation.Refused, "--batch must be at least 1", false, _ => ["bench", "inference", "--artifact", seed.Artifact, "--batch", "0"]),
            new("bench inference: /dev/zero", Expectation.Refused, "not a plain file", false, _ => ["bench", "inference", "--artifact", "/dev/zero"]),
            new("bench inference: negative profile", Expectation.Refused, "--profile must be 0 or more", false, _ => ["bench", "inference", "--artifact", seed.Artifact, "--profile", "-1"]),
            new("bench train: zero rounds", Expectation.Refused, "--rounds must be at least 1", false, _ => ["bench", "train", "--rounds", "0"]),
            new("info", Expectation.Accepted, "convolution", false, _ => ["info"]),
            new("--help", Expectation.Accepted, "Usage", false, _ => ["--help"]),
            new("train --help", Expectation.Accepted, "--epochs", false, _ => ["train", "--help"]),
        };

        var cases = new List<HostileCase>();
        foreach (var row in rows.Where(r => r.Quick || !quickOnly))
        {
            var id = $"l{cases.Count:D3}";
            var dir = Directory.CreateDirectory(Path.Combine(directory, id)).FullName;
            cases.Add(new HostileCase("cli", id, row.Name, row.Args(dir), row.Expect)
            {
                ExpectText = row.Text,
                CheckOnnx = row.CheckOnnx,
                WorkingDirectory = dir,
            });
        }
        return cases;
    }

    /// <summary>A copy of the seed's run directory (checkpoint and report), so a case may rewrite it.</summary>
    private static string CopyRun(Seed seed, string target)
    {
        Directory.CreateDirectory(target);
        File.Copy(seed.Checkpoint, Path.Combine(target, "checkpoint.bgck"), overwrite: true);
        File.Copy(seed.Report, Path.Combine(target, "report.json"), overwrite: true);
        return target;
    }
}
