using BayesGen.Compression;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Compression;

public class MaskPropagationTests
{
    private static Tensor Bools(params int[] bits) => tensor(bits.Select(b => b != 0).ToArray());

    private static int[] Bits(Tensor mask) => mask.data<bool>().ToArray().Select(b => b ? 1 : 0).ToArray();

    [Fact]
    public void MLP_masks_agree_across_each_connection()
    {
        // fc1: 4→3, own groups (inputs) 1011; fc2: 3→2, own groups 110; fc3: 2→2, own groups 01.
        using var fc1 = new LayerMasks(Bools(1, 0, 1, 1), Bools(1, 1, 1));
        using var fc2 = new LayerMasks(Bools(1, 1, 0), Bools(1, 1));
        using var fc3 = new LayerMasks(Bools(0, 1), Bools(1, 1));
        MaskPropagation.Direct(fc1, fc2);
        MaskPropagation.Direct(fc2, fc3);
        Assert.Equal(new[] { 1, 0, 1, 1 }, Bits(fc1.Input));
        Assert.Equal(new[] { 1, 1, 0 }, Bits(fc1.Output));   // fc2 dropped its input 2, so fc1 drops row 2
        Assert.Equal(new[] { 1, 1, 0 }, Bits(fc2.Input));
        Assert.Equal(new[] { 0, 1 }, Bits(fc2.Output));      // fc3 dropped its input 0
        Assert.Equal(new[] { 0, 1 }, Bits(fc3.Input));
        Assert.Equal(new[] { 1, 1 }, Bits(fc3.Output));      // the last layer keeps every output
    }

    [Fact]
    public void Conv_to_conv_follows_the_producer_filters()
    {
        using var conv1 = new LayerMasks(Bools(1), Bools(1, 0, 1));
        using var conv2 = new LayerMasks(Bools(1, 1, 1), Bools(0, 1));
        MaskPropagation.Direct(conv1, conv2);
        Assert.Equal(new[] { 1, 0, 1 }, Bits(conv2.Input));
        Assert.Equal(new[] { 1, 0, 1 }, Bits(conv1.Output));
    }

    [Fact]
    public void Conv_flatten_linear_maps_features_to_channels_index_by_index()
    {
        // conv: 3 filters, kept 1 0 1; 2 positions each (H·W = 2) → fc input features 0..5 from channels 0 0 1 1 2 2.
        // fc own groups: 1 1 1 0 0 0. Feature kept iff its channel and its group are kept → 1 1 0 0 0 0.
        // Channel 2 is kept by the conv but none of its features is used → dropped.
        using var conv = new LayerMasks(Bools(1), Bools(1, 0, 1));
        using var fc = new LayerMasks(Bools(1, 1, 1, 0, 0, 0), Bools(1, 1));
        MaskPropagation.Flatten(conv, fc, spatial: 2);
        Assert.Equal(new[] { 1, 1, 0, 0, 0, 0 }, Bits(fc.Input));
        Assert.Equal(new[] { 1, 0, 0 }, Bits(conv.Output));
        Assert.Equal(new long[] { 0, 1 }, MaskPropagation.FeaturesWithinKeptChannels(conv, fc, 2));
    }

    [Fact]
    public void Features_within_kept_channels_are_relative_to_the_pruned_layout()
    {
        // 4 channels × 3 positions; kept channels 1 and 3; kept features 4 (ch 1, pos 1), 9 (ch 3, pos 0), 11 (ch 3, pos 2).
        using var conv = new LayerMasks(Bools(1), Bools(0, 1, 0, 1));
        using var fc = new LayerMasks(Bools(0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1), Bools(1));
        MaskPropagation.Flatten(conv, fc, spatial: 3);
        // In the pruned layout channel 1 → slot 0 (features 0..2), channel 3 → slot 1 (features 3..5).
        Assert.Equal(new long[] { 1, 3, 5 }, MaskPropagation.FeaturesWithinKeptChannels(conv, fc, 3));
    }

    [Fact]
    public void Mismatched_sizes_are_reported_with_both_numbers()
    {
        using var a = new LayerMasks(Bools(1), Bools(1, 1, 1));
        using var b = new LayerMasks(Bools(1, 1), Bools(1));
        var e = Assert.Throws<ArgumentException>(() => MaskPropagation.Direct(a, b));
        Assert.Contains("3 output units", e.Message);
        Assert.Contains("2 input units", e.Message);
        var f = Assert.Throws<ArgumentException>(() => MaskPropagation.Flatten(a, b, 5));
        Assert.Contains("15 features", f.Message);
    }
}
