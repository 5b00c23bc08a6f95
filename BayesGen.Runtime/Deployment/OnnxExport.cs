using BayesGen.Graph;
using System.Buffers.Binary;
using BayesGen.Compression;
using BayesGen.Layers;

namespace BayesGen.Deployment;

/// <summary>
/// Exports a compressed model to ONNX (opset 13) with no Python involved: one ONNX node (or a few) per node of the
/// deployment graph, a Gather wherever a node keeps some of its input's units, the input and output declared with
/// their shapes (a symbolic batch). Linear layers become Gemm (MatMul and Add on inputs of more dimensions),
/// convolutions Conv, BatchNorms BatchNormalization; activations without an ONNX operator of their own in opset 13
/// (GELU, SiLU, Hardswish, Mish) are written out from the ones that exist. Dropout is the identity and leaves no node.
/// </summary>
public static class OnnxExport
{
    /// <summary>The ONNX operator set the export targets.</summary>
    public const int Opset = 13;

    private const int IrVersion = 8;
    private const int FloatType = 1, Int64Type = 7;
    private const int AttributeFloat = 1, AttributeInt = 2, AttributeString = 3, AttributeInts = 7;

    /// <summary>Writes the model to <paramref name="path"/> (atomically).</summary>
    public static void Save(CompressedModel model, string path) => IO.AtomicFile.WriteAllBytes(path, Export(model));

    /// <summary>The ONNX bytes of the model (a ModelProto).</summary>
    public static byte[] Export(CompressedModel model)
    {
        var writer = new GraphWriter(model);
        var nodes = model.Graph.Nodes;
        writer.Names[0] = "input";
        for (int i = 1; i < nodes.Count; i++)
        {
            var node = nodes[i];
            if (writer.FoldedInto(i) is int layer)
            {
                writer.Names[i] = writer.Names[layer];   // the BatchNorm is inside the layer's weights
                continue;
            }
            var inputs = node.Inputs.Select((input, k) => writer.Gathered(writer.Names[input], node.Gathers[k], i, k)).ToArray();
            writer.Names[i] = writer.Emit(i, node.Op, inputs);
        }
        return writer.Finish();
    }

    private sealed class GraphWriter
    {
        private readonly CompressedModel model;
        private readonly ProtoWriter graph = new();
        private readonly List<ProtoWriter> initializers = new();
        private int counter;

        private readonly Dictionary<int, int> foldedNorms = new();   // BatchNorm node → the layer node it folds into
        private readonly Dictionary<int, CompressedNorm> foldedLayers = new();

        public GraphWriter(CompressedModel model)
        {
            this.model = model;
            Names = new string[model.Graph.Nodes.Count];
            // A BatchNorm that is the only reader of a layer's output folds into the layer:
            // w' = w·γ/√(σ²+ε), b' = (b − μ)·γ/√(σ²+ε) + β.
            var nodes = model.Graph.Nodes;
            var readers = new int[nodes.Count];
            foreach (var node in nodes) foreach (var input in node.Inputs) readers[input]++;
            for (int i = 0; i < nodes.Count; i++)
            {
                if (nodes[i].Op is not BatchNormOp b || nodes[i].Gathers[0] is not null) continue;
                int source = nodes[i].Inputs[0];
                if (nodes[source].Op is LayerOp && readers[source] == 1 && source != model.Graph.Output)
                {
                    foldedNorms[i] = source;
                    foldedLayers[source] = model.Norm(b.Layer);
                }
            }
        }

        public int? FoldedInto(int node) => foldedNorms.TryGetValue(node, out var layer) ? layer : null;

        public string[] Names { get; }

        public byte[] Finish()
        {
            foreach (var init in initializers) graph.Message(5, init);
            graph.String(2, $"{model.Model}.Compressed");
            graph.Message(11, ValueInfo("input", new long[] { -1 }.Concat(model.InputShape).ToArray()));
            var output = model.Shapes[model.Graph.Output];
            graph.Message(12, ValueInfo(Names[model.Graph.Output], new long[] { -1 }.Concat(output.Skip(1)).ToArray()));
            return new ProtoWriter()
                .Int(1, IrVersion)
                .String(2, "BayesGen")
                .String(3, "0.2.0")
                .Message(7, graph)
                .Message(8, new ProtoWriter().String(1, "").Int(2, Opset))
                .ToArray();
        }

