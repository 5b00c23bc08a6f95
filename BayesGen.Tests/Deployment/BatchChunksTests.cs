using BayesGen.Deployment;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Deployment;

/// <summary>Chunked forward passes and the ReLU/max-pool execution order of deployment networks.</summary>
public class BatchChunksTests
{
    [Theory]
    [InlineData(0, 1)]      // whole batch
    [InlineData(64, 3)]     // 150 = 64 + 64 + 22
    [InlineData(150, 1)]    // one chunk covers it
    [InlineData(1, 150)]
    public void Chunks_cover_the_batch_in_order(int rows, int calls)
    {
        using var x = arange(150 * 2, dtype: float32).view(150, 2);
        int seen = 0;
        using var y = BatchChunks.Forward(x, rows, chunk => { seen++; return chunk * 2; });
        Assert.Equal(calls, seen);
        Assert.True(y.allclose(x * 2, 0, 0));
    }

    [Fact]
    public void Negative_rows_are_refused_by_name()
    {
        using var x = zeros(3, 2);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BatchChunks.Forward(x, -1, c => c));
        Assert.Equal("rows", e.ParamName);
    }

    [Fact]
    public void Relu_runs_after_a_following_max_pool_only()
    {
        var relu = new ActivationOp(ActivationKind.Relu);
        var tanh = new ActivationOp(ActivationKind.Tanh);
        var max = new PoolOp(PoolKind.Max, 2, 2, 2, 2, 0, 0);
        var avg = new PoolOp(PoolKind.Average, 2, 2, 2, 2, 0, 0);
        var flatten = new FlattenOp();
        Assert.Equal(new GraphOp[] { max, relu, flatten }, CompressedNetwork.ExecutionOrder(new GraphOp[] { relu, max, flatten }));
        // An average of ReLUs is not the ReLU of an average; tanh is left where the source put it.
        Assert.Equal(new GraphOp[] { relu, avg }, CompressedNetwork.ExecutionOrder(new GraphOp[] { relu, avg }));
        Assert.Equal(new GraphOp[] { tanh, max }, CompressedNetwork.ExecutionOrder(new GraphOp[] { tanh, max }));
        Assert.Equal(new GraphOp[] { max, relu, relu }, CompressedNetwork.ExecutionOrder(new GraphOp[] { relu, max, relu }));
    }
}
