using System.Buffers.Binary;
using BayesGen.Layers;

namespace BayesGen.Deployment;

/// <summary>
/// Exports a compressed model to ONNX (opset 13) with no Python involved: Gemm for Linear layers (preceded by a
/// Gather of the kept input features where the layer reads only some of them), Conv, Relu/Tanh/Sigmoid/LeakyRelu,
/// MaxPool/AveragePool, Flatten, Softmax/LogSoftmax; BatchNorm folded into the layer before it (or a
/// BatchNormalization node when an activation stands between). Dropout is the identity and leaves no node.
/// </summary>
public static class OnnxExport
{
    /// <summary>The ONNX operator set the export targets.</summary>
    public const int Opset = 13;

    private const int IrVersion = 8;
    private const int FloatType = 1, Int64Type = 7;
    private const int AttributeFloat = 1, AttributeInt = 2, AttributeInts = 7;

    /// <summary>Writes the model to <paramref name="path"/>.</summary>
    public static void Save(CompressedModel model, string path) => File.WriteAllBytes(path, Export(model));

    /// <summary>The ONNX bytes of the model (a ModelProto).</summary>
    public static byte[] Export(CompressedModel model)
    {
        var inputShape = model.InputShape
            ?? throw new InvalidOperationException($"{model.Model} has no input shape; declare [InputShape(...)] on the network (or pass one when compressing) to export ONNX.");
        var graph = new ProtoWriter();
        var initializers = new List<ProtoWriter>();
        string current = "input";
        int counter = 0;
        string Next(string kind) => $"{kind}_{counter++}";
        var ops = CompressedNetwork.ExecutionOrder(model.Graph.Ops).ToList();   // ReLU after a following max pool

        for (int i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            switch (op)
            {
                case LayerOp l:
                {
                    var data = model.Layer(l.Layer);
                    var (weight, bias) = (data.Weights, data.Bias ?? new float[data.KeptOutputs.Length]);
                    // A BatchNorm right after the layer folds into it: w' = w·γ/√(σ²+ε), b' = (b − μ)·γ/√(σ²+ε) + β.
                    if (i + 1 < ops.Count && ops[i + 1] is BatchNormOp next)
                    {
                        (weight, bias) = Fold(weight, bias, model.Norm(next.Layer), data.KeptOutputs.Length);
                        i++;
                    }
                    if (model.Gathers.TryGetValue(l.Layer, out var gather))
                    {
                        var indices = l.Layer + "_kept_inputs";
                        initializers.Add(Tensor(indices, new long[] { gather.Length }, gather));
                        var gathered = Next("gather");
                        graph.Message(1, Node("Gather", new[] { current, indices }, gathered, Attribute("axis", 1)));
                        current = gathered;
                    }
                    var w = l.Layer + "_weight";
                    var b = l.Layer + "_bias";
                    initializers.Add(Tensor(w, data.KeptShape, weight));
                    initializers.Add(Tensor(b, new long[] { bias.Length }, bias));
                    var output = Next(l.Layer);
                    if (data.Kind == LayerKind.Linear)
                    {
                        graph.Message(1, Node("Gemm", new[] { current, w, b }, output, Attribute("transB", 1)));
                    }
                    else
                    {
                        var g = data.Geometry!;
                        graph.Message(1, Node("Conv", new[] { current, w, b }, output,
                            Attribute("kernel_shape", new[] { g.KernelH, g.KernelW }),
                            Attribute("strides", new[] { g.StrideH, g.StrideW }),
                            Attribute("pads", new[] { g.PaddingH, g.PaddingW, g.PaddingH, g.PaddingW }),
                            Attribute("dilations", new[] { g.DilationH, g.DilationW })));
                    }
                    current = output;
                    break;
                }
                case BatchNormOp bn:
                {
                    var norm = model.Norm(bn.Layer);
                    var names = new[] { "scale", "bias", "mean", "var" }.Select(s => $"{bn.Layer}_{s}").ToArray();
                    long[] shape = { norm.KeptChannels.Length };
                    initializers.Add(Tensor(names[0], shape, norm.Weight));
                    initializers.Add(Tensor(names[1], shape, norm.Bias));
                    initializers.Add(Tensor(names[2], shape, norm.RunningMean));
                    initializers.Add(Tensor(names[3], shape, norm.RunningVariance));
                    var output = Next(bn.Layer);
                    graph.Message(1, Node("BatchNormalization", new[] { current }.Concat(names).ToArray(), output, Attribute("epsilon", (float)norm.Epsilon)));
                    current = output;
                    break;
                }
                case DropoutOp:
                    break;
                default:
                {
                    var output = Next(ArtifactManifest.OpName(op));
                    graph.Message(1, Simple(op, current, output));
                    current = output;
                    break;
                }
            }
        }

        foreach (var init in initializers) graph.Message(5, init);
        graph.String(2, $"{model.Model}.Compressed");
        graph.Message(11, ValueInfo("input", new long[] { -1 }.Concat(inputShape).ToArray()));
        graph.Message(12, ValueInfo(current, null));
        var modelProto = new ProtoWriter()
            .Int(1, IrVersion)
            .String(2, "BayesGen")
            .String(3, "0.1.0")
            .Message(7, graph)
            .Message(8, new ProtoWriter().String(1, "").Int(2, Opset));
        return modelProto.ToArray();
    }

