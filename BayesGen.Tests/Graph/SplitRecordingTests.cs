using BayesGen.Graph;
using BayesGen.Tracing;
using TorchSharp;
using static TorchSharp.torch;
using static BayesGen.Tests.Support.GraphRecording;

namespace BayesGen.Tests.Graph;

/// <summary>
/// The operations that split a tensor along its channels (chunk, split, narrow) and ShuffleNet's channel shuffle:
/// what they compute against TorchSharp's own, and what they record.
/// </summary>
public class SplitRecordingTests
{
    [Fact]
    public void Chunk_records_each_piece_as_the_slice_it_is()
    {
        using var x = randn(2, 8, 3, 3);
        Tensor[] pieces = Array.Empty<Tensor>();
        var graph = Record(x, t => { pieces = Ops.Chunk(t, 3, 1); return Ops.Concat(new[] { pieces[2], pieces[0] }, 1); });
        Assert.Equal(new[] { 3L, 3, 2 }, pieces.Select(p => p.shape[1]));
        var slices = graph.Nodes.Select(n => n.Op).OfType<SliceOp>().ToArray();
        Assert.Equal(new[] { new SliceOp(1, 0, 3), new SliceOp(1, 3, 3), new SliceOp(1, 6, 2) }, slices);
        for (int i = 0; i < 3; i++)
        {
            using var expected = x.narrow(1, slices[i].Start, slices[i].Length);
            Assert.True(pieces[i].equal(expected).all().item<bool>());
        }
    }

    [Fact]
    public void Split_by_sizes_and_narrow_with_a_negative_dimension_record_absolute_slices()
    {
        using var x = randn(2, 5, 7);
        var graph = Record(x, t =>
        {
            var parts = Ops.Split(t, new long[] { 2, 3 }, -2);
            return Ops.Concat(new[] { parts[1], Ops.Transpose(Ops.Narrow(t, -1, 4, 3), 1, 2) }, 2);
        });
        Assert.Equal(new GraphOp[] { new SliceOp(1, 0, 2), new SliceOp(1, 2, 3) }, graph.Nodes.Select(n => n.Op).OfType<SliceOp>().Take(2));
        Assert.Contains(new SliceOp(2, 4, 3), graph.Nodes.Select(n => n.Op));
    }

    [Fact]
    public void The_channel_shuffle_computes_what_TorchSharp_computes_and_its_index_rule()
    {
        using var x = randn(3, 12, 4, 5);
        using var mine = Ops.ChannelShuffle(x, 3);
        using var theirs = x.channel_shuffle(3);
        Assert.True(mine.equal(theirs).all().item<bool>());
        var op = new ChannelShuffleOp(3);
        for (long j = 0; j < 12; j++)
        {
            using var expected = x.select(1, op.SourceOf(j, 12));
            using var actual = mine.select(1, j);
            Assert.True(actual.equal(expected).all().item<bool>(), $"channel {j}");
        }
        var e = Assert.Throws<ArgumentException>(() => Ops.ChannelShuffle(x, 5));
        Assert.Contains("multiple of 5", e.Message);
    }

    [Fact]
    public void Splitting_the_batch_fails_with_what_to_write_instead()
    {
        using var x = randn(4, 6, 2, 2);
        var e = Assert.Throws<GraphRecordingException>(() => Record(x, t => Ops.Concat(Ops.Chunk(t, 2, 0), 1)));
        Assert.Contains("chunks the batch dimension", e.Message);
        e = Assert.Throws<GraphRecordingException>(() => Record(x, t => Ops.Concat(Ops.Split(t, new long[] { 0, 6 }, 1), 1)));
        Assert.Contains("into a piece with nothing in it", e.Message);
    }

    /// <summary>ShuffleNet's shuffle written out as torchvision's helper writes it: view into [N, g, C / g, H, W], transpose, view back.</summary>
    private static Tensor ShuffleByHand(Tensor t, long groups)
    {
        var split = Ops.Reshape(t, new[] { t.shape[0], groups, t.shape[1] / groups, t.shape[2], t.shape[3] }, view: true);
        return Ops.Reshape(Ops.Contiguous(Ops.Transpose(split, 1, 2)), new long[] { t.shape[0], -1, t.shape[2], t.shape[3] });
    }

