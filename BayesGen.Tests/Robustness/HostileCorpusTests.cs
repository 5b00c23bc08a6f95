using BayesGen.Hostile;
using BayesGen.Tests.Support;

namespace BayesGen.Tests.Robustness;

/// <summary>
/// The quick subset of the hostile corpora (docs/ROBUSTNESS.md), each case run through the real bayesgen command in
/// its own process: damaged and resealed artifacts and checkpoints, hostile IDX files and CIFAR-10 directories, command-line abuse. No case may
/// crash, hang, exceed the memory bound, get a wrong answer or have a broken model accepted.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class HostileCorpusTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bayesgen-hostile-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void The_quick_corpus_runs_without_a_crash_a_hang_or_a_wrong_answer()
    {
        var runner = new CaseRunner(Path.Combine(AppContext.BaseDirectory, "bayesgen.dll"), TimeSpan.FromSeconds(120));
        var log = new StringWriter();
        var seeds = Corpus.MakeSeeds(dir, CorpusScale.Quick, runner, log);
        var cifar = Corpus.MakeCifarSeed(dir, runner, log);
        var cases = Corpus.Generate(dir, CorpusScale.Quick, seeds, seed: 1, new HashSet<string> { "artifacts", "checkpoints", "idx", "cifar", "cli" }, cifar);
        var results = Corpus.Run(cases, runner, memoryLimit: 2L << 30, log);

        Assert.True(!Summary.AnyFailure(results), Summary.Table(results) + log);
        foreach (var corpus in new[] { "artifacts", "checkpoints", "idx", "cifar", "cli" })
            Assert.Contains(results, r => r.Case.Corpus == corpus);
        // Both answers occur: hostile input is refused, healthy input (and the harmless edits) accepted.
        Assert.Contains(results, r => r.Outcome == Outcome.Refused);
        Assert.Contains(results, r => r.Outcome == Outcome.Accepted);
    }
}
