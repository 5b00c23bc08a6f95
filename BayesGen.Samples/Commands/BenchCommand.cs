using System.CommandLine;

namespace BayesGen.Samples.Commands;

/// <summary><c>bayesgen bench</c>: measurements that print ratios taken side by side in one run.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Benchmarks: training throughput, generator time, inference speed.");
        command.Subcommands.Add(TrainBenchmark.Create());
        command.Subcommands.Add(GeneratorBenchmark.Create());
        command.Subcommands.Add(InferenceBenchmark.Create());
        return command;
    }
}
