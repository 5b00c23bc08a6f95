using BayesGen.Graph;
using BayesGen.Compression;
using BayesGen.IO;
using BayesGen.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BayesGen.Deployment;

/// <summary>
/// A pruned, reduced-precision network: its deployment graph, and for every layer only the kept units and their
/// weights. It is what a BayesGen artifact file stores; <see cref="CompressedNetwork"/> (and the generated
/// <c>Compressed</c> class, which is one) runs it. Construction checks that the graph, the layers and the input
/// shape fit together (<see cref="DeploymentShapes"/>), so a model that exists can run.
/// </summary>
public sealed class CompressedModel
{
    /// <summary>Creates a model from its parts; <see cref="From"/> and <see cref="Load(string)"/> are the usual ways.</summary>
    /// <exception cref="InvalidDataException">The parts do not fit together.</exception>
    public CompressedModel(string model, string prior, long[] inputShape, DeploymentGraph graph, int exponentBits,
        QuantizationMode quantization, IReadOnlyList<CompressedLayer> layers, IReadOnlyList<CompressedNorm> norms)
    {
        Model = model;
        Prior = prior;
        InputShape = inputShape;
        Graph = graph;
        ExponentBits = exponentBits;
        Quantization = quantization;
        Layers = layers;
        Norms = norms;
        Shapes = DeploymentShapes.Infer(this);
    }

    /// <summary>The full name of the network class (<c>MyApp.Net</c>).</summary>
    public string Model { get; }

    /// <summary>The prior it was trained with ("GroupNJ" or "Horseshoe").</summary>
    public string Prior { get; }

    /// <summary>The shape of one input example.</summary>
    public long[] InputShape { get; }

    /// <summary>The graph the network runs.</summary>
    public DeploymentGraph Graph { get; }

    /// <summary>The network's exponent bits (tutorial accounting).</summary>
    public int ExponentBits { get; }

    /// <summary>How weights were rounded.</summary>
    public QuantizationMode Quantization { get; }

    /// <summary>The Bayesian layers, in data-flow order.</summary>
    public IReadOnlyList<CompressedLayer> Layers { get; }

    /// <summary>The BatchNorm layers.</summary>
    public IReadOnlyList<CompressedNorm> Norms { get; }

    /// <summary>The shape of every node's value for one input example (batch 1), checked when the model was made.</summary>
    public IReadOnlyList<long[]> Shapes { get; }

    /// <summary>Whether every layer holds integer codes (a model made with quantisation; only such a model can be saved).</summary>
    public bool IsQuantized => Layers.All(l => l.Quantized is not null);

    /// <summary>
    /// Builds the compressed model of a trained Bayesian network from a compression result (kept units, bits,
    /// codes), following the network's recorded graph. With <paramref name="quantized"/> false the weights are the
    /// unrounded posterior means (for checking the deployment against the Bayesian model).
    /// </summary>
    /// <exception cref="Tracing.GraphRecordingException">The network's forward could not be recorded (the generator warned where).</exception>
    public static CompressedModel From(BayesianNetwork network, CompressionResult result, bool quantized = true)
    {
        var graph = network.Graph;
        var byName = result.Layers.ToDictionary(l => l.Name, StringComparer.Ordinal);
        var missing = graph.LayerNames.Where(n => !byName.ContainsKey(n)).ToArray();
        if (missing.Length > 0)
            throw new ArgumentException($"The compression result has no data for layer(s) {string.Join(", ", missing)}; compress with masks from this network's ComputeMasks().", nameof(result));
        var units = network.LayerUnitsOf(name => KeptGroups(byName[name]));
        var spaces = result.Spaces ?? ChannelSpaces.Analyze(graph, units);
        var plan = DeploymentPlanner.Plan(graph, spaces, units);

        var layers = new List<CompressedLayer>();
        foreach (var name in graph.LayerNames)
        {
            var layer = byName[name];
            if (!plan.LayerInputs[name].AsSpan().SequenceEqual(layer.KeptInputs) || !plan.LayerOutputs[name].AsSpan().SequenceEqual(layer.KeptOutputs))
                throw new ArgumentException($"Layer '{name}' keeps other units than the network's channel analysis; compress with masks from this network's ComputeMasks().", nameof(result));
            layers.Add(quantized
                ? layer with { Weights = layer.Quantized?.Dequantize() ?? throw new ArgumentException($"Layer '{name}' has no quantised codes.", nameof(result)) }
                : layer with { Quantized = null });
        }
        var norms = plan.NormChannels.Select(n => NormData(n.Key, network.BatchNorms.First(b => b.Name == n.Key).Norm, n.Value)).ToList();
        var type = network.GetType();
        var name2 = (type.DeclaringType ?? type).FullName ?? type.Name;
        return new CompressedModel(name2, network.Prior.ToString(), graph.InputShape, plan.Graph, result.ExponentBits, result.Mode, layers, norms);
    }

    private static bool[] KeptGroups(CompressedLayer layer)
    {
        var kept = new bool[layer.Groups];
        foreach (var i in layer.Kind == LayerKind.Linear ? layer.KeptInputs : layer.KeptOutputs) kept[i] = true;
        return kept;
    }

    private static CompressedNorm NormData(string name, MaskedBatchNorm module, long[] kept)
    {
        using var scope = NewDisposeScope();
        var norm = module.Norm;
        var index = tensor(kept, dtype: ScalarType.Int64, device: norm.running_mean?.device ?? CPU);
        float[] Pick(Tensor? t, float fallback) => t is null
            ? Enumerable.Repeat(fallback, kept.Length).ToArray()
            : t.detach().index_select(0, index).to(ScalarType.Float32).cpu().data<float>().ToArray();
        return new CompressedNorm(name, module.Dimensions, norm.num_features, kept, norm.eps,
            Pick(norm.weight, 1f), Pick(norm.bias, 0f), Pick(norm.running_mean, 0f), Pick(norm.running_var, 1f));
    }

