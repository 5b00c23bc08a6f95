using BayesGen.Compression;
using BayesGen.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BayesGen.Deployment;

/// <summary>
/// A pruned, reduced-precision network: its operation chain, and for every layer only the kept units and
/// their weights. It is what a BayesGen artifact file stores; the generated <c>Compressed</c> class and the
/// generic <see cref="CompressedNetwork"/> are built from it.
/// </summary>
public sealed class CompressedModel
{
    /// <summary>Creates a model from its parts; <see cref="From"/> and <see cref="Load(string)"/> are the usual ways.</summary>
    public CompressedModel(string model, string prior, long[]? inputShape, NetworkGraph graph, int exponentBits,
        QuantizationMode quantization, IReadOnlyList<CompressedLayerData> layers, IReadOnlyList<CompressedNormData> norms)
    {
        Model = model;
        Prior = prior;
        InputShape = inputShape;
        Graph = graph;
        ExponentBits = exponentBits;
        Quantization = quantization;
        Layers = layers;
        Norms = norms;
        Gathers = DeploymentPlan.Gathers(graph, layers);
    }

    /// <summary>The name of the network class.</summary>
    public string Model { get; }

    /// <summary>The prior it was trained with ("GroupNJ" or "Horseshoe").</summary>
    public string Prior { get; }

    /// <summary>The shape of one input example, when known.</summary>
    public long[]? InputShape { get; }

    /// <summary>The operation chain.</summary>
    public NetworkGraph Graph { get; }

    /// <summary>The network's exponent bits (tutorial accounting).</summary>
    public int ExponentBits { get; }

    /// <summary>How weights were rounded.</summary>
    public QuantizationMode Quantization { get; }

    /// <summary>The Bayesian layers, in data-flow order.</summary>
    public IReadOnlyList<CompressedLayerData> Layers { get; }

    /// <summary>The BatchNorm layers.</summary>
    public IReadOnlyList<CompressedNormData> Norms { get; }

    /// <summary>The input features each Linear layer gathers, where it does not read its whole input.</summary>
    public IReadOnlyDictionary<string, long[]> Gathers { get; }

    /// <summary>Whether every layer holds integer codes (a model made with quantisation; only such a model can be saved).</summary>
    public bool IsQuantized => Layers.All(l => l.Codes is not null);

    /// <summary>
    /// Builds the compressed model of a trained Bayesian network: its masks decide the kept units, the
    /// compression result gives bits and codes. With <paramref name="quantized"/> false the weights are the
    /// unrounded posterior means (for checking the deployment against the Bayesian model).
    /// </summary>
    public static CompressedModel From(BayesianNetwork network, NetworkMasks masks, CompressionResult result, bool quantized = true, long[]? inputShape = null)
    {
        var graph = network.Graph ?? throw new InvalidOperationException(
            $"{network.GetName()}'s forward could not be followed (see the generator's warning), so it has no compressed model.");
        var layers = new List<CompressedLayerData>();
        foreach (var layer in result.Layers)
        {
            var q = layer.Quantized;
            layers.Add(new CompressedLayerData(layer.Name, layer.Kind, layer.WeightShape, layer.KeptInputs, layer.KeptOutputs, layer.Geometry,
                layer.SignificandBits, q.TotalBits, q.StepExponent, quantized ? q.Codes : null,
                quantized ? q.Dequantize() : layer.KeptWeightMeans, layer.KeptBias));
        }
        var norms = new List<CompressedNormData>();
        foreach (var op in graph.Ops.OfType<BatchNormOp>())
        {
            var module = network.named_modules().FirstOrDefault(m => m.name == op.Layer).module as MaskedBatchNorm
                ?? throw new InvalidOperationException($"{network.GetName()} has no BatchNorm named '{op.Layer}'.");
            var kept = DeploymentPlan.NormChannels(graph, op.Layer, layers, module.Features);
            norms.Add(NormData(op.Layer, op.Dimensions, module.Norm, kept));
        }
        return new CompressedModel(network.GetType().DeclaringType?.Name ?? network.GetName(), network.Prior.ToString(),
            inputShape ?? network.InputShape, graph, result.ExponentBits, result.Mode, layers, norms);
    }

    private static CompressedNormData NormData(string name, int dims, NormBase norm, long[] kept)
    {
        using var scope = NewDisposeScope();
        var index = tensor(kept, dtype: ScalarType.Int64);
        float[] Pick(Tensor? t, float fallback) => t is null
            ? Enumerable.Repeat(fallback, kept.Length).ToArray()
            : t.detach().index_select(0, index).to(ScalarType.Float32).data<float>().ToArray();
        return new CompressedNormData(name, dims, norm.num_features, kept, norm.eps,
            Pick(norm.weight, 1f), Pick(norm.bias, 0f), Pick(norm.running_mean, 0f), Pick(norm.running_var, 1f));
    }

