using BayesGen.Compression;
using BayesGen.Tests.Generated.UserStyle;
using BayesGen.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using static BayesGen.Tests.Support.BayesianSetup;

namespace BayesGen.Tests.Generated;

/// <summary>
/// Masks propagated along the recorded graphs of networks written as users write them, checked unit by unit
/// against what the channel rule says by hand: a unit goes when every writer of its tensor calls it noise or every
/// reader ignores it; residual adds, depthwise convolutions, concatenations, flattens and permutes carry units.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class ChannelMaskTests
{
    private static int[] AllBut(int count, params int[] removed) => Enumerable.Range(0, count).Select(i => removed.Contains(i) ? 0 : 1).ToArray();

    [Fact]
    public void Vgg_loop_filters_reach_BatchNorm_the_next_convolution_and_the_flattened_features()
    {
        using var model = new VggStyleNet.Bayesian(new VggStyleNet(), Seeded(1));
        PruneGnj(model.Layer("features.conv2d-0a"), 1, 5);
        PruneGnj(model.Layer("features.conv2d-2a"), 3);
        PruneGnj(model.Layer("classifier.l2"), 4);
        // Every position of channel 7 unused by l1: the filter that computes it has no reader left.
        PruneGnj(model.Layer("classifier.l1"), Enumerable.Range(7 * 49, 49).ToArray());
        using var masks = model.ComputeMasks();

        Assert.Equal(AllBut(8, 1, 5), Bits(masks["features.conv2d-0a"].Output));
        Assert.Equal(AllBut(8, 1, 5), masks.Norms["features.bnrm2d-0a"].Select(b => b ? 1 : 0).ToArray());
        Assert.Equal(AllBut(8, 1, 5), Bits(masks["features.conv2d-2a"].Input));
        Assert.Equal(AllBut(16, 3, 7), Bits(masks["features.conv2d-2a"].Output));
        Assert.Equal(AllBut(16, 3, 7), masks.Norms["features.bnrm2d-2a"].Select(b => b ? 1 : 0).ToArray());
        var features = Enumerable.Range(0, 16 * 49).Select(f => f / 49 is 3 or 7 ? 0 : 1).ToArray();
        Assert.Equal(features, Bits(masks["classifier.l1"].Input));
        Assert.Equal(AllBut(32, 4), Bits(masks["classifier.l1"].Output));
        Assert.Equal(AllBut(32, 4), Bits(masks["classifier.l2"].Input));
    }

    [Fact]
    public void Conv1d_channels_reach_a_Linear_layer_across_a_permute()
    {
        using var model = new M5StyleNet.Bayesian(new M5StyleNet(), Seeded(2));
        PruneGnj(model.Layer("conv2"), 2);
        PruneGnj(model.Layer("fc1"), 9);
        using var masks = model.ComputeMasks();
        Assert.Equal(AllBut(16, 2, 9), Bits(masks["conv2"].Output));
        Assert.Equal(AllBut(16, 2, 9), masks.Norms["bn2"].Select(b => b ? 1 : 0).ToArray());
        Assert.Equal(AllBut(16, 2, 9), Bits(masks["fc1"].Input));
        Assert.Equal(AllBut(5), Bits(masks["fc1"].Output));   // the network's output keeps every unit
    }

    [Fact]
    public void What_a_layer_keeps_after_coupling_is_reported_beside_its_own_vote()
    {
        using var model = new ResNetStyleNet.Bayesian(new ResNetStyleNet(), Seeded(3));
        const string Stem = "layers.conv2d-first";
        // The stem calls channels 3 and 5 noise; block 0's second convolution, writing the same stream, keeps them.
        PruneGnj(model.Layer(Stem), 3, 5);
        using var anyKeeps = model.ComputeMasks(new PruningThresholds(), MaskRules.Default);
        var keeps = BayesGen.Samples.Commands.HeldOutThresholds.KeptAfterCoupling(model, anyKeeps);
        Assert.Equal(8, keeps[Stem]);
        using var anyRemoves = model.ComputeMasks(new PruningThresholds(), new MaskRules(CouplingRule.AnyWriterRemoves));
        var removes = BayesGen.Samples.Commands.HeldOutThresholds.KeptAfterCoupling(model, anyRemoves);
        Assert.Equal(6, removes[Stem]);
    }

    /// <summary>
    /// The held-out search measures each network once: a vote that coupling overrules leaves the network it was
    /// measured as (the same key), and a vote that removes a channel leaves another.
    /// </summary>
    [Fact]
    public void A_vote_coupling_overrules_leaves_the_same_network_to_measure()
    {
        using var model = new ResNetStyleNet.Bayesian(new ResNetStyleNet(), Seeded(3));
        const string Stem = "layers.conv2d-first";
        using var before = model.ComputeMasks(new PruningThresholds(), MaskRules.Default);
        var unpruned = BayesGen.Samples.Commands.HeldOutThresholds.NetworkKey(before);
        PruneGnj(model.Layer(Stem), 3, 5);
        using var anyKeeps = model.ComputeMasks(new PruningThresholds(), MaskRules.Default);
        Assert.Equal(unpruned, BayesGen.Samples.Commands.HeldOutThresholds.NetworkKey(anyKeeps));
        using var anyRemoves = model.ComputeMasks(new PruningThresholds(), new MaskRules(CouplingRule.AnyWriterRemoves));
        Assert.NotEqual(unpruned, BayesGen.Samples.Commands.HeldOutThresholds.NetworkKey(anyRemoves));
    }

    [Fact]
    public void A_residual_channel_goes_only_when_every_layer_writing_the_sum_calls_it_noise()
    {
        using var model = new ResNetStyleNet.Bayesian(new ResNetStyleNet(), Seeded(3));
        const string Stem = "layers.conv2d-first";
        const string Block0 = "layers.blck-8-0.layers.blck-8-0-conv2d-";
        const string Block1 = "layers.blck-16-0.layers.blck-16-0-conv2d-";
        const string Projection = "layers.blck-16-0.shortcut.blck-16-0-conv2d-3";

        // Only the stem calls channel 3 noise: block 0's second convolution still writes it into the stream.
        PruneGnj(model.Layer(Stem), 3);
        using (var masks = model.ComputeMasks())
        {
            Assert.Equal(AllBut(8), Bits(masks[Stem].Output));
            Assert.Equal(AllBut(8), Bits(masks[Block1 + "1"].Input));
        }

        // Under the other rule one writer's verdict is enough.
        using (var masks = model.ComputeMasks(coupling: BayesGen.Compression.CouplingRule.AnyWriterRemoves))
        {
            Assert.Equal(AllBut(8, 3), Bits(masks[Stem].Output));
            Assert.Equal(AllBut(8, 3), Bits(masks[Block0 + "2"].Output));
            Assert.Equal(AllBut(8, 3), Bits(masks[Block1 + "1"].Input));
        }

        // Both writers agree: the channel leaves the stem, block 0 (in and out), block 1's input and the projection.
        PruneGnj(model.Layer(Block0 + "2"), 3);
        PruneGnj(model.Layer("layers.linear"), 5);
        using (var masks = model.ComputeMasks())
        {
            Assert.Equal(AllBut(8, 3), Bits(masks[Stem].Output));
            Assert.Equal(AllBut(8, 3), Bits(masks[Block0 + "1"].Input));
            Assert.Equal(AllBut(8), Bits(masks[Block0 + "1"].Output));   // inside the block: its own channels
            Assert.Equal(AllBut(8, 3), Bits(masks[Block0 + "2"].Output));
            Assert.Equal(AllBut(8, 3), Bits(masks[Block1 + "1"].Input));
            Assert.Equal(AllBut(8, 3), Bits(masks[Projection].Input));
            // The second stage's stream: its only reader, the Linear head, drops channel 5, so both writers do.
            Assert.Equal(AllBut(16, 5), Bits(masks[Block1 + "2"].Output));
            Assert.Equal(AllBut(16, 5), Bits(masks[Projection].Output));
            Assert.Equal(AllBut(16, 5), Bits(masks["layers.linear"].Input));
        }
    }

    [Fact]
    public void A_depthwise_convolution_keeps_its_input_and_output_channel_together()
    {
        using var model = new MobileNetStyleNet.Bayesian(new MobileNetStyleNet(), Seeded(4));
        const string Stem = "layers.conv2d-first";
        PruneGnj(model.Layer("layers.conv2d-0a"), 2);
        using (var masks = model.ComputeMasks())
            Assert.Equal(AllBut(8), Bits(masks["layers.conv2d-0a"].Output));   // the stem still writes channel 2

        PruneGnj(model.Layer(Stem), 2);
        PruneGnj(model.Layer("head"), 4);
        using (var masks = model.ComputeMasks())
        {
            Assert.Equal(AllBut(8, 2), Bits(masks[Stem].Output));
            Assert.Equal(AllBut(8, 2), Bits(masks["layers.conv2d-0a"].Input));
            Assert.Equal(AllBut(8, 2), Bits(masks["layers.conv2d-0a"].Output));
            Assert.Equal(AllBut(8, 2), Bits(masks["layers.conv2d-0b"].Input));
            Assert.Equal(AllBut(16, 4), Bits(masks["layers.conv2d-1b"].Output));   // read only by the head, through the mean
            Assert.Equal(AllBut(16, 4), Bits(masks["head"].Input));
        }
    }

    [Fact]
    public void Concatenated_branches_map_each_channel_to_its_source()
    {
        using var model = new ConcatNet.Bayesian(new ConcatNet(), Seeded(5));
        PruneGnj(model.Layer("branch1"), 2);
        PruneGnj(model.Layer("branch3"), 1);
        using var masks = model.ComputeMasks();
        Assert.Equal(AllBut(6, 2), Bits(masks["branch1"].Output));
        Assert.Equal(AllBut(6, 1), Bits(masks["branch3"].Output));
        Assert.Equal(AllBut(12, 2, 6 + 1), Bits(masks["mix"].Input));
    }

    [Fact]
    public void Chunks_splits_and_a_narrow_map_each_unit_to_its_source()
    {
        using var model = new Classic.GatedConvNet.Bayesian(new Classic.GatedConvNet(), Seeded(5));
        using (var masks = model.ComputeMasks())
            Assert.Equal(AllBut(12, 8, 9, 10, 11), Bits(masks["conv3"].Output));   // narrow(1, 0, 8): nothing reads filters 8 to 11
        PruneGnj(model.Layer("conv1"), 3);    // value channel 3 of chunk(2): its product with gate channel 3 (conv1's 11) is gone
        PruneGnj(model.Layer("conv2"), 12);   // gate channel 2 of split([10, 10]): value channel 2 goes with it
        PruneGnj(model.Layer("fc"), 5);       // the narrow's unit 5 is conv3's filter 5
        using (var masks = model.ComputeMasks())
        {
            Assert.Equal(AllBut(16, 3, 8 + 3), Bits(masks["conv1"].Output));
            Assert.Equal(AllBut(8, 3), Bits(masks["conv2"].Input));
            Assert.Equal(AllBut(20, 2, 10 + 2), Bits(masks["conv2"].Output));
            Assert.Equal(AllBut(10, 2), Bits(masks["conv3"].Input));
            Assert.Equal(AllBut(12, 5, 8, 9, 10, 11), Bits(masks["conv3"].Output));
            Assert.Equal(AllBut(8, 5), Bits(masks["fc"].Input));
        }
    }

    [Fact]
    public void A_channel_shuffle_maps_each_channel_to_its_source_and_a_depthwise_reader_prunes_through_it()
    {
        using var model = new Classic.ShuffleNetV2Style.Bayesian(new Classic.ShuffleNetV2Style(), Seeded(5));
        // Stage 0 concatenates branch1 (channels 0-7) and branch2 (8-15), then shuffles: output j is input (j mod 2)·8 + j / 2.
        // Branch1's filter 5 is shuffled channel 10, which stage 1's chunk hands to its branch2 as channel 2.
        PruneGnj(model.Layer("stages.0.branch1.2"), 5);
        // Stage 2's first depthwise convolution reads stage 1's shuffled output; its channel 7 is stage 1's concatenated
        // channel 8 + 3, branch2's filter 3, which goes with it (and the 1×1 branch beside it loses channel 7 too).
        PruneGnj(model.Layer("stages.2.branch1.0"), 7);
        using var masks = model.ComputeMasks();
        Assert.Equal(AllBut(8, 5), Bits(masks["stages.0.branch1.2"].Output));
        Assert.Equal(AllBut(8, 2), Bits(masks["stages.1.branch2.0"].Input));
        Assert.Equal(AllBut(8, 3), Bits(masks["stages.1.branch2.5"].Output));
        Assert.Equal(AllBut(16, 7), Bits(masks["stages.2.branch1.0"].Output));
        Assert.Equal(AllBut(16, 7), Bits(masks["stages.2.branch2.0"].Input));
    }

    [Fact]
    public void A_channel_shuffle_that_a_grouped_convolution_reads_keeps_every_channel_it_is_made_of()
    {
        using var model = new Classic.ShuffleNetV1Style.Bayesian(new Classic.ShuffleNetV1Style(), Seeded(5));
        // The first unit's 1×1 convolution is not grouped and calls filter 2 noise; but its output, shuffled by hand, reaches
        // a depthwise convolution whose channels a grouped 1×1 reads whole: the shuffle keeps all 12, so their sources stay.
        PruneGnj(model.Layer("stage.0.squeeze.0"), 2);
        Assert.Equal(2, model.Graph.Nodes.Count(n => n.Op is BayesGen.Graph.ChannelShuffleOp { Groups: 3 }));   // written with view and transpose
        using var masks = model.ComputeMasks();
        Assert.Equal(AllBut(12), Bits(masks["stage.0.squeeze.0"].Output));
        Assert.Equal(AllBut(12), Bits(masks["stage.0.depthwise.0"].Output));
    }

    [Fact]
    public void The_KL_is_the_sum_over_every_layer_found_in_blocks_and_containers()
    {
        using var model = new ResNetStyleNet.Bayesian(new ResNetStyleNet(), Seeded(6));
        // stem, two convolutions per block, the projection, the head
        Assert.Equal(7, model.BayesianLayers.Count);
        using var kl = model.KL();
        double sum = model.BayesianLayers.Sum(l => { using var k = l.Layer.KL(); return (double)k.item<float>(); });
        Assert.InRange(kl.item<float>(), sum * (1 - 1e-5), sum * (1 + 1e-5));
        Assert.Equal(6, model.BatchNorms.Count);   // the stem's, two per block, the projection's
    }
}