    private static ProtoWriter Simple(GraphOp op, string input, string output) => op switch
    {
        ActivationOp { Kind: ActivationKind.Relu } => Node("Relu", new[] { input }, output),
        ActivationOp { Kind: ActivationKind.Tanh } => Node("Tanh", new[] { input }, output),
        ActivationOp { Kind: ActivationKind.Sigmoid } => Node("Sigmoid", new[] { input }, output),
        ActivationOp { Kind: ActivationKind.LeakyRelu } a => Node("LeakyRelu", new[] { input }, output, Attribute("alpha", (float)a.Parameter)),
        PoolOp p => Node(p.Kind == PoolKind.Max ? "MaxPool" : "AveragePool", new[] { input }, output,
            new[]
            {
                Attribute("kernel_shape", new[] { p.KernelH, p.KernelW }),
                Attribute("strides", new[] { p.StrideH, p.StrideW }),
                Attribute("pads", new[] { p.PaddingH, p.PaddingW, p.PaddingH, p.PaddingW }),
                Attribute("ceil_mode", p.CeilMode ? 1 : 0),
            }.Concat(p.Kind == PoolKind.Average ? new[] { Attribute("count_include_pad", 1) } : Array.Empty<ProtoWriter>()).ToArray()),
        FlattenOp => Node("Flatten", new[] { input }, output, Attribute("axis", 1)),
        SoftmaxOp s => Node(s.Log ? "LogSoftmax" : "Softmax", new[] { input }, output, Attribute("axis", 1)),
        _ => throw new NotSupportedException($"ONNX export does not handle {op}."),
    };

    private static (float[] Weight, float[] Bias) Fold(float[] weight, float[] bias, CompressedNormData norm, int outputs)
    {
        if (norm.KeptChannels.Length != outputs) throw new InvalidDataException($"BatchNorm '{norm.Name}' has {norm.KeptChannels.Length} channels for {outputs} outputs.");
        var w = (float[])weight.Clone();
        var b = new float[outputs];
        int perOutput = weight.Length / outputs;
        for (int o = 0; o < outputs; o++)
        {
            double factor = norm.Weight[o] / Math.Sqrt(norm.RunningVariance[o] + norm.Epsilon);
            for (int k = 0; k < perOutput; k++) w[o * perOutput + k] = (float)(weight[o * perOutput + k] * factor);
            b[o] = (float)((bias[o] - norm.RunningMean[o]) * factor + norm.Bias[o]);
        }
        return (w, b);
    }

    private static ProtoWriter Node(string op, string[] inputs, string output, params ProtoWriter[] attributes)
    {
        var node = new ProtoWriter();
        foreach (var input in inputs) node.String(1, input);
        node.String(2, output);
        node.String(3, output);
        node.String(4, op);
        foreach (var a in attributes) node.Message(5, a);
        return node;
    }

    private static ProtoWriter Attribute(string name, long value) => new ProtoWriter().String(1, name).Int(3, value).Int(20, AttributeInt);

    private static ProtoWriter Attribute(string name, float value) => new ProtoWriter().String(1, name).Float(2, value).Int(20, AttributeFloat);

    private static ProtoWriter Attribute(string name, long[] values) => new ProtoWriter().String(1, name).Ints(8, values).Int(20, AttributeInts);

    private static ProtoWriter Tensor(string name, long[] dims, float[] values)
    {
        var raw = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(4 * i), values[i]);
        return new ProtoWriter().Ints(1, dims).Int(2, FloatType).String(8, name).Bytes(9, raw);
    }

    private static ProtoWriter Tensor(string name, long[] dims, long[] values)
    {
        var raw = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(8 * i), values[i]);
        return new ProtoWriter().Ints(1, dims).Int(2, Int64Type).String(8, name).Bytes(9, raw);
    }

    /// <summary>A float tensor value (shape given, with −1 for the symbolic batch dimension; null for unspecified).</summary>
    private static ProtoWriter ValueInfo(string name, long[]? shape)
    {
        var tensorType = new ProtoWriter().Int(1, FloatType);
        if (shape is not null)
        {
            var shapeProto = new ProtoWriter();
            foreach (var d in shape)
                shapeProto.Message(1, d < 0 ? new ProtoWriter().String(2, "batch") : new ProtoWriter().Int(1, d));
            tensorType.Message(2, shapeProto);
        }
        return new ProtoWriter().String(1, name).Message(2, new ProtoWriter().Message(1, tensorType));
    }
}
