using System.Text.Json;
using BayesGen.Training;
using BayesGen.Samples.Data;

namespace BayesGen.Hostile;

/// <summary>How big a corpus is: the full one (documented figures) or the quick subset the test suite runs.</summary>
/// <param name="Artifacts">Artifact cases.</param>
/// <param name="Checkpoints">Checkpoint cases.</param>
/// <param name="Idx">IDX data cases.</param>
/// <param name="Cifar">CIFAR-10 data cases.</param>
/// <param name="QuickCommandLine">Only the command-line rows marked quick.</param>
/// <param name="Seeds">The trained runs to make corpora from, as model:prior.</param>
public sealed record CorpusScale(int Artifacts, int Checkpoints, int Idx, int Cifar, bool QuickCommandLine, string[] Seeds)
{
    public static CorpusScale Full { get; } = new(1000, 200, 200, 60, false, ["lenet300:gnj", "lenet5:gnj", "lenet5:ghs", "vgg:gnj", "resnet:gnj", "mobilenet:gnj"]);

    public static CorpusScale Quick { get; } = new(24, 8, 8, 4, true, ["lenet5:gnj"]);
}

/// <summary>Makes the seeds and every corpus, and runs them.</summary>
public static class Corpus
{
    /// <summary>Trains each seed run briefly through the real <c>train</c> command (a model with a checkpoint, report and artifact).</summary>
    public static List<Seed> MakeSeeds(string directory, CorpusScale scale, CaseRunner runner, TextWriter log)
    {
        var seeds = new List<Seed>();
        foreach (var spec in scale.Seeds)
        {
            var (model, prior) = (spec.Split(':')[0], spec.Split(':')[1]);
            var seed = new Seed(model, prior, Path.Combine(directory, "seeds", $"{model}-{prior}"));
            if (!File.Exists(seed.Artifact))
            {
                log.WriteLine($"seed: training {model} ({prior}) for 1 epoch on 512 images");
                var run = runner.RunSeed(["train", "--model", model, "--prior", prior, "--epochs", "1", "--train-subset", "512", "--out", seed.RunDirectory], directory);
                if (run.ExitCode != 0) throw new InvalidOperationException($"training the seed {spec} failed ({SeedFailure(run)}):\n{run.Output}");
            }
            seeds.Add(seed);
        }
        return seeds;
    }

    private static string SeedFailure(CommandRun run) => run.TimedOut ? $"killed at the time limit after {run.Seconds:F0} s" : $"exit {run.ExitCode}";

    /// <summary>
    /// Writes the small CIFAR-format data set the CIFAR corpus damages and trains a VGG-CIFAR seed on it through the
    /// real <c>train</c> command; returns the data directory and the seed.
    /// </summary>
    public static (string Data, Seed Seed) MakeCifarSeed(string directory, CaseRunner runner, TextWriter log)
    {
        var data = Path.Combine(directory, "seeds", "cifar-data");
        var seed = new Seed("vgg-cifar", "gnj", Path.Combine(directory, "seeds", "vgg-cifar-gnj"));
        if (!Directory.Exists(data)) CifarCorpus.WriteData(data, new Random(1));
        if (!File.Exists(seed.Artifact))
        {
            log.WriteLine($"seed: training vgg-cifar (gnj) for 1 epoch on {5 * CifarCorpus.Records} CIFAR-format images");
            var run = runner.RunSeed(CifarCorpus.SeedTraining(data, seed.RunDirectory), directory);
            if (run.ExitCode != 0) throw new InvalidOperationException($"training the CIFAR seed failed ({SeedFailure(run)}):\n{run.Output}");
        }
        return (data, seed);
    }

    /// <summary>Writes every corpus under <paramref name="directory"/> and returns its cases (also saved as cases.json).</summary>
    public static List<HostileCase> Generate(string directory, CorpusScale scale, IReadOnlyList<Seed> seeds, int seed, IReadOnlySet<string> corpora,
        (string Data, Seed Seed)? cifar = null)
    {
        var random = new Random(seed);
        var cases = new List<HostileCase>();
        if (corpora.Contains("artifacts")) cases.AddRange(ArtifactCorpus.Generate(seeds, Fresh(directory, "artifacts"), scale.Artifacts, random));
        if (corpora.Contains("checkpoints")) cases.AddRange(CheckpointCorpus.Generate(seeds, Fresh(directory, "checkpoints"), scale.Checkpoints, random));
        if (corpora.Contains("idx")) cases.AddRange(IdxCorpus.Generate(Mnist(), seeds[0], Fresh(directory, "idx"), scale.Idx, random));
        if (corpora.Contains("cifar") && cifar is { } c) cases.AddRange(CifarCorpus.Generate(c.Data, c.Seed, Fresh(directory, "cifar"), scale.Cifar, random));
        if (corpora.Contains("cli")) cases.AddRange(CommandLineCases.Generate(seeds[0], Fresh(directory, "cli"), scale.QuickCommandLine));
        File.WriteAllText(Path.Combine(directory, "cases.json"), JsonSerializer.Serialize(cases, new JsonSerializerOptions { WriteIndented = true }));
        return cases;
    }

    /// <summary>Runs every case and judges it.</summary>
    public static List<CaseResult> Run(IReadOnlyList<HostileCase> cases, CaseRunner runner, long memoryLimit, TextWriter log)
    {
        var results = new List<CaseResult>();
        foreach (var c in cases)
        {
            var result = Verdict.Judge(c, runner.Run(c.Args, c.WorkingDirectory), memoryLimit);
            results.Add(result);
            if (result.Outcome is not (Outcome.Accepted or Outcome.Refused))
                log.WriteLine($"  {c.Corpus}/{c.Id} {result.Outcome}: {c.Description} -> {result.Detail}");
            if (results.Count % 50 == 0) log.WriteLine($"  {results.Count} of {cases.Count} cases run");
        }
        return results;
    }

    private static string Fresh(string root, string name)
    {
        var dir = Path.Combine(root, name);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        return Directory.CreateDirectory(dir).FullName;
    }

    /// <summary>The real MNIST files, found or fetched the way bayesgen finds them.</summary>
    private static string Mnist()
    {
        var cache = DatasetAcquisition.DefaultCacheRoot();
        return new DatasetAcquisition(DatasetAcquisition.DefaultSources(DatasetInfo.Mnist, null, cache), cache).Locate(DatasetInfo.Mnist);
    }
}
