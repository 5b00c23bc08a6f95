using BayesGen.Compression;
using BayesGen.Tests.Generated;
using BayesGen.Tests.Support;
using BayesGen.Training;
using TorchSharp;
using static TorchSharp.torch;
using static BayesGen.Tests.Support.BayesianSetup;

namespace BayesGen.Tests.Training;

/// <summary>A model converted to float64 (as the equivalence check uses one) trains, prunes and compresses.</summary>
[Collection(HeavyCollection.Name)]
public sealed class Float64ModelTests
{
    [Fact]
    public void A_float64_model_trains_records_its_graph_prunes_and_compresses()
    {
        using var twice = new TinyLeNet.Bayesian(new TinyLeNet(), Seeded(3));
        twice.to(ScalarType.Float64);
        foreach (var (_, layer) in twice.BayesianLayers) PruneGnj(layer, 0);   // something to prune in every layer

        using var g = new torch.Generator(4);
        var x = rand([16, 1, 14, 14], dtype: ScalarType.Float64, generator: g) * 2 - 1;
        var y = randint(3, [16], generator: g);
        var batches = TrainingBatches.From(() => [(x.clone(), y.clone())], 16);
        var history = new BayesianTrainer(new TrainingOptions { Epochs = 1, BatchSize = 16, AdaptThreads = false }).Train(twice, batches, batches).History;
        Assert.True(double.IsFinite(history[0].Loss) && double.IsFinite(history[0].KL), "loss and KL are read whatever the floating type");

        using var masks = twice.ComputeMasks();
        var result = NetworkCompression.Compress(twice, masks);
        Assert.All(result.Layers, l => Assert.True(l.KeptGroups < l.Groups, $"{l.Name} pruned nothing"));
        Assert.All(result.Layers, l => Assert.All(l.Weights, w => Assert.True(float.IsFinite(w))));
        Assert.NotEmpty(StatisticHistogram.Of(twice, PruningThresholds.None));
    }
}
