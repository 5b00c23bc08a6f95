using System.CommandLine;
using System.Diagnostics;
using BayesGen.Samples.Models;
using BayesGen.Training;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Samples.Commands;

/// <summary>
/// <c>bayesgen bench train</c>: LeNet-300-100 GNJ training throughput at batch 128, measured in alternating
/// rounds against a plain eager TorchSharp loop over the same data (so both see the same machine load), then
/// resident memory after epochs 1 and 5 of a real training run.
/// </summary>
public static class TrainBenchmark
{
    public static Command Create()
    {
        var data = new DataOptions();
        var rounds = new Option<int>("--rounds") { Description = "Alternating measurement rounds.", DefaultValueFactory = _ => 7 };
        var steps = new Option<int>("--steps") { Description = "Training steps per round and loop.", DefaultValueFactory = _ => 300 };
        var memoryEpochs = new Option<int>("--memory-epochs") { Description = "Epochs of the memory measurement (0: skip it).", DefaultValueFactory = _ => 5 };
        var command = new Command("train", "LeNet-300-100 GNJ training throughput versus a plain TorchSharp loop, and memory growth.");
        command.Options.Add(rounds.AtLeast(1));
        command.Options.Add(steps.AtLeast(1));
        command.Options.Add(memoryEpochs.AtLeast(0));
        data.AddTo(command);
        command.SetAction(parse =>
        {
            var console = AnsiConsole.Console;
            var (train, test, _) = data.Load(parse, System.Console.Out);
            int n = parse.GetValue(steps), r = parse.GetValue(rounds);
            console.MarkupLine($"LeNet-300-100, batch 128, {n} steps per round, {r} rounds, {torch.get_num_threads()} threads, {Environment.ProcessorCount} cores");
            torch.manual_seed(1);
            using var plain = new LeNet300();
            using var bayesPlain = new LeNet300();
            using var bayesian = new LeNet300.Bayesian(bayesPlain);
            using var plainOptimizer = optim.Adam(plain.parameters(), 1e-3);
            using var fewTest = test.Take(100);
            using var permutation = randperm(train.Count);

            var table = new Table().AddColumns("round", "plain eager loop (samples/s)", "BayesGen GNJ trainer (samples/s)", "ratio");
            var plainRates = new List<double>();
            var bayesRates = new List<double>();
            PlainSteps(plain, plainOptimizer, train, permutation, 50);   // warm-up both
            new BayesianTrainer(new TrainingOptions { Epochs = 1, MaxSteps = 50 }).Train(bayesian, train, fewTest);
            for (int i = 1; i <= r; i++)
            {
                double p = PlainSteps(plain, plainOptimizer, train, permutation, n);
                var result = new BayesianTrainer(new TrainingOptions { Epochs = 1, MaxSteps = n, Seed = i }).Train(bayesian, train, fewTest);
                double b = result.SamplesPerSecond;
                plainRates.Add(p);
                bayesRates.Add(b);
                table.AddRow(i.ToString(), p.ToString("F0"), b.ToString("F0"), (b / p).ToString("F2"));
            }
            table.AddRow("median", Median(plainRates).ToString("F0"), Median(bayesRates).ToString("F0"), (Median(bayesRates) / Median(plainRates)).ToString("F2"));
            console.Write(table);

            int epochs = parse.GetValue(memoryEpochs);
            if (epochs > 0)
            {
                torch.manual_seed(2);
                using var fresh = new LeNet300.Bayesian();
                var rss = new Dictionary<int, long>();
                var observer = new MemoryObserver(rss);
                new BayesianTrainer(new TrainingOptions { Epochs = epochs }, observer).Train(fresh, train, test);
                var first = rss[1];
                var last = rss[epochs];
                console.MarkupLine($"resident memory after epoch 1: {first / 1048576.0:F1} MiB, after epoch {epochs}: {last / 1048576.0:F1} MiB, growth {100.0 * (last - first) / first:F2} %");
            }
            train.Dispose();
            test.Dispose();
            return 0;
        });
        return command;
    }

    /// <summary>A plain eager TorchSharp loop: index the batch, forward, cross-entropy, backward, Adam step.</summary>
    private static double PlainSteps(LeNet300 model, optim.Optimizer optimizer, BayesGen.Training.ImageDataset train, Tensor permutation, int steps)
    {
        model.train();
        var clock = Stopwatch.StartNew();
        for (int s = 0; s < steps; s++)
        {
            using var scope = NewDisposeScope();
            long start = (long)(s % 468) * 128;
            var index = permutation.narrow(0, start, 128);
            var loss = nn.functional.cross_entropy(model.forward(train.Images.index_select(0, index)), train.Labels.index_select(0, index));
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            loss.item<float>();
        }
        return steps * 128 / clock.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
    }

    /// <summary>Records the process's resident memory at the end of every epoch.</summary>
    private sealed class MemoryObserver(Dictionary<int, long> rss) : ITrainingObserver
    {
        public void EpochFinished(EpochSummary summary)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            rss[summary.Epoch] = ResidentBytes();
            AnsiConsole.MarkupLine($"  epoch {summary.Epoch}: test error {summary.TestErrorPercent:F2} %, resident {rss[summary.Epoch] / 1048576.0:F1} MiB");
        }
    }

    /// <summary>VmRSS from /proc on Linux; the working set elsewhere.</summary>
    public static long ResidentBytes()
    {
        if (OperatingSystem.IsLinux())
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        return Process.GetCurrentProcess().WorkingSet64;
    }
}
