using System.CommandLine;
using BayesGen.Hostile;

var output = new Option<DirectoryInfo>("--out") { Description = "Where the corpus, results.json and summary.md go.", Required = true };
var bayesgen = new Option<FileInfo>("--bayesgen") { Description = "The bayesgen.dll to test (BayesGen.Samples/bin/Release/net10.0/bayesgen.dll).", Required = true };
var scale = new Option<string>("--scale") { Description = "full (1,000 artifacts, 200 checkpoints, 200 IDX files, 60 CIFAR-10 directories, every command-line row) or quick (the test suite's subset).", DefaultValueFactory = _ => "full" };
scale.AcceptOnlyFromAmong("full", "quick");
var seed = new Option<int>("--seed") { Description = "Seeds the random edits.", DefaultValueFactory = _ => 1 };
var timeout = new Option<int>("--timeout") { Description = "Seconds a case may run before it counts as a hang.", DefaultValueFactory = _ => 120 };
var memory = new Option<int>("--memory-mb") { Description = "Peak resident memory a case may reach, in MiB.", DefaultValueFactory = _ => 2048 };
var only = new Option<string>("--corpora") { Description = "Which corpora: a comma list of artifacts, checkpoints, idx, cifar, cli.", DefaultValueFactory = _ => "artifacts,checkpoints,idx,cifar,cli" };

var root = new RootCommand("bayesgen-hostile: hostile corpora run through the real bayesgen commands (docs/ROBUSTNESS.md).");
foreach (var o in new Option[] { output, bayesgen, scale, seed, timeout, memory, only }) root.Options.Add(o);
root.SetAction(parse =>
{
    var dir = Directory.CreateDirectory(parse.GetValue(output)!.FullName).FullName;
    var dll = parse.GetValue(bayesgen)!;
    if (!dll.Exists) throw new FileNotFoundException($"{dll.FullName} does not exist; build the solution first (dotnet build -c Release).");
    var chosen = parse.GetValue(scale) == "quick" ? CorpusScale.Quick : CorpusScale.Full;
    var runner = new CaseRunner(dll.FullName, TimeSpan.FromSeconds(parse.GetValue(timeout)));
    long limit = (long)parse.GetValue(memory) << 20;
    var corpora = parse.GetValue(only)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet();

    var seeds = Corpus.MakeSeeds(dir, chosen, runner, Console.Out);
    var cifar = corpora.Contains("cifar") ? Corpus.MakeCifarSeed(dir, runner, Console.Out) : ((string, Seed)?)null;
    var cases = Corpus.Generate(dir, chosen, seeds, parse.GetValue(seed), corpora, cifar);
    Console.WriteLine($"{cases.Count} cases; running each through bayesgen (limit {parse.GetValue(timeout)} s, {parse.GetValue(memory)} MiB)");
    var watch = System.Diagnostics.Stopwatch.StartNew();
    var results = Corpus.Run(cases, runner, limit, Console.Out);
    var settings = $"Corpus: scale {parse.GetValue(scale)}, seed {parse.GetValue(seed)}, {cases.Count} cases, limits {parse.GetValue(timeout)} s and {parse.GetValue(memory)} MiB per case; ran in {watch.Elapsed.TotalMinutes:F1} min.";
    Summary.Write(dir, results, settings);
    Console.WriteLine(settings);
    Console.WriteLine(Summary.Table(results));
    Console.WriteLine($"results: {Path.Combine(dir, "results.json")}, summary: {Path.Combine(dir, "summary.md")}");
    return Summary.AnyFailure(results) ? 1 : 0;
});
return root.Parse(args).Invoke();
