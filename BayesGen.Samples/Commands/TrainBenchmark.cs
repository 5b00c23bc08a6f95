using System.CommandLine;
using System.Diagnostics;
using BayesGen.Samples.Models;
using BayesGen.Training;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;
using BayesGen.Torch;

namespace BayesGen.Samples.Commands;

/// <summary>
/// <c>bayesgen bench train</c>: a sample network's Bayesian training throughput at batch 128 (LeNet-300-100 GNJ by
/// default, <c>--model lenet5</c> for convolutions), measured in alternating rounds against a plain eager TorchSharp
/// loop over the same data (so both see the same machine load); FlatAdam's step against TorchSharp's Adam on the
/// same parameters; then resident memory after epochs 1 and 5 of a real training run.
/// </summary>
public static class TrainBenchmark
{
    public static Command Create()
    {
        var data = new DataOptions();
        var model = new ModelOptions();
        var device = new DeviceOption();
        var rounds = new Option<int>("--rounds") { Description = "Alternating measurement rounds.", DefaultValueFactory = _ => 7 };
        var steps = new Option<int>("--steps") { Description = "Training steps per round and loop.", DefaultValueFactory = _ => 300 };
        var threads = new Option<int>("--threads") { Description = "Fixed CPU threads (0: the thread governor adapts them to the machine's load, as train does).", DefaultValueFactory = _ => 0 };
        var memoryEpochs = new Option<int>("--memory-epochs") { Description = "Epochs of the memory measurement (0: skip it).", DefaultValueFactory = _ => 5 };
        var command = new Command("train", "Bayesian training throughput versus a plain TorchSharp loop, FlatAdam versus TorchSharp's Adam, and memory growth.");
        model.AddModelTo(command);
        device.AddTo(command);
        command.Options.Add(rounds.AtLeast(1));
        command.Options.Add(steps.AtLeast(1));
        command.Options.Add(memoryEpochs.AtLeast(0));
        command.Options.Add(threads.AtLeast(0));
        data.AddTo(command);
        command.SetAction(parse =>
        {
            var console = AnsiConsole.Console;
            var entry = model.Entry(parse);
            var (train, test, _) = data.Load(parse, System.Console.Out, entry);
            int n = parse.GetValue(steps), r = parse.GetValue(rounds);
            int fixedThreads = parse.GetValue(threads);
            if (fixedThreads > 0) torch.set_num_threads(fixedThreads);
            var computeOn = device.Resolve(parse);
            Torch.LibTorchFixes.Apply();
            console.MarkupLine($"{Markup.Escape(entry.Description)}, batch 128, {n} steps per round, {r} rounds, {torch.get_num_threads()} threads, {Environment.ProcessorCount} cores");
            console.MarkupLine(Markup.Escape(Torch.LibTorchFixes.Decision ?? ""));
            torch.manual_seed(1);
            using var plain = entry.CreatePlain();
            using var bayesPlain = entry.CreatePlain();
            using var bayesian = entry.CreateBayesian(bayesPlain, BayesianOptions.Default);
            plain.to(computeOn);
            using var plainOptimizer = optim.Adam(plain.parameters(), 1e-3);
            using var fewTest = test.Take(100);
            using var permutation = randperm(train.Count);

            var table = new Table().AddColumns("round", "plain eager loop (samples/s)", "BayesGen Bayesian trainer (samples/s)", "ratio");
            var plainRates = new List<double>();
            var bayesRates = new List<double>();
            PlainSteps(plain, plainOptimizer, train, permutation, 50);   // warm-up both
            new BayesianTrainer(new TrainingOptions { Epochs = 1, MaxSteps = 50, Device = computeOn, AdaptThreads = fixedThreads == 0 }).Train(bayesian, train, fewTest);
            for (int i = 1; i <= r; i++)
            {
                double p = PlainSteps(plain, plainOptimizer, train, permutation, n);
                var result = new BayesianTrainer(new TrainingOptions { Epochs = 1, MaxSteps = n, Seed = i, Device = computeOn, AdaptThreads = fixedThreads == 0 }).Train(bayesian, train, fewTest);
                double b = result.SamplesPerSecond;
                plainRates.Add(p);
                bayesRates.Add(b);
                table.AddRow(i.ToString(), p.ToString("F0"), b.ToString("F0"), (b / p).ToString("F2"));
            }
            table.AddRow("median", Median(plainRates).ToString("F0"), Median(bayesRates).ToString("F0"), (Median(bayesRates) / Median(plainRates)).ToString("F2"));
            console.Write(table);
            double stepsPerEpoch = Math.Ceiling(train.Count / 128.0);
            console.MarkupLine($"an epoch of {train.Count:N0} images takes {train.Count / Median(bayesRates):F1} s of Bayesian training steps ({stepsPerEpoch:F0} steps)");
            var floor = ConvolutionFloor.Measure(bayesian, 128, r);
            if (floor.Count > 0) PrintConvolutionFloor(console, floor, stepsPerEpoch, Median(bayesRates), Median(plainRates), r);

            int epochs = parse.GetValue(memoryEpochs);
            if (epochs > 0)
            {
                torch.manual_seed(2);
                using var freshPlain = entry.CreatePlain();
                using var fresh = entry.CreateBayesian(freshPlain, BayesianOptions.Default);
                var rss = new Dictionary<int, long>();
                var observer = new MemoryObserver(rss);
                new BayesianTrainer(new TrainingOptions { Epochs = epochs, Device = computeOn, AdaptThreads = fixedThreads == 0 }, observer).Train(fresh, train, test);
                var first = rss[1];
                var last = rss[epochs];
                console.MarkupLine($"resident memory after epoch 1: {first / 1048576.0:F1} MiB, after epoch {epochs}: {last / 1048576.0:F1} MiB, growth {100.0 * (last - first) / first:F2} %");
            }
            // Last: TorchSharp's Adam leaves its step temporaries to the finalizer (hundreds of MB over 200 steps here),
            // which would inflate the memory figures above.
            OptimizerSteps(console, entry, r, computeOn);
            train.Dispose();
            test.Dispose();
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The convolutions alone (<see cref="ConvolutionFloor"/>) beside the whole steps measured above: how much of a step
    /// they are, and the epoch they alone would take.
    /// </summary>
    private static void PrintConvolutionFloor(IAnsiConsole console, IReadOnlyList<ConvolutionFloor.LayerTime> floor, double stepsPerEpoch,
        double bayesianRate, double plainRate, int rounds)
    {
        var table = new Table().AddColumns("convolution", "input", "Bayesian: mean and variance (ms)", "plain: one convolution (ms)");
        foreach (var l in floor)
            table.AddRow(Markup.Escape(l.Layer), $"[[{string.Join(", ", l.InputShape)}]]", l.BayesianMs.ToString("F2"), l.PlainMs.ToString("F2"));
        double bayesian = floor.Sum(l => l.BayesianMs), plain = floor.Sum(l => l.PlainMs);
        table.AddRow("all", "", bayesian.ToString("F2"), plain.ToString("F2"));
        console.MarkupLine($"the convolutions alone, forward and backward, medians of {rounds} rounds:");
        console.Write(table);
        double bayesianStep = 128_000 / bayesianRate, plainStep = 128_000 / plainRate;
        console.MarkupLine($"convolutions: {bayesian:F2} of {bayesianStep:F2} ms per Bayesian step ({bayesian * stepsPerEpoch / 1000:F1} s of an epoch), " +
                           $"{plain:F2} of {plainStep:F2} ms per plain step ({plain * stepsPerEpoch / 1000:F1} s of an epoch)");
    }

    /// <summary>
    /// FlatAdam against TorchSharp's Adam on two copies of the same Bayesian model's parameters with the same
    /// gradients, in alternating rounds of 200 steps: what the optimiser alone costs per step.
    /// </summary>
    private static void OptimizerSteps(IAnsiConsole console, ModelEntry entry, int rounds, Device device)
    {
        using var plainA = entry.CreatePlain();
        using var plainB = entry.CreatePlain();
        using var a = entry.CreateBayesian(plainA, BayesianOptions.Default);
        using var b = entry.CreateBayesian(plainB, BayesianOptions.Default);
        a.to(device);
        b.to(device);
        foreach (var p in a.parameters().Concat(b.parameters())) p.grad = ones_like(p).MulScalar_(1e-3);   // FlatAdam takes these into its buffer
        using var flat = new FlatAdam(a.parameters());
        using var adam = optim.Adam(b.parameters(), 1e-3);
        double Time(Action step)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < 200; i++)
            {
                using var scope = NewDisposeScope();
                step();
            }
            if (device.type == DeviceType.CUDA) torch.cuda.synchronize();
            return clock.Elapsed.TotalMilliseconds / 200;
        }
        Time(flat.Step);
        Time(() => adam.step());
        var flatTimes = new List<double>();
        var adamTimes = new List<double>();
        for (int i = 0; i < rounds; i++)
        {
            flatTimes.Add(Time(flat.Step));
            adamTimes.Add(Time(() => adam.step()));
        }
        long count = a.parameters().Sum(p => p.numel());
        double f = Median(flatTimes), t = Median(adamTimes);
        console.MarkupLine($"optimiser step on {count:N0} parameters, median of {rounds} rounds of 200: FlatAdam {f:F3} ms, TorchSharp Adam {t:F3} ms ({t / f:F2}x)");
    }

    /// <summary>A plain eager TorchSharp loop: index the batch, forward, cross-entropy, backward, Adam step.</summary>
    private static double PlainSteps(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, BayesGen.Training.ImageDataset train, Tensor permutation, int steps)
    {
        model.train();
        long batches = train.Count / 128;
        var clock = Stopwatch.StartNew();
        for (int s = 0; s < steps; s++)
        {
            using var scope = NewDisposeScope();
            long start = s % batches * 128;
            var index = permutation.narrow(0, start, 128);
            var on = model.parameters().First().device;
            var loss = nn.functional.cross_entropy(model.forward(train.Images.index_select(0, index).to(on)), train.Labels.index_select(0, index).to(on));
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            loss.item<float>();
        }
        return steps * 128 / clock.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values) => ConvolutionFloor.Median(values);

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
