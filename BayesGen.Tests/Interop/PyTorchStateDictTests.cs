using System.Collections;
using BayesGen.Compression;
using BayesGen.Deployment;
using BayesGen.Interop;
using BayesGen.Layers;
using BayesGen.Samples.Models;
using BayesGen.Tests.Support;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace BayesGen.Tests.Interop;

/// <summary>
/// PyTorch weights in and out, checked against real PyTorch: a network PyTorch trained and saved computes the same in
/// BayesGen; a network BayesGen pruned loads into a smaller PyTorch module with strict=True and computes what the
/// deployment class computes. Mismatched files are refused with the keys and shapes listed.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class PyTorchStateDictTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bayesgen-pytorch-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>LeNet-300-100 written in PyTorch with the member names of BayesGen's sample.</summary>
    private const string PyTorchLeNet300 = """
        import sys, os, torch
        from torch import nn
        torch.manual_seed(0)
        class LeNet300(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(784, 300)
                self.fc2 = nn.Linear(300, 100)
                self.fc3 = nn.Linear(100, 10)
            def forward(self, x):
                x = x.flatten(1)
                return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))
        net = LeNet300()
        torch.save(net.state_dict(), os.path.join(sys.argv[1], "net.pt"))
        x = torch.rand(16, 1, 28, 28) * 2 - 1
        torch.save({"x": x, "y": net(x).detach()}, os.path.join(sys.argv[1], "io.pt"))
        """;

    private static Dictionary<string, Tensor> Tensors(string path)
        => PyTorchUnpickler.UnpickleStateDict(path).Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (Tensor)e.Value!);

    [Fact]
    public void Weights_PyTorch_saved_compute_the_same_in_the_annotated_network()
    {
        PyTorchProcess.Run(PyTorchLeNet300, dir);
        using var plain = new LeNet300();
        PyTorchStateDict.LoadInto(plain, Path.Combine(dir, "net.pt"));
        var io = Tensors(Path.Combine(dir, "io.pt"));
        plain.eval();
        using (no_grad())
        using (var y = plain.forward(io["x"]))
            Assert.True(y.allclose(io["y"], rtol: 1e-5, atol: 1e-5), $"max difference {(y - io["y"]).abs().max().item<float>()}");
    }

    [Fact]
    public void A_pruned_network_loads_strictly_into_a_smaller_PyTorch_module_and_computes_what_the_deployment_computes()
    {
        torch.manual_seed(4);
        using var plain = new LeNet300();
        using var bayesian = new LeNet300.Bayesian(plain);
        var thresholds = new PruningThresholds();
        foreach (var (name, layer) in bayesian.BayesianLayers)
        {
            // Spread the statistic, then prune a third of every layer's groups.
            using (no_grad()) foreach (var p in layer.Scale.parameters()) p.add_(randn(p.shape, generator: new torch.Generator(7)) * 0.5);
            using var s = layer.Scale.PruningStatistic();
            var sorted = s.data<float>().ToArray().Order().ToArray();
            int k = sorted.Length / 3;
            thresholds.Set(name, layer.Scale.Direction == PruneDirection.Above ? sorted[^(k + 1)] + 1e-6 : sorted[k - 1] + 1e-6);
        }
        using var masks = bayesian.ComputeMasks(thresholds);
        var model = CompressedModel.From(bayesian, NetworkCompression.Compress(bayesian, masks, thresholds: thresholds));
        Assert.True(model.Layers[0].KeptInputs.Length < 784, "the first layer must lose inputs");
        PyTorchStateDict.SaveCompressed(model, Path.Combine(dir, "pruned.pt"));
        using var deployed = model.CreateNetwork();
        var x = rand(16, 1, 28, 28) * 2 - 1;
        using (no_grad())
            PyTorchPickler.PickleStateDict(Path.Combine(dir, "io.pt"), new Dictionary<string, Tensor> { ["x"] = x, ["y"] = deployed.forward(x) });

        var printed = PyTorchProcess.Run("""
            import sys, os, json, torch
            from torch import nn
            d = sys.argv[1]
            sd = torch.load(os.path.join(d, "pruned.pt"))
            kept = json.load(open(os.path.join(d, "pruned.kept.json")))
            class Pruned(nn.Module):
                def __init__(self):
                    super().__init__()
                    for name in ("fc1", "fc2", "fc3"):
                        out_features, in_features = sd[name + ".weight"].shape
                        setattr(self, name, nn.Linear(in_features, out_features))
                def forward(self, x):
                    x = x.flatten(1)[:, kept["layers"]["fc1"]["kept_inputs"]]
                    return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))
            net = Pruned()
            net.load_state_dict(sd, strict=True)
            io = torch.load(os.path.join(d, "io.pt"))
            print(float((net(io["x"]) - io["y"]).abs().max()))
            """, dir);
        double difference = double.Parse(printed.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(difference < 1e-4, $"PyTorch's pruned network differs from the deployment by {difference}");
    }

    [Fact]
    public void A_state_dict_of_another_network_is_refused_with_the_differences()
    {
        var path = Path.Combine(dir, "lenet5.pt");
        using (var other = new LeNet5()) PyTorchStateDict.Save(other, path);
        using var plain = new LeNet300();
        var e = Assert.Throws<InvalidDataException>(() => PyTorchStateDict.LoadInto(plain, path));
        foreach (var part in new[] { "missing from the file (2): fc3.weight, fc3.bias", "in the file but not in the network (4): conv1.bias, conv1.weight, conv2.bias, conv2.weight",
                                     "fc1.weight [500, 800] vs [300, 784]" })
            Assert.True(e.Message.Contains(part), e.Message);

        File.WriteAllText(Path.Combine(dir, "text.pt"), "this is not a pickle, not a zip, not anything torch.save writes");
        var f = Assert.Throws<InvalidDataException>(() => PyTorchStateDict.LoadInto(plain, Path.Combine(dir, "text.pt")));
        Assert.Contains("is not a PyTorch state dict", f.Message);
    }

    [Fact]
    public void A_state_dict_round_trips_through_PyBridge_bit_for_bit()
    {
        var path = Path.Combine(dir, "round.pt");
        torch.manual_seed(9);
        using var source = new LeNet5();
        PyTorchStateDict.Save(source, path);
        torch.manual_seed(10);
        using var target = new LeNet5();
        PyTorchStateDict.LoadInto(target, path);
        foreach (var ((name, a), (_, b)) in source.state_dict().Zip(target.state_dict()))
            Assert.True(a.equal(b).all().item<bool>(), name);
    }
}