        public string Gathered(string input, InputGather? gather, int node, int k)
        {
            if (gather is null) return input;
            var indices = Constant($"n{node}_in{k}_kept", new long[] { gather.Indices.Length }, gather.Indices);
            return Add("Gather", new[] { input, indices }, "gather", Attribute("axis", gather.Axis));
        }

        public string Emit(int index, GraphOp op, string[] inputs)
        {
            var x = inputs.Length > 0 ? inputs[0] : "";
            switch (op)
            {
                case LayerOp l:
                {
                    var layer = model.Layer(l.Layer);
                    if (foldedLayers.TryGetValue(index, out var norm)) layer = Fold(layer, norm);
                    return Layer(layer, x, model.Shapes[model.Graph.Nodes[index].Inputs[0]].Length);
                }
                case BatchNormOp b:
                {
                    var norm = model.Norm(b.Layer);
                    long[] shape = { norm.KeptChannels.Length };
                    var names = new[]
                    {
                        Constant($"{b.Layer}.weight", shape, norm.Weight), Constant($"{b.Layer}.bias", shape, norm.Bias),
                        Constant($"{b.Layer}.running_mean", shape, norm.RunningMean), Constant($"{b.Layer}.running_var", shape, norm.RunningVariance),
                    };
                    return Add("BatchNormalization", new[] { x }.Concat(names).ToArray(), b.Layer, Attribute("epsilon", (float)norm.Epsilon));
                }
                case ActivationOp a: return Activation(a, x);
                case DropoutOp: return x;
                case PoolOp p:
                {
                    var attributes = new List<ProtoWriter>
                    {
                        Attribute("kernel_shape", p.Kernel), Attribute("strides", p.Stride),
                        Attribute("pads", p.Padding.Concat(p.Padding).ToArray()), Attribute("ceil_mode", p.CeilMode ? 1 : 0),
                    };
                    if (p.Kind == PoolKind.Average) attributes.Add(Attribute("count_include_pad", p.CountIncludePad ? 1 : 0));
                    return Add(p.Kind == PoolKind.Max ? "MaxPool" : "AveragePool", new[] { x }, p.Name, attributes.ToArray());
                }
                case AdaptivePoolOp a: return AdaptivePool(a, x, model.Shapes[model.Graph.Nodes[index].Inputs[0]]);
                case FlattenOp f:
                {
                    var output = model.Shapes[index];
                    if (f.Start == 1 && output.Length == 2) return Add("Flatten", new[] { x }, "flatten", Attribute("axis", 1));
                    return Reshape(x, output);
                }
                case UnsqueezeOp u: return Add("Unsqueeze", new[] { x, Constant($"n{index}_axes", new long[] { 1 }, new long[] { u.Dim }) }, "unsqueeze");
                case SqueezeOp q: return Add("Squeeze", new[] { x, Constant($"n{index}_axes", new long[] { 1 }, new long[] { q.Dim }) }, "squeeze");
                case PermuteOp p: return Add("Transpose", new[] { x }, "transpose", Attribute("perm", p.Dims.Select(d => (long)d).ToArray()));
                case SoftmaxOp s: return Add(s.Log ? "LogSoftmax" : "Softmax", new[] { x }, s.Name, Attribute("axis", s.Dim));
                case BinaryOp b: return Add(Arithmetic(b.Kind), inputs, b.Name);
                case ScalarOp s:
                {
                    var c = Constant($"n{index}_value", Array.Empty<long>(), new[] { (float)s.Value });
                    return Add(Arithmetic(s.Kind), s.ScalarFirst ? new[] { c, x } : new[] { x, c }, s.Name);
                }
                case ConcatOp c: return Add("Concat", inputs, "concat", Attribute("axis", c.Dim));
                case ReduceOp { Kind: ReduceKind.Max } r:
                    return Add("ReduceMax", new[] { x }, "amax", Attribute("axes", r.Dims.Select(d => (long)d).ToArray()), Attribute("keepdims", r.KeepDim ? 1 : 0));
                case ReduceOp { Kind: ReduceKind.Mean } r:
                    return Add("ReduceMean", new[] { x }, "mean", Attribute("axes", r.Dims.Select(d => (long)d).ToArray()), Attribute("keepdims", r.KeepDim ? 1 : 0));
                case ReduceOp r:
                    return Add("ReduceSum", new[] { x, Constant($"n{index}_axes", new long[] { r.Dims.Length }, r.Dims.Select(d => (long)d).ToArray()) },
                        "sum", Attribute("keepdims", r.KeepDim ? 1 : 0));
                case SliceOp sl:
                    return Add("Slice", new[]
                    {
                        x, Constant($"n{index}_starts", new long[] { 1 }, new[] { sl.Start }), Constant($"n{index}_ends", new long[] { 1 }, new[] { sl.Start + sl.Length }),
                        Constant($"n{index}_axes", new long[] { 1 }, new long[] { sl.Dim }),
                    }, "slice");
                case ChannelShuffleOp cs:
                {
                    // As the gather it is: output channel j reads input channel (j mod g)·(C / g) + j / g.
                    long channels = model.Shapes[model.Graph.Nodes[index].Inputs[0]][1];
                    var order = new long[channels];
                    for (long j = 0; j < channels; j++) order[j] = cs.SourceOf(j, channels);
                    return Add("Gather", new[] { x, Constant($"n{index}_order", new[] { channels }, order) }, "channel_shuffle", Attribute("axis", 1));
                }
                case GatherOp g:
                    return Add("Gather", new[] { x, Constant($"n{index}_indices", new long[] { g.Indices.Length }, g.Indices) }, "gather", Attribute("axis", g.Dim));
                case PadOp p: return Pad(p, x, index, model.Shapes[model.Graph.Nodes[index].Inputs[0]].Length);
                case PixelShuffleOp p:
                    return Add("DepthToSpace", new[] { x }, "pixel_shuffle", Attribute("blocksize", p.Factor), Attribute("mode", "CRD"));   // CRD is PyTorch's order
                case LocalResponseNormOp l:
                    return LocalResponseNorm(l, x, index, model.Shapes[model.Graph.Nodes[index].Inputs[0]].Length);
                case ResizeOp r: return Resize(r, x, index, model.Shapes[model.Graph.Nodes[index].Inputs[0]].Length);
                default:
                    throw new NotSupportedException($"ONNX export does not handle '{op.Name}'.");
            }
        }

