using BayesGen.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Deployment;

/// <summary>
/// Runs a <see cref="CompressedModel"/> without generated code: one module or function per operation of its
/// chain, with the physically smaller layers. The generic loader for artifacts.
/// </summary>
public sealed class CompressedNetwork : nn.Module<Tensor, Tensor>
{
    private readonly List<Func<Tensor, Tensor>> steps = new();
    private readonly nn.Module<Tensor, Tensor>[] owned;

    /// <summary>Builds the network from a compressed model.</summary>
    public CompressedNetwork(CompressedModel model) : base($"{model.Model}.Compressed")
    {
        Model = model;
        var modules = new List<nn.Module<Tensor, Tensor>>();
        foreach (var op in ExecutionOrder(model.Graph.Ops))
        {
            switch (op)
            {
                case LayerOp l:
                {
                    var data = model.Layer(l.Layer);
                    nn.Module<Tensor, Tensor> layer = data.Kind == LayerKind.Linear ? model.CreateLinear(l.Layer) : model.CreateConv2d(l.Layer);
                    var gather = model.GatherIndices(l.Layer);
                    modules.Add(layer);
                    register_module(l.Layer, layer);
                    if (gather is not null)
                    {
                        register_buffer(l.Layer + "_inputs", gather, persistent: false);
                        steps.Add(x => { using var g = x.index_select(1, gather); return layer.forward(g); });
                    }
                    else steps.Add(layer.forward);
                    break;
                }
                case BatchNormOp b:
                {
                    var norm = model.CreateBatchNorm(b.Layer);
                    modules.Add(norm);
                    register_module(b.Layer, norm);
                    steps.Add(norm.forward);
                    break;
                }
                default:
                    steps.Add(GraphOps.Function(op));
                    break;
            }
        }
        owned = modules.ToArray();
        ChunkRows = BatchChunks.DefaultRows(model);
        eval();
    }

    /// <summary>The model this network runs.</summary>
    public CompressedModel Model { get; }

    /// <summary>
    /// Inputs per step of a large batch (0: the whole batch at once); networks with convolutions start at
    /// <see cref="BatchChunks.DefaultRows"/>. The outputs do not change.
    /// </summary>
    public int ChunkRows { get; set; }

    /// <summary>
    /// The chain's operations in the order they run: a ReLU followed by a max pool runs after it instead
    /// (max(relu(a), relu(b)) = relu(max(a, b)), so the activation touches a quarter of the values), as in the
    /// generated Compressed classes.
    /// </summary>
    public static IEnumerable<GraphOp> ExecutionOrder(IReadOnlyList<GraphOp> ops)
    {
        for (int i = 0; i < ops.Count; i++)
        {
            if (i + 1 < ops.Count && ops[i] is ActivationOp { Kind: ActivationKind.Relu } && ops[i + 1] is PoolOp { Kind: PoolKind.Max })
            {
                yield return ops[i + 1];
                yield return ops[i];
                i++;
            }
            else yield return ops[i];
        }
    }

    public override Tensor forward(Tensor input) => BatchChunks.Forward(input, ChunkRows, ForwardChunk);

    private Tensor ForwardChunk(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input;
        foreach (var step in steps) x = step(x);
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>The parameter-free operations of a chain as functions.</summary>
public static class GraphOps
{
    /// <summary>The function computing a parameter-free operation in evaluation mode.</summary>
    public static Func<Tensor, Tensor> Function(GraphOp op) => op switch
    {
        ActivationOp { Kind: ActivationKind.Relu } => x => nn.functional.relu(x),
        ActivationOp { Kind: ActivationKind.Tanh } => x => x.tanh(),
        ActivationOp { Kind: ActivationKind.Sigmoid } => x => x.sigmoid(),
        ActivationOp { Kind: ActivationKind.LeakyRelu } a => x => nn.functional.leaky_relu(x, a.Parameter),
        PoolOp { Kind: PoolKind.Max } p => x => StridedMaxPool.Apply(x, p),
        PoolOp { Kind: PoolKind.Average } p => x => nn.functional.avg_pool2d(x, new[] { p.KernelH, p.KernelW }, new[] { p.StrideH, p.StrideW }, new[] { p.PaddingH, p.PaddingW }, ceil_mode: p.CeilMode),
        FlattenOp => x => x.flatten(1),
        DropoutOp => x => x.alias(),
        SoftmaxOp { Log: true } => x => nn.functional.log_softmax(x, 1),
        SoftmaxOp { Log: false } => x => nn.functional.softmax(x, 1),
        _ => throw new NotSupportedException($"Operation {op} has parameters; it is not a parameter-free function."),
    };

    /// <summary>A module computing a pooling operation (what the generated Compressed class holds for it).</summary>
    public static nn.Module<Tensor, Tensor> PoolModule(PoolOp p) => p.Kind == PoolKind.Max
        ? new StridedMaxPool2d(p)
        : nn.AvgPool2d(new[] { p.KernelH, p.KernelW }, new[] { p.StrideH, p.StrideW }, new[] { p.PaddingH, p.PaddingW }, ceil_mode: p.CeilMode);
}
