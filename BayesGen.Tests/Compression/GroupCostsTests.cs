using BayesGen.Compression;
using BayesGen.Deployment;
using BayesGen.Tests.Support;

namespace BayesGen.Tests.Compression;

/// <summary>
/// What a group's removal saves, in weights and in multiply-adds, against hand-worked values for LeNet-5-Caffe
/// (conv 1→20 5×5 on 28×28, conv 20→50 5×5 on 12×12, 800→500, 500→10).
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class GroupCostsTests
{
    private static BayesianNetwork LeNet5(out IDisposable plain)
    {
        var entry = BayesGen.Samples.Models.ModelCatalog.Find("lenet5", "gnj");
        var p = entry.CreatePlain();
        plain = p;
        return entry.CreateBayesian(p, BayesianOptions.Default);
    }

    [Fact]
    public void A_convolution_channel_costs_its_weights_at_every_output_position_and_a_linear_group_its_weights_once()
    {
        using var bayesian = LeNet5(out var plain);
        using var _ = plain;
        // conv1: a filter of 1·5·5 weights at 24·24 positions; conv2: 20·5·5 at 8·8; fc1 and fc2 group their inputs:
        // an input feeds 500 and 10 outputs, once per example.
        Assert.Equal(25, GroupCosts.Weights(bayesian.Layer("conv1")));
        Assert.Equal(25 * 576, GroupCosts.MultiplyAdds(bayesian, "conv1"));
        Assert.Equal(500 * 64, GroupCosts.MultiplyAdds(bayesian, "conv2"));
        Assert.Equal(500, GroupCosts.MultiplyAdds(bayesian, "fc1"));
        Assert.Equal(10, GroupCosts.MultiplyAdds(bayesian, "fc2"));
        Assert.Equal(500, GroupCosts.Gain(bayesian, "conv2", PruningObjective.Size));
        Assert.Equal(500 * 64, GroupCosts.Gain(bayesian, "conv2", PruningObjective.Speed));
        Assert.Equal(20 * 25 * 576 + 50 * 500 * 64 + 800 * 500 + 500 * 10, GroupCosts.DenseMultiplyAdds(bayesian));
        Assert.Throws<KeyNotFoundException>(() => GroupCosts.MultiplyAdds(bayesian, "fc9"));
    }

    /// <summary>
    /// What the network keeps, counted through the masks: a conv1 filter takes conv2's 5×5 input slice of every kept conv2
    /// filter with it, and an fc1 input holds only as many weights as fc2 keeps inputs (hand-worked for LeNet-5).
    /// </summary>
    [Fact]
    public void The_kept_cost_counts_what_a_removal_takes_from_the_neighbouring_layers()
    {
        using var bayesian = LeNet5(out var plain);
        using var _ = plain;
        BayesianSetup.SpreadStatistics(bayesian, 11);
        long KeptWith(PruningObjective objective, params (string Layer, int Removed)[] removals)
        {
            var thresholds = ThresholdSearch.KeepingEverything(Statistics(bayesian));
            foreach (var (name, removed) in removals)
            {
                var layer = bayesian.Layer(name);
                thresholds.Set(name, ThresholdSearch.Candidates(layer.Scale.PruningStatisticValues(), layer.Scale.Direction)[removed]);
            }
            using var masks = bayesian.ComputeMasks(thresholds);
            return GroupCosts.Kept(bayesian, masks, objective);
        }
        long dense = 20 * 25 + 50 * 20 * 25 + 800 * 500 + 500 * 10;
        Assert.Equal(dense, KeptWith(PruningObjective.Size));
        Assert.Equal(GroupCosts.DenseMultiplyAdds(bayesian), KeptWith(PruningObjective.Speed));
        // One conv1 filter: its own 25 weights and a 5×5 slice of each of conv2's 50 filters.
        Assert.Equal(dense - 25 - 50 * 25, KeptWith(PruningObjective.Size, ("conv1", 1)));
        // ... at 24·24 and 8·8 positions.
        Assert.Equal(GroupCosts.DenseMultiplyAdds(bayesian) - 25 * 576 - 50 * 25 * 64, KeptWith(PruningObjective.Speed, ("conv1", 1)));
        // An fc1 input holds 500 weights while fc2 keeps its 500 inputs, and 12 once fc2 keeps 12 of them.
        Assert.Equal(dense - 500, KeptWith(PruningObjective.Size, ("fc1", 1)));
        long fc2At12 = KeptWith(PruningObjective.Size, ("fc2", 488));
        Assert.Equal(20 * 25 + 50 * 20 * 25 + 800 * 12 + 12 * 10, fc2At12);
        Assert.Equal(fc2At12 - 12, KeptWith(PruningObjective.Size, ("fc2", 488), ("fc1", 1)));
    }

    /// <summary>
    /// The kept cost is what compression stores and the deployment computes, on LeNet-5, on a network with depthwise
    /// convolutions and on one whose blocks share channels through skip connections: a third of every layer's groups
    /// voted out, the masks propagated, and the compressed network's kept weights and multiply-adds counted.
    /// </summary>
    [Theory]
    [InlineData("lenet5")]
    [InlineData("mobilenet")]
    [InlineData("resnet")]
    public void The_kept_cost_is_what_the_compressed_network_stores_and_computes(string model)
    {
        var entry = BayesGen.Samples.Models.ModelCatalog.Find(model, "gnj");
        using var plain = entry.CreatePlain();
        using var bayesian = entry.CreateBayesian(plain, BayesianOptions.Default);
        BayesianSetup.SpreadStatistics(bayesian, 11);
        var thresholds = new PruningThresholds();
        foreach (var (name, layer) in bayesian.BayesianLayers)
        {
            var candidates = ThresholdSearch.Candidates(layer.Scale.PruningStatisticValues(), layer.Scale.Direction);
            thresholds.Set(name, candidates[candidates.Length / 3]);
        }
        using var masks = bayesian.ComputeMasks(thresholds);
        var compressed = NetworkCompression.Compress(bayesian, masks, thresholds: thresholds);
        long stored = compressed.Layers.Sum(l => l.KeptWeights);
        Assert.True(stored < compressed.Layers.Sum(l => l.TotalWeights));
        Assert.Equal(stored, GroupCosts.Kept(bayesian, masks, PruningObjective.Size));
        Assert.Equal(CompressedModel.From(bayesian, compressed).MultiplyAdds(), GroupCosts.Kept(bayesian, masks, PruningObjective.Speed));
    }

    private static List<ThresholdSearch.LayerStatistic> Statistics(BayesianNetwork bayesian)
        => bayesian.BayesianLayers.Select(l => new ThresholdSearch.LayerStatistic(l.Name, l.Layer.Scale.PruningStatisticValues(), l.Layer.Scale.Direction)).ToList();

    [Fact]
    public void Positions_are_the_output_elements_of_one_example_per_unit()
    {
        Assert.Equal(1, GroupCosts.Positions([2, 10], 10));
        Assert.Equal(7, GroupCosts.Positions([2, 7, 10], 10));   // a linear layer over 7 tokens
        Assert.Equal(36, GroupCosts.Positions([2, 16, 6, 6], 16));
        Assert.Throws<ArgumentException>(() => GroupCosts.Positions([2, 7, 10], 3));
        Assert.Throws<ArgumentException>(() => GroupCosts.Positions([10], 10));
    }

    [Fact]
    public void The_deployment_counts_the_kept_channels_on_both_sides_of_each_layer()
    {
        using var bayesian = LeNet5(out var plain);
        using var _ = plain;
        BayesianSetup.SpreadStatistics(bayesian, 11);
        var thresholds = new PruningThresholds();
        foreach (var (name, layer) in bayesian.BayesianLayers)
        {
            var sorted = layer.Scale.PruningStatisticValues().Order().ToArray();
            thresholds.Set(name, 0.5 * (sorted[sorted.Length / 3] + sorted[sorted.Length / 3 + 1]));   // about a third either way
        }
        using var masks = bayesian.ComputeMasks(thresholds);
        var result = NetworkCompression.Compress(bayesian, masks, thresholds: thresholds);
        var deployment = CompressedModel.From(bayesian, result);
        var byName = result.Layers.ToDictionary(l => l.Name);
        long Kept(string name, long perPair) => byName[name].KeptOutputs.LongLength * byName[name].KeptInputs.LongLength * perPair;
        long expected = Kept("conv1", 25 * 576) + Kept("conv2", 25 * 64) + Kept("fc1", 1) + Kept("fc2", 1);
        Assert.Equal(expected, deployment.MultiplyAdds());
        Assert.True(expected < GroupCosts.DenseMultiplyAdds(bayesian));
        Assert.All(result.Layers, l => Assert.True(l.KeptGroups < l.Groups, $"{l.Name} keeps every group"));
    }
}