        private string Layer(CompressedLayer layer, string x, int inputRank)
        {
            var bias = layer.Bias ?? new float[layer.KeptOutputs.Length];
            var b = Constant(layer.Name + ".bias", new long[] { bias.Length }, bias);
            if (layer.Kind == LayerKind.Linear)
            {
                if (inputRank == 2)
                    return Add("Gemm", new[] { x, Constant(layer.Name + ".weight", layer.KeptShape, layer.Weights), b }, layer.Name, Attribute("transB", 1));
                // [B, …, in] · Wᵀ: MatMul broadcasts over the leading dimensions, Gemm does not.
                var shape = layer.KeptShape;
                var transposed = new float[layer.Weights.Length];
                for (long o = 0; o < shape[0]; o++)
                    for (long k = 0; k < shape[1]; k++)
                        transposed[k * shape[0] + o] = layer.Weights[o * shape[1] + k];
                var product = Add("MatMul", new[] { x, Constant(layer.Name + ".weight_t", new[] { shape[1], shape[0] }, transposed) }, layer.Name);
                return Add("Add", new[] { product, b }, layer.Name);
            }
            var g = layer.Geometry!;
            return Add("Conv", new[] { x, Constant(layer.Name + ".weight", layer.KeptShape, layer.Weights), b }, layer.Name,
                Attribute("kernel_shape", g.Kernel), Attribute("strides", g.Stride), Attribute("pads", g.Padding.Concat(g.Padding).ToArray()),
                Attribute("dilations", g.Dilation), Attribute("group", layer.DeployedGroups));
        }

        private static CompressedLayer Fold(CompressedLayer layer, CompressedNorm norm)
        {
            int outputs = layer.KeptOutputs.Length;
            var weights = (float[])layer.Weights.Clone();
            var bias = new float[outputs];
            int perOutput = weights.Length / outputs;
            for (int o = 0; o < outputs; o++)
            {
                double factor = norm.Weight[o] / Math.Sqrt(norm.RunningVariance[o] + norm.Epsilon);
                for (int k = 0; k < perOutput; k++) weights[o * perOutput + k] = (float)(weights[o * perOutput + k] * factor);
                bias[o] = (float)(((layer.Bias?[o] ?? 0) - norm.RunningMean[o]) * factor + norm.Bias[o]);
            }
            return layer with { Weights = weights, Bias = bias };
        }

