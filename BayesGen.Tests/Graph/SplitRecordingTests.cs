using BayesGen.Graph;
using BayesGen.Tracing;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Graph;

/// <summary>
/// The operations that split a tensor along its channels (chunk, split, narrow) and ShuffleNet's channel shuffle:
/// what they compute against TorchSharp's own, and what they record.
/// </summary>
public class SplitRecordingTests
{
    private sealed class Holder : nn.Module<Tensor, Tensor>
    {
        public Holder() : base(nameof(Holder)) { }
        public override Tensor forward(Tensor x) => x;
    }

    private static NetworkGraph Record(Tensor input, Func<Tensor, Tensor> forward)
    {
        using var root = new Holder();
        using var tracer = GraphTracer.Begin(root, input);
        return tracer.Finish(forward(input));
    }

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
    public void Splitting_the_batch_or_shuffling_by_hand_fails_with_what_to_write_instead()
    {
        using var x = randn(4, 6, 2, 2);
        var e = Assert.Throws<GraphRecordingException>(() => Record(x, t => Ops.Concat(Ops.Chunk(t, 2, 0), 1)));
        Assert.Contains("chunks the batch dimension", e.Message);
        e = Assert.Throws<GraphRecordingException>(() => Record(x, t => Ops.Concat(Ops.Split(t, new long[] { 0, 6 }, 1), 1)));
        Assert.Contains("into a piece with nothing in it", e.Message);
        // ShuffleNet's shuffle written out: view into [N, g, C / g, H, W], transpose, view back.
        e = Assert.Throws<GraphRecordingException>(() => Record(x, t =>
            Ops.Reshape(Ops.Transpose(Ops.Reshape(t, new long[] { 4, 2, 3, 2, 2 }, view: true), 1, 2).contiguous(), new long[] { 4, -1, 2, 2 })));
        Assert.Contains("x.channel_shuffle(groups)", e.Message);
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
