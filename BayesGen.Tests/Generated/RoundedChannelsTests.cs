using BayesGen.Compression;
using BayesGen.Deployment;
using BayesGen.Layers;
using BayesGen.Tests.Generated.UserStyle;
using BayesGen.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using static BayesGen.Tests.Support.BayesianSetup;

namespace BayesGen.Tests.Generated;

/// <summary>
/// Kept channel counts rounded up to a multiple (<c>--round-channels</c>): which removed channels come back (the
/// strongest: lowest log α), that every reader follows them, that nothing changes without rounding, and that the
/// deployment still computes what the masked model does.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class RoundedChannelsTests
{
    private static int[] Keeping(int count, params int[] kept) => Enumerable.Range(0, count).Select(i => kept.Contains(i) ? 1 : 0).ToArray();

    /// <summary>Prunes the groups with log α = the given values (mean 1, so log α is the log-variance).</summary>
    private static void PruneWithLogAlpha(BayesianLayer layer, IReadOnlyDictionary<int, float> logAlpha)
    {
        var scale = (GroupNJScale)layer.Scale;
        using var _ = no_grad();
        foreach (var (g, value) in logAlpha)
        {
            scale.MeanParameter[g] = 1.0f;
            scale.LogVarianceParameter[g] = value;
        }
    }

    [Fact]
    public void The_strongest_removed_channels_come_back_until_the_count_is_a_multiple()
    {
        using var model = new VggStyleNet.Bayesian(new VggStyleNet(), Seeded(1));
        // conv2d-2a (16 filters) loses 7: 9 kept, rounded to 4 → 12: the three of the seven with the lowest log α return.
        PruneWithLogAlpha(model.Layer("features.conv2d-2a"), new Dictionary<int, float> { [0] = 6, [2] = 1, [5] = 4, [6] = 2, [9] = 5, [11] = 0.5f, [13] = 3 });
        // conv2d-0a (8 filters) loses 1: 7 kept, rounded to 4 → all 8.
        PruneGnj(model.Layer("features.conv2d-0a"), 3);

        using (var plain = model.ComputeMasks())
        {
            Assert.Equal(Keeping(16, 1, 3, 4, 7, 8, 10, 12, 14, 15), Bits(plain["features.conv2d-2a"].Output));
            Assert.Equal(7, Bits(plain["features.conv2d-0a"].Output).Sum());
        }
        using var masks = model.ComputeMasks(null, new MaskRules(RoundChannelsTo: 4));
        // Back: 11 (0.5), 2 (1), 6 (2); still removed: 13 (3), 5 (4), 9 (5), 0 (6).
        var kept = Keeping(16, 1, 2, 3, 4, 6, 7, 8, 10, 11, 12, 14, 15);
        Assert.Equal(kept, Bits(masks["features.conv2d-2a"].Output));
        Assert.Equal(kept, masks.Norms["features.bnrm2d-2a"].Select(b => b ? 1 : 0).ToArray());
        Assert.Equal(Enumerable.Repeat(1, 8), Bits(masks["features.conv2d-0a"].Output));
        // The flattened features of the returned channels are read again (49 positions each).
        var features = Enumerable.Range(0, 16 * 49).Select(f => kept[f / 49]).ToArray();
        Assert.Equal(features, Bits(masks["classifier.l1"].Input));
    }

    [Fact]
    public void A_rounded_deployment_computes_what_the_masked_model_computes()
    {
        using var model = new VggStyleNet.Bayesian(new VggStyleNet(), Seeded(2));
        PruneWithLogAlpha(model.Layer("features.conv2d-2a"), new Dictionary<int, float> { [0] = 6, [2] = 1, [5] = 4, [6] = 2, [9] = 5 });
        using var masks = model.ComputeMasks(null, new MaskRules(RoundChannelsTo: 8));
        Assert.Equal(16, Bits(masks["features.conv2d-2a"].Output).Sum());   // 11 kept → 16
        AssertDeployedAsMasked(model, masks, VggStyleNet.Compressed.From, 1, 28, 28);
    }

    /// <summary>The unrounded deployment of <paramref name="masks"/> computes what the masked model does, on random inputs.</summary>
    private static void AssertDeployedAsMasked(BayesianNetwork model, NetworkMasks masks, Func<CompressedModel, CompressedNetwork> load, params long[] input)
    {
        var result = NetworkCompression.Compress(model, masks);
        using var deployed = load(CompressedModel.From(model, result, quantized: false));
        model.ApplyMasks(masks);
        model.eval();
        using var x = randn(new long[] { 5 }.Concat(input).ToArray(), generator: new torch.Generator(3));
        using var expected = model.forward(x);
        using var actual = deployed.forward(x);
        Assert.True((expected - actual).abs().max().item<float>() < 1e-4f);
    }

    [Fact]
    public void A_channel_brought_back_into_a_sum_a_concatenation_feeds_brings_back_the_filter_that_writes_it()
    {
        using var model = new Classic.InceptionResidualNet.Bayesian(new Classic.InceptionResidualNet(), Seeded(4));
        // b1's filter 2 is channel 2 of the second block's sum, which the concatenation writes: removed, the sum keeps 11.
        PruneGnj(model.Layer("b1"), 2);
        using (var plain = model.ComputeMasks())
        {
            Assert.Equal(Keeping(5, 0, 1, 3, 4), Bits(plain["b1"].Output));
            Assert.Equal(Keeping(12, 0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11), Bits(plain["fc"].Input));
        }
        // Rounded to 4 the sum's channel 2 comes back, and with it b1's filter 2: the concatenation cannot hold a unit its part lost.
        using var masks = model.ComputeMasks(null, new MaskRules(RoundChannelsTo: 4));
        Assert.Equal(Keeping(5, 0, 1, 2, 3, 4), Bits(masks["b1"].Output));
        Assert.Equal(Enumerable.Repeat(1, 12), Bits(masks["fc"].Input));
        AssertDeployedAsMasked(model, masks, Classic.InceptionResidualNet.Compressed.From, 1, 12, 12);
    }

    [Fact]
    public void Rounding_to_one_changes_nothing_and_zero_is_refused()
    {
        using var model = new VggStyleNet.Bayesian(new VggStyleNet(), Seeded(3));
        PruneGnj(model.Layer("features.conv2d-2a"), 1, 4, 9);
        using var a = model.ComputeMasks();
        using var b = model.ComputeMasks(null, new MaskRules(RoundChannelsTo: 1));
        Assert.Equal(Bits(a["features.conv2d-2a"].Output), Bits(b["features.conv2d-2a"].Output));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ComputeMasks(null, new MaskRules(RoundChannelsTo: 0)));
    }
}