    /// <summary>
    /// The multiply-adds of the kept layers for one example: each layer's kept weights times the positions the graph
    /// applies them at (BatchNorms, activations and the like not counted); compare
    /// <see cref="GroupCosts.DenseMultiplyAdds"/> for the network before pruning.
    /// </summary>
    public long MultiplyAdds()
    {
        long total = 0;
        for (int i = 0; i < Graph.Nodes.Count; i++)
            if (Graph.Nodes[i].Op is LayerOp op)
            {
                var kept = Layer(op.Layer).KeptShape;
                total += kept.Aggregate(1L, (a, b) => a * b) * GroupCosts.Positions(Shapes[i], kept[0]);
            }
        return total;
    }

    /// <summary>The data of one Bayesian layer.</summary>
    public CompressedLayer Layer(string name)
        => Layers.FirstOrDefault(l => l.Name == name) ?? throw new KeyNotFoundException($"The compressed model has no layer '{name}'.");

    /// <summary>The data of one BatchNorm layer.</summary>
    public CompressedNorm Norm(string name)
        => Norms.FirstOrDefault(n => n.Name == name) ?? throw new KeyNotFoundException($"The compressed model has no BatchNorm '{name}'.");

    /// <summary>An ordinary layer of the kept size holding the kept weights (Linear, Conv1d or Conv2d), in evaluation mode.</summary>
    public nn.Module<Tensor, Tensor> CreateLayer(string name)
    {
        var data = Layer(name);
        var shape = data.KeptShape;
        bool bias = data.Bias is not null;
        nn.Module<Tensor, Tensor> module;
        Tensor weight;
        Tensor? biasParameter;
        switch (data.Kind)
        {
            case LayerKind.Linear:
            {
                var linear = nn.Linear(shape[1], shape[0], hasBias: bias);
                (module, weight, biasParameter) = (linear, linear.weight, linear.bias);
                break;
            }
            case LayerKind.Conv1d:
            {
                var g = data.Geometry!;
                var conv = nn.Conv1d(shape[1] * data.DeployedGroups, shape[0], g.Kernel[0], g.Stride[0], g.Padding[0], g.Dilation[0], groups: data.DeployedGroups, bias: bias);
                (module, weight, biasParameter) = (conv, conv.weight, conv.bias);
                break;
            }
            default:
            {
                var g = data.Geometry!;
                var conv = nn.Conv2d(shape[1] * data.DeployedGroups, shape[0], (g.Kernel[0], g.Kernel[1]), stride: (g.Stride[0], g.Stride[1]),
                    padding: (g.Padding[0], g.Padding[1]), dilation: (g.Dilation[0], g.Dilation[1]), groups: data.DeployedGroups, bias: bias);
                (module, weight, biasParameter) = (conv, conv.weight, conv.bias);
                break;
            }
        }
        Fill(weight, data.Weights, shape);
        if (data.Bias is not null) Fill(biasParameter!, data.Bias, new[] { shape[0] });
        module.eval();
        return module;
    }

    /// <summary>A BatchNorm over the kept channels, in evaluation mode.</summary>
    public nn.Module<Tensor, Tensor> CreateBatchNorm(string name)
    {
        var data = Norm(name);
        long n = data.KeptChannels.LongLength;
        NormBase norm = data.Dimensions == 1 ? nn.BatchNorm1d(n, data.Epsilon) : nn.BatchNorm2d(n, data.Epsilon);
        Fill(norm.weight, data.Weight, new[] { n });
        Fill(norm.bias!, data.Bias, new[] { n });
        Fill(norm.running_mean!, data.RunningMean, new[] { n });
        Fill(norm.running_var!, data.RunningVariance, new[] { n });
        norm.eval();
        return norm;
    }

    /// <summary>A network that runs this model.</summary>
    public CompressedNetwork CreateNetwork() => new(this);

    /// <summary>Writes the artifact file (see <see cref="ArtifactFormat"/>), replacing any file there only once it is whole.</summary>
    public void Save(string path) => AtomicFile.Write(path, stream => ArtifactFormat.Write(this, stream));

    /// <summary>Reads an artifact file; throws <see cref="InvalidDataException"/> naming the problem for a damaged file.</summary>
    public static CompressedModel Load(string path)
    {
        try
        {
            using var stream = ArtifactFormat.OpenForReading(path);
            return ArtifactFormat.Read(stream);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    private static void Fill(Tensor target, float[] values, long[] shape)
    {
        using var _ = no_grad();
        using var source = tensor(values, shape);
        target.copy_(source);
    }
}

/// <summary>A BatchNorm layer of the compressed network: only the channels its input keeps.</summary>
/// <param name="Name">The path.</param>
/// <param name="Dimensions">1 (BatchNorm1d) or 2 (BatchNorm2d).</param>
/// <param name="Channels">Channels of the original layer.</param>
/// <param name="KeptChannels">Kept channels, ascending.</param>
/// <param name="Epsilon">The ε added to the variance.</param>
/// <param name="Weight">γ at the kept channels.</param>
/// <param name="Bias">β at the kept channels.</param>
/// <param name="RunningMean">Running means at the kept channels.</param>
/// <param name="RunningVariance">Running variances at the kept channels.</param>
public sealed record CompressedNorm(
    string Name,
    int Dimensions,
    long Channels,
    long[] KeptChannels,
    double Epsilon,
    float[] Weight,
    float[] Bias,
    float[] RunningMean,
    float[] RunningVariance);
