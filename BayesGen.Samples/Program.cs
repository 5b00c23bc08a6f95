using System.Diagnostics;
using BayesGen;
using BayesGen.Data;
using BayesGen.Layers;
using BayesGen.Training;
using TorchSharp;
using static TorchSharp.torch;

var cache = DatasetAcquisition.DefaultCacheRoot();
var acq = new DatasetAcquisition(DatasetAcquisition.DefaultSources(DatasetInfo.Mnist, null, cache), cache, Console.Out);
var dir = acq.Locate(DatasetInfo.Mnist);
var (train, test) = DatasetDirectory.Load(dir, "mnist");
Console.WriteLine($"{train.Count} {test.Count} threads={torch.get_num_threads()}");
torch.manual_seed(1);
var net = new Probe.Lenet300();
if (args.Length > 1 && args[1] == "perf") { Prof.Loop(net, train); return; }
if (args.Length > 1 && args[1] == "prof") { Prof.Run(net, train); return; }
var trainer = new BayesianTrainer(new TrainingOptions { Epochs = int.Parse(args.Length > 0 ? args[0] : "1") }, new Obs());
var r = trainer.Train(net, train, test);
Console.WriteLine($"samples/s {r.SamplesPerSecond:F0}");

class Obs : ITrainingObserver
{
    public void EpochFinished(EpochSummary s) => Console.WriteLine($"epoch {s.Epoch} loss {s.Loss:F4} err {s.TestErrorPercent:F2}% {s.SamplesPerSecond:F0}/s kept {string.Join("-", s.KeptGroups.Select(k => k.Kept))}");
}

namespace Probe
{
    public sealed class Lenet300 : BayesianNetwork
    {
        private readonly BayesianLinear fc1, fc2, fc3;
        public Lenet300() : base("lenet300")
        {
            fc1 = BayesianLinear.FromLinear(nn.Linear(784, 300), new GroupNJScale(784), new LayerOptions { MaxVariance = 0.04 });
            fc2 = BayesianLinear.FromLinear(nn.Linear(300, 100), new GroupNJScale(300));
            fc3 = BayesianLinear.FromLinear(nn.Linear(100, 10), new GroupNJScale(100));
            RegisterComponents();
        }
        public override IReadOnlyList<(string Name, BayesianLayer Layer)> BayesianLayers => new (string, BayesianLayer)[] { ("fc1", fc1), ("fc2", fc2), ("fc3", fc3) };
        public override PriorKind Prior => PriorKind.GroupNJ;
        public override Tensor forward(Tensor x)
        {
            using var d = NewDisposeScope();
            x = x.flatten(1);
            x = nn.functional.relu(fc1.forward(x));
            x = nn.functional.relu(fc2.forward(x));
            return fc3.forward(x).MoveToOuterDisposeScope();
        }
    }
}

