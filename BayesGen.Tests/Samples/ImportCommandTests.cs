using BayesGen.Interop;
using BayesGen.Samples.Models;
using BayesGen.Samples.Reporting;
using BayesGen.Tests.Support;
using BayesGen.Training;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace BayesGen.Tests.Samples;

/// <summary>
/// <c>bayesgen import</c>: a posterior trained elsewhere, saved with the tutorial layers' names, becomes a run that
/// compresses, recompresses and trains on exactly as one BayesGen trained.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class ImportCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bayesgen-import-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Theory]
    [InlineData("fc1.z_mu", "fc1.scale.z_mu")]
    [InlineData("fc1.z_logvar", "fc1.scale.z_logvar")]
    [InlineData("features.0.z_mu", "features.0.scale.z_mu")]
    [InlineData("z_logvar", "scale.z_logvar")]
    [InlineData("fc1.scale.z_mu", "fc1.scale.z_mu")]     // BayesGen's own name stays
    [InlineData("fc1.weight_mu", "fc1.weight_mu")]
    [InlineData("fc1.bias_logvar", "fc1.bias_logvar")]
    [InlineData("fc1.z_mu_extra", "fc1.z_mu_extra")]
    public void Tutorial_names_map_to_BayesGen_names(string tutorial, string bayesGen)
        => Assert.Equal(bayesGen, PyTorchStateDict.TutorialToBayesGen(tutorial));

    /// <summary>A LeNet-300-100 posterior unlike any initialisation: fc1's first 100 input groups noise (log α = 0), the rest kept.</summary>
    private static BayesianNetwork TrainedElsewhere(out nn.Module<Tensor, Tensor> plain)
    {
        var entry = ModelCatalog.Find("lenet300", "gnj");
        plain = entry.CreatePlain();
        var model = entry.CreateBayesian(plain, BayesianSetup.Seeded(11));
        using var generator = new torch.Generator(12);
        using (no_grad())
        {
            foreach (var (name, p) in model.named_parameters())
                p.add_(randn(p.shape, generator: generator) * (name.EndsWith("logvar") ? 0.5 : 0.05));
            model.Layer("fc1").Scale.named_parameters().Single(p => p.name == "z_logvar").parameter.narrow(0, 0, 100).fill_(0.0);
        }
        return model;
    }

    /// <summary>Writes the model's state dict as the tutorial's layers name it (z_mu in the layer, not in a scale module).</summary>
    private static string SaveWithTutorialNames(BayesianNetwork model, string path)
    {
        var tensors = model.state_dict().ToDictionary(p => p.Key.Replace(".scale.z_", ".z_"), p => p.Value);
        Assert.Contains("fc1.z_mu", tensors.Keys);
        using (var stream = File.Create(path)) PyTorchPickler.PickleStateDict(stream, tensors, leaveOpen: true);
        return path;
    }

    [Fact]
    public void A_posterior_saved_with_the_tutorial_names_is_imported_compressed_again_and_trained_on()
    {
        _ = Mnist.Test;   // fetched once for the whole test run, where the command line looks too
        using var original = TrainedElsewhere(out var plain);
        using var plainOwner = plain;
        var file = SaveWithTutorialNames(original, Path.Combine(dir, "posterior.pt"));
        var run = Path.Combine(dir, "run");

        var (code, output) = BayesGenCli.Run("import", "--model", "lenet300", "--state-dict", file, "--train-subset", "2000", "--out", run);
        Assert.True(code == 0, output);
        var report = RunReport.Load(Path.Combine(run, "report.json"));
        Assert.Equal(file, report.ImportedFrom);
        Assert.Equal(0, report.Epochs);
        original.eval();
        Assert.Equal(Evaluation.ErrorPercent(original, Mnist.Test), report.TestErrorPct, 9);
        Assert.Equal(784 - 100, report.Layers[0].KeptGroups);   // the noise groups go at the default threshold, the rest stay
        Assert.True(File.Exists(Path.Combine(run, "model.bgc")));

        // The run's checkpoint holds the imported posterior, value for value.
        var entry = ModelCatalog.Find("lenet300", "gnj");
        using (var plainAgain = entry.CreatePlain())
        using (var restored = entry.CreateBayesian(plainAgain, BayesianOptions.Default))
        {
            var state = Checkpoint.LoadModel(Path.Combine(run, "checkpoint.bgck"), restored);
            Assert.Equal(0, state.EpochsDone);
            var expected = original.state_dict();
            foreach (var (name, value) in restored.state_dict())
                Assert.True(value.eq(expected[name]).all().item<bool>(), $"{name} differs after import");
        }

        (code, output) = BayesGenCli.Run("compress", "--run", run, "--train-subset", "2000", "--compensation", "none", "--bits", "posterior");
        Assert.True(code == 0, output);
        (code, output) = BayesGenCli.Run("train", "--model", "lenet300", "--resume", "--epochs", "1", "--train-subset", "2000", "--out", run);
        Assert.True(code == 0, output);
        Assert.Equal(1, RunReport.Load(Path.Combine(run, "report.json")).Epochs);
    }

    [Fact]
    public void A_state_dict_of_another_network_or_with_a_name_twice_is_refused_by_name()
    {
        using var original = TrainedElsewhere(out var plain);
        using var plainOwner = plain;
        var file = SaveWithTutorialNames(original, Path.Combine(dir, "lenet300.pt"));
        var (code, output) = BayesGenCli.Run("import", "--model", "lenet5", "--state-dict", file, "--out", Path.Combine(dir, "l5"));
        Assert.Equal(2, code);
        Assert.Contains("does not fit LeNet5.Bayesian", output);
        Assert.Contains("missing from the file", output);
        Assert.Contains("conv1.weight_mu", output);
        Assert.False(File.Exists(Path.Combine(dir, "l5", "checkpoint.bgck")));

        var both = original.state_dict().ToDictionary(p => p.Key, p => p.Value);
        both["fc1.z_mu"] = both["fc1.scale.z_mu"];
        var twice = Path.Combine(dir, "twice.pt");
        using (var stream = File.Create(twice)) PyTorchPickler.PickleStateDict(stream, both, leaveOpen: true);
        (code, output) = BayesGenCli.Run("import", "--model", "lenet300", "--state-dict", twice, "--out", Path.Combine(dir, "twice"));
        Assert.Equal(2, code);
        Assert.Contains("holds fc1.scale.z_mu twice", output);

        var absentGpu = BayesGen.Training.Devices.CudaAvailable() ? "cuda:99" : "cuda";
        (code, output) = BayesGenCli.Run("import", "--model", "lenet300", "--state-dict", file, "--device", absentGpu, "--out", Path.Combine(dir, "gpu"));
        Assert.Equal(2, code);
        Assert.Contains("cuda", output);
        Assert.False(Directory.Exists(Path.Combine(dir, "gpu")));

        (code, output) = BayesGenCli.Run("import", "--model", "lenet300", "--state-dict", Path.Combine(dir, "absent.pt"), "--out", Path.Combine(dir, "absent"));
        Assert.Equal(2, code);
        Assert.Contains("absent.pt does not exist", output);
    }
}
