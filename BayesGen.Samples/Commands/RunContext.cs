using BayesGen.Samples.Data;
using BayesGen.Samples.Reporting;
using BayesGen.Samples.Models;
using BayesGen.Training;
using TorchSharp;

namespace BayesGen.Samples.Commands;

/// <summary>A trained run opened for inspection: its model restored from the checkpoint, its report, and the test data.</summary>
public sealed class RunContext : IDisposable
{
    private readonly torch.nn.Module<torch.Tensor, torch.Tensor> plain;

    private RunContext(string directory, ModelEntry entry, RunReport report, torch.nn.Module<torch.Tensor, torch.Tensor> plain, BayesianNetwork model, int epochs, ImageDataset train, ImageDataset test)
    {
        Directory = directory;
        Entry = entry;
        Report = report;
        this.plain = plain;
        Model = model;
        Epochs = epochs;
        Train = train;
        Test = test;
    }

    public string Directory { get; }
    public ModelEntry Entry { get; }
    public RunReport Report { get; }
    public BayesianNetwork Model { get; }
    public int Epochs { get; }
    public ImageDataset Train { get; }
    public ImageDataset Test { get; }

    /// <summary>Opens the run in <paramref name="directory"/> and loads the data set the options name.</summary>
    public static RunContext Open(string directory, DataOptions data, System.CommandLine.ParseResult parse)
    {
        var (entry, report) = RunFiles.Open(directory);
        var plain = entry.CreatePlain();
        var model = entry.CreateBayesian(plain, BayesianOptions.Default);
        var state = Checkpoint.LoadModel(RunFiles.Checkpoint(directory), model);
        model.eval();
        var (train, test, _) = data.Load(parse, System.Console.Out, entry);
        return new RunContext(directory, entry, report!, plain, model, state.EpochsDone, train, test);
    }

    public void Dispose()
    {
        Model.Dispose();
        plain.Dispose();
        Train.Dispose();
        Test.Dispose();
    }
}
