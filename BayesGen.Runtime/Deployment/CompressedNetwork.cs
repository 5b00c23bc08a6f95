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
        foreach (var op in model.Graph.Ops)
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
        eval();
    }

    /// <summary>The model this network runs.</summary>
    public CompressedModel Model { get; }

    public override Tensor forward(Tensor input)
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
        PoolOp { Kind: PoolKind.Max } p => x => nn.functional.max_pool2d(x, new[] { p.KernelH, p.KernelW }, new[] { p.StrideH, p.StrideW }, new[] { p.PaddingH, p.PaddingW }, ceil_mode: p.CeilMode),
        PoolOp { Kind: PoolKind.Average } p => x => nn.functional.avg_pool2d(x, new[] { p.KernelH, p.KernelW }, new[] { p.StrideH, p.StrideW }, new[] { p.PaddingH, p.PaddingW }, ceil_mode: p.CeilMode),
        FlattenOp => x => x.flatten(1),
        DropoutOp => x => x.alias(),
        SoftmaxOp { Log: true } => x => nn.functional.log_softmax(x, 1),
        SoftmaxOp { Log: false } => x => nn.functional.softmax(x, 1),
        _ => throw new NotSupportedException($"Operation {op} has parameters; it is not a parameter-free function."),
    };

    /// <summary>A module computing a pooling operation (what the generated Compressed class holds for it).</summary>
    public static nn.Module<Tensor, Tensor> PoolModule(PoolOp p) => p.Kind == PoolKind.Max
        ? nn.MaxPool2d(new[] { p.KernelH, p.KernelW }, new[] { p.StrideH, p.StrideW }, new[] { p.PaddingH, p.PaddingW }, ceil_mode: p.CeilMode)
        : nn.AvgPool2d(new[] { p.KernelH, p.KernelW }, new[] { p.StrideH, p.StrideW }, new[] { p.PaddingH, p.PaddingW }, ceil_mode: p.CeilMode);
}