        private string Activation(ActivationOp a, string x)
        {
            switch (a.Kind)
            {
                case ActivationKind.Relu: return Add("Relu", new[] { x }, "relu");
                case ActivationKind.Tanh: return Add("Tanh", new[] { x }, "tanh");
                case ActivationKind.Sigmoid: return Add("Sigmoid", new[] { x }, "sigmoid");
                case ActivationKind.LeakyRelu: return Add("LeakyRelu", new[] { x }, "leaky_relu", Attribute("alpha", (float)a.Alpha));
                case ActivationKind.Elu: return Add("Elu", new[] { x }, "elu", Attribute("alpha", (float)a.Alpha));
                case ActivationKind.Hardsigmoid: return HardSigmoid(x);
                case ActivationKind.Hardswish: return Add("Mul", new[] { x, HardSigmoid(x) }, "hardswish");
                case ActivationKind.Silu: return Add("Mul", new[] { x, Add("Sigmoid", new[] { x }, "silu") }, "silu");
                case ActivationKind.Mish: return Add("Mul", new[] { x, Add("Tanh", new[] { Add("Softplus", new[] { x }, "mish") }, "mish") }, "mish");
                case ActivationKind.Hardtanh:
                    return Add("Clip", new[] { x, Scalar("min", a.Alpha), Scalar("max", a.Beta) }, "hardtanh");
                case ActivationKind.Softplus:
                {
                    // log(1 + e^(βx)) / β; PyTorch returns x where βx exceeds the threshold, which differs by under e^−threshold.
                    if (a.Alpha == 1) return Add("Softplus", new[] { x }, "softplus");
                    var scaled = Add("Mul", new[] { x, Scalar("beta", a.Alpha) }, "softplus");
                    return Add("Div", new[] { Add("Softplus", new[] { scaled }, "softplus"), Scalar("beta", a.Alpha) }, "softplus");
                }
                case ActivationKind.Gelu:
                {
                    // x · ½ (1 + erf(x / √2))
                    var erf = Add("Erf", new[] { Add("Mul", new[] { x, Scalar("inv_sqrt2", 1 / Math.Sqrt(2)) }, "gelu") }, "gelu");
                    var half = Add("Mul", new[] { Add("Add", new[] { erf, Scalar("one", 1) }, "gelu"), Scalar("half", 0.5) }, "gelu");
                    return Add("Mul", new[] { x, half }, "gelu");
                }
                case ActivationKind.GeluTanh:
                {
                    // x · ½ (1 + tanh(√(2/π) (x + 0.044715 x³)))
                    var cube = Add("Mul", new[] { Add("Mul", new[] { x, x }, "gelu"), x }, "gelu");
                    var inner = Add("Add", new[] { x, Add("Mul", new[] { cube, Scalar("c", 0.044715) }, "gelu") }, "gelu");
                    var t = Add("Tanh", new[] { Add("Mul", new[] { inner, Scalar("sqrt_2_over_pi", Math.Sqrt(2 / Math.PI)) }, "gelu") }, "gelu");
                    var half = Add("Mul", new[] { Add("Add", new[] { t, Scalar("one", 1) }, "gelu"), Scalar("half", 0.5) }, "gelu");
                    return Add("Mul", new[] { x, half }, "gelu");
                }
                case ActivationKind.Selu: return Add("Selu", new[] { x }, "selu");   // ONNX's default α and γ are SELU's constants
                case ActivationKind.Celu: return Add("Celu", new[] { x }, "celu", Attribute("alpha", (float)a.Alpha));
                default: throw new NotSupportedException($"ONNX export does not handle {a.Kind}.");
            }
        }

        private string HardSigmoid(string x) => Add("HardSigmoid", new[] { x }, "hardsigmoid", Attribute("alpha", 1f / 6), Attribute("beta", 0.5f));

