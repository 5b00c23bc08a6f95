using BayesGen.Graph;
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
    public void Relu_runs_after_a_following_max_pool_only_when_the_pool_is_its_only_reader()
    {
        static DeploymentNode Node(GraphOp op, params int[] inputs) => new(op, inputs, new InputGather?[inputs.Length]);
        var relu = ActivationOp.Relu;
        var tanh = new ActivationOp(ActivationKind.Tanh);
        var max = new PoolOp(PoolKind.Max, new long[] { 2, 2 }, new long[] { 2, 2 }, new long[] { 0, 0 });
        var avg = new PoolOp(PoolKind.Average, new long[] { 2, 2 }, new long[] { 2, 2 }, new long[] { 0, 0 });
        var flatten = new FlattenOp(1, 3);
        GraphOp[] Order(DeploymentGraph g) => CompressedNetwork.ExecutionOrder(g).Select(n => n.Op).ToArray();

        var chain = new DeploymentGraph(new[] { Node(new InputOp()), Node(relu, 0), Node(max, 1), Node(flatten, 2) }, 3);
        Assert.Equal(new GraphOp[] { new InputOp(), max, relu, flatten }, Order(chain));
        // An average of ReLUs is not the ReLU of an average; tanh is left where the source put it.
        Assert.Equal(new GraphOp[] { new InputOp(), relu, avg }, Order(new DeploymentGraph(new[] { Node(new InputOp()), Node(relu, 0), Node(avg, 1) }, 2)));
        Assert.Equal(new GraphOp[] { new InputOp(), tanh, max }, Order(new DeploymentGraph(new[] { Node(new InputOp()), Node(tanh, 0), Node(max, 1) }, 2)));
        // A ReLU that something else reads too (a skip connection) stays first.
        var shared = new DeploymentGraph(new[] { Node(new InputOp()), Node(relu, 0), Node(max, 1), Node(flatten, 1) }, 2);
        Assert.Equal(new GraphOp[] { new InputOp(), relu, max, flatten }, Order(shared));
    }
}