    /// <summary>The data of one Bayesian layer.</summary>
    public CompressedLayerData Layer(string name)
        => Layers.FirstOrDefault(l => l.Name == name) ?? throw new KeyNotFoundException($"The compressed model has no layer '{name}'.");

    /// <summary>The data of one BatchNorm layer.</summary>
    public CompressedNormData Norm(string name)
        => Norms.FirstOrDefault(n => n.Name == name) ?? throw new KeyNotFoundException($"The compressed model has no BatchNorm '{name}'.");

    /// <summary>A Linear layer of the kept size holding the kept weights.</summary>
    public Linear CreateLinear(string name)
    {
        var data = Layer(name);
        if (data.Kind != LayerKind.Linear) throw new InvalidDataException($"Layer '{name}' is a {data.Kind}, not Linear.");
        var shape = data.KeptShape;
        var linear = nn.Linear(shape[1], shape[0], hasBias: data.Bias is not null);
        Fill(linear.weight, data.Weights, shape);
        if (data.Bias is not null) Fill(linear.bias!, data.Bias, new[] { shape[0] });
        linear.eval();
        return linear;
    }

    /// <summary>A Conv2d of the kept size holding the kept filters.</summary>
    public Conv2d CreateConv2d(string name)
    {
        var data = Layer(name);
        if (data.Kind != LayerKind.Conv2d || data.Geometry is null) throw new InvalidDataException($"Layer '{name}' is a {data.Kind}, not Conv2d.");
        var g = data.Geometry;
        var shape = data.KeptShape;
        var conv = nn.Conv2d(shape[1], shape[0], (g.KernelH, g.KernelW), stride: (g.StrideH, g.StrideW), padding: (g.PaddingH, g.PaddingW),
            dilation: (g.DilationH, g.DilationW), bias: data.Bias is not null);
        Fill(conv.weight, data.Weights, shape);
        if (data.Bias is not null) Fill(conv.bias!, data.Bias, new[] { shape[0] });
        conv.eval();
        return conv;
    }

    /// <summary>A BatchNorm (1d or 2d) over the kept channels, in evaluation mode.</summary>
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

    /// <summary>The features a Linear layer gathers from its input (an int64 tensor), or null when it reads all of them.</summary>
    public Tensor? GatherIndices(string name)
        => Gathers.TryGetValue(name, out var indices) ? tensor(indices, dtype: ScalarType.Int64).DetachFromDisposeScope() : null;

    /// <summary>The operation at position <paramref name="index"/> of the chain, checked to be of type <typeparamref name="T"/>.</summary>
    public T Op<T>(int index) where T : GraphOp
        => index >= 0 && index < Graph.Ops.Count && Graph.Ops[index] is T op
            ? op
            : throw new InvalidDataException($"Operation {index} of the chain is not a {typeof(T).Name}.");

    /// <summary>
    /// Checks that this model's operation chain is the one a generated class expects (same operations, same
    /// layer names, in order). Throws <see cref="InvalidDataException"/> naming the first difference.
    /// </summary>
    public void CheckOps(IReadOnlyList<string> expected, string className)
    {
        var actual = Graph.Ops.Select(ArtifactManifest.OpName).ToArray();
        for (int i = 0; i < Math.Max(actual.Length, expected.Count); i++)
        {
            var a = i < actual.Length ? actual[i] : "(end)";
            var e = i < expected.Count ? expected[i] : "(end)";
            if (a != e)
                throw new InvalidDataException(
                    $"This compressed model ({Model}) does not fit {className}: operation {i} is '{a}' where the class expects '{e}'. Compress the network {className} belongs to.");
        }
    }

    /// <summary>A network that runs this model without generated code.</summary>
    public CompressedNetwork CreateNetwork() => new(this);

    /// <summary>Writes the artifact file (see <see cref="ArtifactFormat"/>).</summary>
    public void Save(string path)
    {
        using var stream = File.Create(path);
        ArtifactFormat.Write(this, stream);
    }

    /// <summary>Reads an artifact file; throws <see cref="InvalidDataException"/> naming the problem for a damaged file.</summary>
    public static CompressedModel Load(string path)
    {
        using var stream = File.OpenRead(path);
        try
        {
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