        private string AdaptivePool(AdaptivePoolOp a, string x, long[] input)
        {
            bool max = a.Kind == PoolKind.Max;
            string kind = max ? "max" : "average";
            if (a.OutputSize.All(s => s == 1)) return Add(max ? "GlobalMaxPool" : "GlobalAveragePool", new[] { x }, max ? "global_max_pool" : "global_avg_pool");
            var kernel = new long[a.Dimensions];
            for (int d = 0; d < a.Dimensions; d++)
            {
                if (input[2 + d] % a.OutputSize[d] != 0)
                    throw new NotSupportedException($"ONNX export writes adaptive {kind} pooling as {kind} pooling, which needs the input size {input[2 + d]} to be a multiple of the output size {a.OutputSize[d]}.");
                kernel[d] = input[2 + d] / a.OutputSize[d];
            }
            return Add(max ? "MaxPool" : "AveragePool", new[] { x }, a.Name, Attribute("kernel_shape", kernel), Attribute("strides", kernel));
        }

        /// <summary>ONNX's Pad takes every dimension's (begin…, end…); PyTorch's pads are (before, after) pairs from the last dimension.</summary>
        private string Pad(PadOp p, string x, int index, int rank)
        {
            var pads = new long[2 * rank];
            for (int k = 0; k < p.Dimensions; k++)
            {
                pads[rank - 1 - k] = p.Pads[2 * k];
                pads[2 * rank - 1 - k] = p.Pads[2 * k + 1];
            }
            var inputs = new List<string> { x, Constant($"n{index}_pads", new long[] { pads.Length }, pads) };
            if (p.Mode == PadMode.Constant) inputs.Add(Constant($"n{index}_value", Array.Empty<long>(), new[] { (float)p.Value }));
            string mode = p.Mode switch { PadMode.Reflect => "reflect", PadMode.Replicate => "edge", _ => "constant" };
            return Add("Pad", inputs.ToArray(), "pad", Attribute("mode", mode));
        }

        /// <summary>
        /// Resize with PyTorch's position mapping: nearest is "asymmetric" with "floor", linear "pytorch_half_pixel" (or
        /// "align_corners"). A scale goes in as the scales input; an output size as the sizes input, whose batch and channel
        /// entries are read from the input's own shape (the batch is symbolic).
        /// </summary>
        private string Resize(ResizeOp r, string x, int index, int rank)
        {
            var attributes = r.Mode == ResizeMode.Nearest
                ? new[] { Attribute("mode", "nearest"), Attribute("coordinate_transformation_mode", "asymmetric"), Attribute("nearest_mode", "floor") }
                : new[] { Attribute("mode", "linear"), Attribute("coordinate_transformation_mode", r.AlignCorners ? "align_corners" : "pytorch_half_pixel") };
            if (r.Scale is not null)
            {
                var scales = new[] { 1f, 1f }.Concat(r.Scale.Select(v => (float)v)).ToArray();
                return Add("Resize", new[] { x, "", Constant($"n{index}_scales", new long[] { rank }, scales) }, "upsample", attributes);
            }
            var shape = Add("Shape", new[] { x }, "upsample");
            var leading = Add("Slice", new[]
            {
                shape, Constant($"n{index}_from", new long[] { 1 }, new long[] { 0 }), Constant($"n{index}_to", new long[] { 1 }, new long[] { 2 }),
            }, "upsample");
            var sizes = Add("Concat", new[] { leading, Constant($"n{index}_sizes", new long[] { r.Size!.Length }, r.Size) }, "upsample", Attribute("axis", 0));
            return Add("Resize", new[] { x, "", "", sizes }, "upsample", attributes);
        }