static class Prof
{
    public static void Loop(BayesianNetwork net, ImageDataset train)
    {
        var opt = optim.Adam(net.parameters(), 1e-3);
        var perm = randperm(train.Count);
        net.train();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 1500; i++) { using var d = NewDisposeScope(); var idx = perm.narrow(0, (i % 400) * 128, 128); var x = train.Images.index_select(0, idx); var y = train.Labels.index_select(0, idx); var loss = nn.functional.cross_entropy(net.forward(x), y) + net.KL() / 60000.0; opt.zero_grad(); loss.backward(); opt.step(); net.ClipVariances(); loss.item<float>(); }
        Console.WriteLine($"{1500*128/sw.Elapsed.TotalSeconds:F0} samples/s");
    }
    public static void Run(BayesianNetwork net, ImageDataset train)
    {
        BayesGen.Torch.NativeMemory.TuneForTraining();
        var opt = optim.Adam(net.parameters(), 1e-3);
        var perm = randperm(train.Count);
        var ps = net.parameters().ToList();
        void Time(string name, Action<int> a, int n = 300) { for (int i = 0; i < 30; i++) a(i); var sw = Stopwatch.StartNew(); for (int i = 0; i < n; i++) a(i); Console.WriteLine($"{name}: {sw.Elapsed.TotalMilliseconds / n:F3} ms/step -> {128 * n / sw.Elapsed.TotalSeconds:F0} samples/s"); }
        net.train();
        Time("full", i => { using var d = NewDisposeScope(); var idx = perm.narrow(0, (i % 400) * 128, 128); var x = train.Images.index_select(0, idx); var y = train.Labels.index_select(0, idx); var loss = nn.functional.cross_entropy(net.forward(x), y) + net.ScaleKL() / 60000.0; foreach (var p in ps) p.grad?.zero_(); loss.backward(); net.AddWeightKLGradients(1/60000.0); opt.step(); net.ClipVariances(); loss.item<float>(); });
        Time("full-noopt", i => { using var d = NewDisposeScope(); var idx = perm.narrow(0, (i % 400) * 128, 128); var x = train.Images.index_select(0, idx); var y = train.Labels.index_select(0, idx); var loss = nn.functional.cross_entropy(net.forward(x), y) + net.ScaleKL() / 60000.0; foreach (var p in ps) p.grad?.zero_(); loss.backward(); net.AddWeightKLGradients(1/60000.0); net.ClipVariances(); loss.item<float>(); });
        Time("full-nokl", i => { using var d = NewDisposeScope(); var idx = perm.narrow(0, (i % 400) * 128, 128); var x = train.Images.index_select(0, idx); var y = train.Labels.index_select(0, idx); var loss = nn.functional.cross_entropy(net.forward(x), y); foreach (var p in ps) p.grad?.zero_(); loss.backward(); opt.step(); loss.item<float>(); });
        Time("fwdbwd+step", i => { using var d = NewDisposeScope(); var idx = perm.narrow(0, (i % 400) * 128, 128); var x = train.Images.index_select(0, idx); var y = train.Labels.index_select(0, idx); var loss = nn.functional.cross_entropy(net.forward(x), y); loss.backward(); opt.step(); });
        var tiny = randn(10); var tiny2 = randn(10);
        Time("tiny add x100", i => { for (int k = 0; k < 100; k++) { using var r = tiny.add(tiny2); } });
        Time("tiny add_ x100", i => { for (int k = 0; k < 100; k++) { tiny.add_(tiny2); } });
        Time("tiny mul scalar x100", i => { for (int k = 0; k < 100; k++) { using var r = tiny * 0.5; } });
        var big = randn(128, 784); var big2 = randn(128, 784);
        Time("100k mul x10", i => { for (int k = 0; k < 10; k++) { using var r = big * big2; } });
        Time("100k randn x10", i => { for (int k = 0; k < 10; k++) { using var r = randn(128, 784); } });
        Time("data", i => { using var d = NewDisposeScope(); var idx = perm.narrow(0, (i % 400) * 128, 128); var x = train.Images.index_select(0, idx); var y = train.Labels.index_select(0, idx); });
        Time("fwd", i => { using var d = NewDisposeScope(); using var ng = no_grad(); var idx = perm.narrow(0, (i % 400) * 128, 128); var x = train.Images.index_select(0, idx); net.forward(x); });
        Time("fwd+bwd", i => { using var d = NewDisposeScope(); var idx = perm.narrow(0, (i % 400) * 128, 128); var x = train.Images.index_select(0, idx); var y = train.Labels.index_select(0, idx); var loss = nn.functional.cross_entropy(net.forward(x), y); loss.backward(); });
        Time("scalekl fwd+bwd", i => { using var d = NewDisposeScope(); var loss = net.ScaleKL() / 60000.0; loss.backward(); });
        Time("weightkl grad", i => { net.AddWeightKLGradients(1/60000.0); });
        Time("opt.step", i => { using var d = NewDisposeScope(); opt.step(); });
        Time("zero", i => { foreach (var p in ps) p.grad?.zero_(); });
        Time("clip", i => { net.ClipVariances(); });
        // plain
        var l1 = nn.Linear(784, 300); var l2 = nn.Linear(300, 100); var l3 = nn.Linear(100, 10);
        var ps2 = l1.parameters().Concat(l2.parameters()).Concat(l3.parameters()).ToList();
        var o2 = optim.Adam(ps2, 1e-3);
        Time("plain full", i => { using var d = NewDisposeScope(); var idx = perm.narrow(0, (i % 400) * 128, 128); var x = train.Images.index_select(0, idx).flatten(1); var y = train.Labels.index_select(0, idx); var loss = nn.functional.cross_entropy(l3.forward(nn.functional.relu(l2.forward(nn.functional.relu(l1.forward(x))))), y); o2.zero_grad(); loss.backward(); o2.step(); loss.item<float>(); });
        var a = randn(128, 784); var w = randn(300, 784);
        Time("gemm 128x784x300", i => { using var d = NewDisposeScope(); a.matmul(w.t()); }, 1000);
    }
}
