using BayesGen.Training;
using static TorchSharp.torch;

namespace BayesGen.Tests.Training;

/// <summary>The held-out split of a training set (disjoint, complete, reproducible from its seed), and samples drawn the same way.</summary>
public sealed class HeldOutSplitTests
{
    /// <summary>A dataset whose image i holds the number i everywhere, so each example says where it came from.</summary>
    private static ImageDataset Numbered(int n)
        => new("numbered", arange(n, dtype: ScalarType.Float32).reshape(n, 1, 1, 1).expand(n, 1, 2, 2).contiguous(), arange(n, dtype: ScalarType.Int64) % 3, 3);

    private static long[] Ids(ImageDataset d) => d.Images[TensorIndex.Colon, 0, 0, 0].to(ScalarType.Int64).data<long>().ToArray();

    [Fact]
    public void Held_out_and_rest_are_disjoint_and_cover_the_set_in_order()
    {
        using var all = Numbered(100);
        var (rest, heldOut) = all.SplitOff(20, seed: 1);
        using var _ = rest;
        using var __ = heldOut;
        long[] r = Ids(rest), h = Ids(heldOut);
        Assert.Equal(80, r.Length);
        Assert.Equal(20, h.Length);
        Assert.Empty(r.Intersect(h));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), r.Concat(h).OrderBy(i => i));
        Assert.Equal(r.OrderBy(i => i), r);
        Assert.Equal(h.OrderBy(i => i), h);
        Assert.Equal(heldOut.Labels.data<long>().ToArray(), h.Select(i => i % 3));   // labels travel with their images
        Assert.Equal(100, all.Count);                                                   // the source is untouched
    }

    [Fact]
    public void The_same_seed_chooses_the_same_examples_and_another_seed_others()
    {
        using var all = Numbered(500);
        var (a, heldA) = all.SplitOff(50, seed: 7);
        var (b, heldB) = all.SplitOff(50, seed: 7);
        var (c, heldC) = all.SplitOff(50, seed: 8);
        Assert.Equal(Ids(heldA), Ids(heldB));
        Assert.NotEqual(Ids(heldA), Ids(heldC));
        foreach (var d in new[] { a, heldA, b, heldB, c, heldC }) d.Dispose();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(10)]
    public void Sizes_that_leave_nothing_on_one_side_are_refused(long count)
    {
        using var all = Numbered(10);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => all.SplitOff(count, seed: 1));
        Assert.Contains("between 1 and 9", e.Message);
    }

    [Fact]
    public void A_sample_is_what_the_split_would_hold_out_in_order_and_leaves_the_set_as_it_is()
    {
        using var all = Numbered(300);
        using var sample = all.Sample(40, seed: 5);
        var (rest, heldOut) = all.SplitOff(40, seed: 5);
        using var _ = rest;
        using var __ = heldOut;
        long[] s = Ids(sample);
        Assert.Equal(Ids(heldOut), s);
        Assert.Equal(s.OrderBy(i => i), s);
        Assert.Equal(40, s.Distinct().Count());
        Assert.Equal(sample.Labels.data<long>().ToArray(), s.Select(i => i % 3));
        Assert.Equal(300, all.Count);
        using var other = all.Sample(40, seed: 6);
        Assert.NotEqual(s, Ids(other));
    }

    [Fact]
    public void A_sample_as_large_as_the_set_is_all_of_it_and_an_empty_one_is_refused()
    {
        using var all = Numbered(12);
        using var every = all.Sample(10_000, seed: 1);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), Ids(every));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => all.Sample(0, seed: 1));
        Assert.Contains("at least one example", e.Message);
    }
}