    [Fact]
    public void The_channel_shuffle_written_with_view_and_transpose_records_the_channel_shuffle_it_is()
    {
        using var x = randn(4, 6, 2, 2);
        Tensor byHand = null!;
        var graph = Record(x, t => Ops.Scalar(byHand = ShuffleByHand(t, 2), 2.0, BinaryKind.Multiply));
        var method = Record(x, t => Ops.Scalar(Ops.ChannelShuffle(t, 2), 2.0, BinaryKind.Multiply));
        Assert.Equal(method.Nodes.Select(n => (n.Op, string.Join(",", n.Inputs), string.Join(",", n.Shape))),
                     graph.Nodes.Select(n => (n.Op, string.Join(",", n.Inputs), string.Join(",", n.Shape))));
        Assert.Contains(new ChannelShuffleOp(2), graph.Nodes.Select(n => n.Op));
        using var expected = x.channel_shuffle(2);
        Assert.True(byHand.equal(expected).all().item<bool>());
        // Viewed as [N, 3, 2, …] the shuffle is channel_shuffle(3); flatten(1, 2) merges as the view back does.
        var three = Record(x, t => Ops.Scalar(Ops.Flatten(Ops.Transpose(Ops.Reshape(t, new long[] { 4, 3, 2, 2, 2 }), 1, 2), 1, 2), 2.0, BinaryKind.Multiply));
        Assert.Contains(new ChannelShuffleOp(3), three.Nodes.Select(n => n.Op));
        // Split and merged back without a transpose, or transposed twice: the channels did not move, and nothing is recorded.
        var unmoved = Record(x, t => Ops.Scalar(Ops.Reshape(Ops.Transpose(Ops.Transpose(Ops.Reshape(t, new long[] { 4, 2, 3, 2, 2 }), 1, 2), 2, 1), new long[] { 4, 6, 2, 2 }), 2.0, BinaryKind.Multiply));
        Assert.Equal(new GraphOp[] { new InputOp(), new ScalarOp(BinaryKind.Multiply, 2.0, false) }, unmoved.Nodes.Select(n => n.Op));
        Assert.Equal(new[] { 0 }, unmoved.Nodes[1].Inputs);
    }

    [Fact]
    public void Channels_split_by_a_view_and_used_otherwise_fail_naming_the_split_and_the_shuffle()
    {
        using var x = randn(4, 6, 2, 2);
        Tensor Split(Tensor t) => Ops.Reshape(t, new long[] { 4, 2, 3, 2, 2 });
        var cases = new (Func<Tensor, Tensor> Forward, string Says)[]
        {
            (t => Ops.Reduce(Split(t), ReduceKind.Mean, new long[] { 2 }), "mean"),                                  // a reduction over one part
            (t => Ops.Reshape(Ops.Transpose(Split(t), 1, 2), new long[] { 4, 3, 8 }), "views"),                       // merged into another shape
            (t => Ops.Reshape(Ops.Permute(Split(t), new long[] { 0, 2, 3, 1, 4 }), new long[] { 4, 6, 2, 2 }), "permutes (0, 2, 3, 1, 4)"),
            (t => Ops.Flatten(Split(t), 2, 3), "flattens (flatten(2, 3))"),
            (t => Ops.Transpose(Split(t), 1, 2), "returns"),                                                         // never merged back
        };
        foreach (var (forward, says) in cases)
        {
            var e = Assert.Throws<GraphRecordingException>(() => Record(x, forward));
            Assert.Contains(says, e.Message);
            Assert.Contains("the channels of [4, 6, 2, 2] split into 2 × 3 by a view", e.Message);
            Assert.Contains("x.channel_shuffle(2)", e.Message);
        }
        // A view that moves channels into the positions is not followed.
        var other = Assert.Throws<GraphRecordingException>(() => Record(x, t => Ops.Reshape(t, new long[] { 4, 3, 2, 4 })));
        Assert.Contains("BayesGen cannot follow channels through it", other.Message);
    }

    [Fact]
    public void Range_slices_take_what_TorchSharps_indexer_takes_and_record_one_slice_each()
    {
        using var x = randn(2, 9, 5);
        var cases = new (Func<Tensor, Tensor> Ours, Func<Tensor, Tensor> Theirs)[]
        {
            (t => Ops.RangeSlice(t, 1, 2..5), t => t[.., 2..5]),
            (t => Ops.RangeSlice(t, 1, ..^2), t => t[.., ..^2]),
            (t => Ops.RangeSlice(t, -1, ^3..), t => t[.., .., ^3..]),
            (t => Ops.RangeSlice(t, 1, -4L, null), t => t[TensorIndex.Colon, TensorIndex.Slice(-4, null)]),
            (t => Ops.RangeSlice(t, 1, 3L, 100L), t => t[TensorIndex.Colon, TensorIndex.Slice(3, 100)]),   // clamped, as PyTorch does
            (t => Ops.RangeSlice(t, 2, ((int?)1, (int?)null)), t => t[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice((1, null))]),
        };
        foreach (var (ours, theirs) in cases)
        {
            using var expected = theirs(x);
            var graph = Record(x, t => Ops.Scalar(ours(t), 2.0, BinaryKind.Multiply));
            var slice = Assert.Single(graph.Nodes.Select(n => n.Op).OfType<SliceOp>());
            Assert.Equal(expected.shape, graph.Nodes[graph.Output].Shape);
            using var again = x.narrow(slice.Dim, slice.Start, slice.Length);
            Assert.True(again.equal(expected).all().item<bool>(), slice.Describe());
        }
        // The whole dimension is the tensor itself; an empty slice cannot be followed.
        Assert.DoesNotContain(Record(x, t => Ops.Scalar(Ops.RangeSlice(t, 1, 0..), 2.0, BinaryKind.Multiply)).Nodes, n => n.Op is SliceOp);
        Assert.Contains("empty slice", Assert.Throws<GraphRecordingException>(() => Record(x, t => Ops.Scalar(Ops.RangeSlice(t, 1, 4..4), 2.0, BinaryKind.Multiply))).Message);
    }
}
