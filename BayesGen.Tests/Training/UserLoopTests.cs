using BayesGen.Compression;
using BayesGen.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BayesGen.Tests.Training;

/// <summary>A small network of the user's, annotated; the generator writes its Bayesian model into the test assembly.</summary>
[GroupNJ]
[InputShape(16)]
public partial class SignalMlp : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> fc1 = Linear(16, 32);
    private readonly Module<Tensor, Tensor> fc2 = Linear(32, 2);

    public SignalMlp() : base(nameof(SignalMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) => fc2.forward(functional.relu(fc1.forward(x)));
}

/// <summary>
/// The user's own data and loop: a TorchSharp DataLoader through <see cref="BayesianTrainer"/>, and a plain TorchSharp
/// loop with TorchSharp's own Adam plus the two lines the README gives (KL()/N in the loss, ClipVariances() after the
/// step). Both must train and prune the inputs that carry no signal (inputs 0–3 decide the class, 4–15 are noise).
/// </summary>
[Collection(Support.HeavyCollection.Name)]
public sealed class UserLoopTests
{
    private const int Examples = 2_000;

    private static (Tensor X, Tensor Y) Data(int count, ulong seed)
    {
        var x = randn(new long[] { count, 16 }, generator: new torch.Generator(seed));
        var y = (x.narrow(1, 0, 4).sum(1) > 0).to(ScalarType.Int64);
        return (x, y);
    }

    /// <summary>A TorchSharp dataset of dictionaries, as TorchSharp's examples write them.</summary>
    private sealed class SignalDataset(Tensor x, Tensor y) : torch.utils.data.Dataset
    {
        public override long Count => x.shape[0];

        public override Dictionary<string, Tensor> GetTensor(long index) => new() { ["data"] = x[index], ["label"] = y[index] };
    }

    private static long[] KeptInputs(SignalMlp.Bayesian model)
    {
        using var masks = model.ComputeMasks();
        return masks["fc1"].KeptInputIndices();
    }

    private static void AssertSignalKeptAndNoisePruned(long[] kept)
    {
        Assert.True(new long[] { 0, 1, 2, 3 }.All(kept.Contains), $"kept inputs {string.Join(",", kept)}");
        Assert.True(kept.Count(i => i >= 4) <= 3, $"kept inputs {string.Join(",", kept)}: the noise inputs should be pruned");
    }

    [Fact]
    public void A_TorchSharp_DataLoader_trains_through_the_trainer()
    {
        torch.manual_seed(1);
        var (x, y) = Data(Examples, 1);
        var (tx, ty) = Data(1_000, 2);
        using var train = new DataLoader(new SignalDataset(x, y), batchSize: 100, shuffle: true, seed: 3);
        using var test = new DataLoader(new SignalDataset(tx, ty), batchSize: 500);
        using var model = new SignalMlp.Bayesian(new SignalMlp());
        var result = new BayesianTrainer(new TrainingOptions { Epochs = 40, LearningRate = 1e-2 })
            .Train(model, TrainingBatches.From(train, Examples), TrainingBatches.From(test, 1_000));
        Assert.True(result.Last.TestErrorPercent < 5, $"test error {result.Last.TestErrorPercent:F2} %");
        AssertSignalKeptAndNoisePruned(KeptInputs(model));
    }

    [Fact]
    public void A_plain_TorchSharp_loop_with_KL_over_N_and_clipping_trains_and_prunes()
    {
        torch.manual_seed(2);
        var (x, y) = Data(Examples, 1);
        using var model = new SignalMlp.Bayesian(new SignalMlp());
        using var adam = optim.Adam(model.parameters(), lr: 1e-2);
        model.train();
        for (int epoch = 0; epoch < 40; epoch++)
        {
            using var order = randperm(Examples);
            for (int start = 0; start < Examples; start += 100)
            {
                using var scope = NewDisposeScope();
                var index = order.narrow(0, start, 100);
                var loss = functional.cross_entropy(model.forward(x.index_select(0, index)), y.index_select(0, index))
                         + model.KL() / Examples;   // the first added line
                adam.zero_grad();
                loss.backward();
                adam.step();
                model.ClipVariances();              // the second
            }
        }
        model.eval();
        var (tx, ty) = Data(1_000, 2);
        using (no_grad())
        {
            double error = 100.0 * model.forward(tx).argmax(1).ne(ty).sum().item<long>() / 1_000;
            Assert.True(error < 5, $"test error {error:F2} %");
        }
        AssertSignalKeptAndNoisePruned(KeptInputs(model));
    }

    [Fact]
    public void A_custom_loss_replaces_cross_entropy()
    {
        var (x, y) = Data(Examples, 1);
        var calls = 0;
        using var model = new SignalMlp.Bayesian(new SignalMlp());
        var source = TrainingBatches.From(() => Enumerable.Range(0, 20).Select(i => (x.narrow(0, i * 100, 100), y.narrow(0, i * 100, 100))), Examples);
        new BayesianTrainer(new TrainingOptions { Epochs = 1, Loss = (output, target) => { calls++; return functional.nll_loss(functional.log_softmax(output, 1), target); } })
            .Train(model, source, source);
        Assert.Equal(20, calls);
    }

    [Fact]
    public void A_DataLoader_without_the_expected_keys_is_named()
    {
        var (x, y) = Data(200, 1);
        using var loader = new DataLoader(new SignalDataset(x, y), batchSize: 100);
        using var model = new SignalMlp.Bayesian(new SignalMlp());
        var e = Assert.Throws<ArgumentException>(() => new BayesianTrainer(new TrainingOptions { Epochs = 1 })
            .Train(model, TrainingBatches.From(loader, 200, inputKey: "image"), TrainingBatches.From(loader, 200)));
        Assert.Contains("data, label", e.Message);
        Assert.Contains("'image'", e.Message);
    }
}