        /// <summary>
        /// LRN as PyTorch computes it: the squares, with a leading axis added so that the channels are a pooled dimension,
        /// padded with ⌊size / 2⌋ zeros before and ⌊(size − 1) / 2⌋ after (ONNX's own LRN centres even windows the other
        /// way), averaged over windows of size channels, then x / (k + α · mean)^β.
        /// </summary>
        private string LocalResponseNorm(LocalResponseNormOp l, string x, int index, int rank)
        {
            var squares = Add("Mul", new[] { x, x }, "lrn");
            var lifted = Add("Unsqueeze", new[] { squares, Constant($"n{index}_axes", new long[] { 1 }, new long[] { 1 }) }, "lrn");
            var pads = new long[2 * (rank + 1)];
            pads[2] = l.Size / 2;
            pads[rank + 1 + 2] = (l.Size - 1) / 2;
            var padded = Add("Pad", new[] { lifted, Constant($"n{index}_pads", new long[] { pads.Length }, pads) }, "lrn", Attribute("mode", "constant"));
            var window = new long[rank - 1];
            Array.Fill(window, 1);
            window[0] = l.Size;
            var pooled = Add("AveragePool", new[] { padded }, "lrn", Attribute("kernel_shape", window), Attribute("strides", Enumerable.Repeat(1L, rank - 1).ToArray()));
            var mean = Add("Squeeze", new[] { pooled, Constant($"n{index}_squeeze", new long[] { 1 }, new long[] { 1 }) }, "lrn");
            var scaled = Add("Add", new[] { Add("Mul", new[] { mean, Scalar("alpha", l.Alpha) }, "lrn"), Scalar("k", l.K) }, "lrn");
            return Add("Div", new[] { x, Add("Pow", new[] { scaled, Scalar("beta", l.Beta) }, "lrn") }, "lrn");
        }

        private string Reshape(string x, long[] shape)
        {
            var target = new long[] { 0 }.Concat(shape.Skip(1)).ToArray();   // 0 keeps the (symbolic) batch
            return Add("Reshape", new[] { x, Constant($"shape_{counter}", new long[] { target.Length }, target) }, "reshape");
        }

        private static string Arithmetic(BinaryKind kind) => kind switch
        {
            BinaryKind.Add => "Add",
            BinaryKind.Subtract => "Sub",
            BinaryKind.Multiply => "Mul",
            _ => "Div",
        };

        private string Scalar(string name, double value) => Constant($"{name}_{counter}", Array.Empty<long>(), new[] { (float)value });

        private string Add(string op, string[] inputs, string label, params ProtoWriter[] attributes)
        {
            var output = $"{label}_{counter++}";
            var node = new ProtoWriter();
            foreach (var input in inputs) node.String(1, input);
            node.String(2, output);
            node.String(3, output);
            node.String(4, op);
            foreach (var a in attributes) node.Message(5, a);
            graph.Message(1, node);
            return output;
        }

        private string Constant(string name, long[] dims, float[] values)
        {
            name = Unique(name);
            var raw = new byte[values.Length * 4];
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(4 * i), values[i]);
            initializers.Add(new ProtoWriter().Ints(1, dims).Int(2, FloatType).String(8, name).Bytes(9, raw));
            return name;
        }

        private string Constant(string name, long[] dims, long[] values)
        {
            name = Unique(name);
            var raw = new byte[values.Length * 8];
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(8 * i), values[i]);
            initializers.Add(new ProtoWriter().Ints(1, dims).Int(2, Int64Type).String(8, name).Bytes(9, raw));
            return name;
        }

        private readonly HashSet<string> used = new(StringComparer.Ordinal);

        private string Unique(string name)
        {
            var candidate = name;
            for (int k = 2; !used.Add(candidate); k++) candidate = $"{name}_{k}";
            return candidate;
        }
    }

    private static ProtoWriter Attribute(string name, long value) => new ProtoWriter().String(1, name).Int(3, value).Int(20, AttributeInt);

    private static ProtoWriter Attribute(string name, float value) => new ProtoWriter().String(1, name).Float(2, value).Int(20, AttributeFloat);

    private static ProtoWriter Attribute(string name, long[] values) => new ProtoWriter().String(1, name).Ints(8, values).Int(20, AttributeInts);

    private static ProtoWriter Attribute(string name, string value) => new ProtoWriter().String(1, name).String(4, value).Int(20, AttributeString);

    /// <summary>A float tensor value (−1 for the symbolic batch dimension).</summary>
    private static ProtoWriter ValueInfo(string name, long[] shape)
    {
        var shapeProto = new ProtoWriter();
        foreach (var d in shape)
            shapeProto.Message(1, d < 0 ? new ProtoWriter().String(2, "batch") : new ProtoWriter().Int(1, d));
        var tensorType = new ProtoWriter().Int(1, FloatType).Message(2, shapeProto);
        return new ProtoWriter().String(1, name).Message(2, new ProtoWriter().Message(1, tensorType));
    }
}
