using System.Text.Json;
using System.Text.Json.Nodes;
using BayesGen.Layers;
using BayesGen.Tests.Generated;
using BayesGen.Tests.Support;
using BayesGen.Training;
using TorchSharp;
using static TorchSharp.torch;
using static BayesGen.Tests.Support.BayesianSetup;

namespace BayesGen.Tests.Training;

/// <summary>
/// The group Normal-Jeffreys layers and the trainer against the reference mathematics, term by term: a PyTorch
/// float64 implementation written from the paper's and the reference layers' published formulas
/// (<c>reference_groupnj.py</c>) gets BayesGen's parameters, inputs and standard-normal draws and computes, per
/// layer, the KL terms, log α, the pre-activation mean and variance and the sampled output, and for two steps of
/// the reference objective (mean cross-entropy + KL/N) with torch.optim.Adam every gradient and every parameter
/// after the step. BayesGen's <see cref="BayesianTrainer"/> takes the same steps on a Conv2d + Linear network
/// (<see cref="TinyLeNet"/>) in float64. Intended differences, documented in docs/DESIGN.md: BayesGen adds
/// 1e-8 under the square root of an activation variance (the script adds it too), and clips weight variances
/// only unless asked to clip the biases' too (the reference clips both; this network sets no clip, and
/// <c>BayesianLinearTests</c> checks both settings).
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class ReferenceEquivalenceTests
{
    private const int Batch = 8, Classes = 3;
    private const long TrainingSetSize = 1000;    // N in KL/N
    private const long Seed = 5;
    private static readonly string[] LayerNames = ["conv1", "conv2", "fc1", "fc2"];

    [Fact]
    public void Layers_and_two_training_steps_match_the_reference_formulas_in_float64()
    {
        var (x, y) = TrainingBatch();
        var (caseJson, bayesgen) = DescribeCase(x, y);
        var reference = RunReference(caseJson);

        foreach (var name in LayerNames)
        {
            var expected = reference["layers"]![name]!;
            var actual = bayesgen[name];
            AssertClose($"{name}: scale KL", expected["kl_scale"]!.GetValue<double>(), actual.ScaleKL, 1e-12);
            AssertClose($"{name}: weight and bias KL", expected["kl_weight"]!.GetValue<double>() + expected["kl_bias"]!.GetValue<double>(), actual.WeightKL, 1e-12);
            AssertClose($"{name}: log α", Values(expected["log_alpha"]!), actual.LogAlpha, 1e-12);
            AssertClose($"{name}: pre-activation mean", Values(expected["mean"]!), actual.Mean, 1e-11);
            AssertClose($"{name}: pre-activation variance", Values(expected["variance"]!), actual.Variance, 1e-11);
            AssertClose($"{name}: sampled output", Values(expected["output"]!), actual.Output, 1e-10);
        }

        for (int steps = 1; steps <= 2; steps++)
        {
            var expected = reference["steps"]![steps - 1]!;
            using var model = BuildModel();
            var result = new BayesianTrainer(new TrainingOptions { Epochs = 1, MaxSteps = steps, BatchSize = Batch, Seed = Seed, AdaptThreads = false })
                .Train(model, Batches(x, y, steps), Batches(x, y, 1));
            if (steps == 1)   // the epoch's mean cross-entropy is the first step's (reported in float32)
                AssertClose("cross-entropy of step 1", expected["nll"]!.GetValue<double>(), result.History[0].CrossEntropy, 1e-6);
            foreach (var (path, parameter) in Parameters(model))
            {
                AssertClose($"step {steps}: gradient of {path}", Values(expected["grad"]![path]!), Values(parameter.grad!), 1e-9);
                AssertClose($"step {steps}: {path} after the step", Values(expected["param"]![path]!), Values(parameter), 1e-12);
            }
        }
        x.Dispose();
        y.Dispose();
    }

    /// <summary>What BayesGen computes per layer, for the comparison.</summary>
    private sealed record LayerFigures(double ScaleKL, double WeightKL, double[] LogAlpha, double[] Mean, double[] Variance, double[] Output);

    /// <summary>
    /// The case file for the script (parameters, per-layer inputs and draws, the training batch and the draws of both
    /// steps) and BayesGen's per-layer figures on the same inputs and draws.
    /// </summary>
    private static (string Json, Dictionary<string, LayerFigures> Figures) DescribeCase(Tensor x, Tensor y)
    {
        using var model = BuildModel();
        var layers = new JsonArray();
        var checks = new JsonObject();
        var figures = new Dictionary<string, LayerFigures>();
        using var inputs = new torch.Generator(31);
        foreach (var name in LayerNames)
        {
            var layer = model.Layer(name);
            var scale = (GroupNJScale)layer.Scale;
            layers.Add(new JsonObject
            {
                ["name"] = name,
                ["kind"] = layer is BayesianLinear ? "linear" : "conv2d",
                ["weight_mu"] = Json(layer.WeightMu), ["weight_logvar"] = Json(layer.WeightLogVariance),
                ["bias_mu"] = Json(layer.BiasMu!), ["bias_logvar"] = Json(layer.BiasLogVariance!),
                ["z_mu"] = Json(scale.MeanParameter), ["z_logvar"] = Json(scale.LogVarianceParameter),
            });

            using var input = rand(InputShape(name), dtype: ScalarType.Float64, generator: inputs) * 2 - 1;
            var (epsZ, eps) = LayerDraws(name, layer, 100 + Array.IndexOf(LayerNames, name));
            checks[name] = new JsonObject { ["input"] = Json(input), ["eps_z"] = Json(epsZ), ["eps"] = Json(eps) };
            figures[name] = Figures(layer, input, 100 + Array.IndexOf(LayerNames, name));
        }

        var steps = new JsonArray();
        using var noise = new torch.Generator(0);
        noise.manual_seed(BayesianTrainer.EpochSeed(Seed, 1, 1));   // the trainer's noise stream for epoch 1
        for (int step = 0; step < 2; step++)
        {
            var draws = new JsonObject();
            foreach (var name in LayerNames)
            {
                var layer = model.Layer(name);
                var (epsZ, eps) = Draws(layer, noise, OutputShape(name));
                draws[name] = new JsonObject { ["eps_z"] = Json(epsZ), ["eps"] = Json(eps) };
            }
            steps.Add(draws);
        }

        var root = new JsonObject
        {
            ["variance_floor"] = 1e-8,
            ["layers"] = layers,
            ["layer_checks"] = checks,
            ["parameter_order"] = new JsonArray(Parameters(model).Select(p => (JsonNode)p.Path).ToArray()),
            ["train"] = new JsonObject
            {
                ["lr"] = 1e-3, ["n"] = TrainingSetSize, ["x"] = Json(x),
                ["y"] = new JsonArray(y.data<long>().Select(v => (JsonNode)v).ToArray()),
                ["steps"] = steps,
            },
        };
        return (root.ToJsonString(), figures);
    }

    /// <summary>BayesGen's KL terms, log α, pre-activation moments and training-mode output of one layer.</summary>
    private static LayerFigures Figures(BayesianLayer layer, Tensor input, long noiseSeed)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var scale = (GroupNJScale)layer.Scale;
        Tensor mean, variance;
        if (layer is BayesianLinear linear)
        {
            using var g = new torch.Generator((ulong)noiseSeed);
            (mean, variance) = linear.PreActivationMoments(input, scale.Sample(Batch, g));   // the forward's first draw is z
        }
        else (mean, variance) = ((BayesianConvolution)layer).PreActivationMoments(input);
        using var noise = new torch.Generator((ulong)noiseSeed);
        layer.NoiseGenerator = noise;
        layer.train();
        var output = layer.forward(input);
        layer.NoiseGenerator = null;
        return new LayerFigures(scale.KL().item<double>(), layer.WeightKL().item<double>(), Values(scale.LogAlpha()), Values(mean), Values(variance), Values(output));
    }

    /// <summary>The draws a layer's training forward takes from a generator seeded with <paramref name="seed"/>.</summary>
    private static (Tensor EpsZ, Tensor Eps) LayerDraws(string name, BayesianLayer layer, long seed)
    {
        using var g = new torch.Generator((ulong)seed);
        return Draws(layer, g, OutputShape(name));
    }

    /// <summary>
    /// A layer's standard-normal draws in the order its training forward takes them: a Linear layer draws z's noise
    /// [batch, inputs] and then the output noise; a convolution the output noise and then z's noise [batch, channels].
    /// </summary>
    private static (Tensor EpsZ, Tensor Eps) Draws(BayesianLayer layer, torch.Generator g, long[] outputShape)
    {
        var zShape = new long[] { Batch, layer.Groups };
        if (layer is BayesianLinear)
        {
            var epsZ = randn(zShape, dtype: ScalarType.Float64, generator: g);
            return (epsZ, randn(outputShape, dtype: ScalarType.Float64, generator: g));
        }
        var eps = randn(outputShape, dtype: ScalarType.Float64, generator: g);
        return (randn(zShape, dtype: ScalarType.Float64, generator: g), eps);
    }

    private static long[] InputShape(string layer) => layer switch
    {
        "conv1" => [Batch, 1, 14, 14],
        "conv2" => [Batch, 4, 6, 6],
        "fc1" => [Batch, 96],
        _ => [Batch, 5],
    };

    private static long[] OutputShape(string layer) => layer switch
    {
        "conv1" => [Batch, 4, 12, 12],
        "conv2" => [Batch, 6, 4, 4],
        "fc1" => [Batch, 5],
        _ => [Batch, Classes],
    };

    /// <summary>
    /// TinyLeNet's Bayesian model in float64 with every parameter drawn from a fixed generator, spread over the range
    /// training visits (log α from about −10 to −3, log σ² from −8 to −2), with every z positive.
    /// </summary>
    private static TinyLeNet.Bayesian BuildModel()
    {
        var model = new TinyLeNet.Bayesian(new TinyLeNet(), Seeded(1));
        model.to(ScalarType.Float64);
        using var g = new torch.Generator(17);
        using var _ = no_grad();
        foreach (var name in LayerNames)
        {
            var layer = model.Layer(name);
            var scale = (GroupNJScale)layer.Scale;
            layer.WeightMu.copy_(randn(layer.WeightMu.shape, dtype: ScalarType.Float64, generator: g) * 0.3);
            layer.WeightLogVariance.copy_(rand(layer.WeightLogVariance.shape, dtype: ScalarType.Float64, generator: g) * 6 - 8);
            layer.BiasMu!.copy_(randn(layer.BiasMu.shape, dtype: ScalarType.Float64, generator: g) * 0.1);
            layer.BiasLogVariance!.copy_(rand(layer.BiasLogVariance.shape, dtype: ScalarType.Float64, generator: g) * 6 - 8);
            scale.MeanParameter.copy_(rand(scale.MeanParameter.shape, dtype: ScalarType.Float64, generator: g) * 0.8 + 0.6);
            scale.LogVarianceParameter.copy_(rand(scale.LogVarianceParameter.shape, dtype: ScalarType.Float64, generator: g) * 5 - 9);
        }
        return model;
    }

    private static (Tensor X, Tensor Y) TrainingBatch()
    {
        using var g = new torch.Generator(23);
        return (rand([Batch, 1, 14, 14], dtype: ScalarType.Float64, generator: g) * 2 - 1, randint(Classes, [Batch], generator: g));
    }

    /// <summary>The same batch <paramref name="count"/> times (the trainer disposes what it gets, so each is a copy).</summary>
    private static IBatchSource Batches(Tensor x, Tensor y, int count)
        => TrainingBatches.From(() => Enumerable.Range(0, count).Select(_ => (x.clone(), y.clone())), TrainingSetSize);

    /// <summary>Every parameter as "layer/name", the names the script uses.</summary>
    private static IEnumerable<(string Path, TorchSharp.Modules.Parameter Parameter)> Parameters(TinyLeNet.Bayesian model)
    {
        foreach (var name in LayerNames)
        {
            var layer = model.Layer(name);
            var scale = (GroupNJScale)layer.Scale;
            yield return ($"{name}/weight_mu", layer.WeightMu);
            yield return ($"{name}/weight_logvar", layer.WeightLogVariance);
            yield return ($"{name}/bias_mu", layer.BiasMu!);
            yield return ($"{name}/bias_logvar", layer.BiasLogVariance!);
            yield return ($"{name}/z_mu", scale.MeanParameter);
            yield return ($"{name}/z_logvar", scale.LogVarianceParameter);
        }
    }

    private static JsonNode RunReference(string caseJson)
    {
        var directory = Directory.CreateTempSubdirectory("bayesgen-reference-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "case.json"), caseJson);
            var script = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Training", "reference_groupnj.py"));
            Assert.Equal("ok", PyTorchProcess.Run(script, directory).Trim());
            return JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "reference.json")))!;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static JsonObject Json(Tensor t)
        => new() { ["shape"] = new JsonArray(t.shape.Select(d => (JsonNode)d).ToArray()), ["values"] = new JsonArray(Values(t).Select(v => (JsonNode)v).ToArray()) };

    private static double[] Values(Tensor t) => t.detach().to(ScalarType.Float64).contiguous().data<double>().ToArray();

    private static double[] Values(JsonNode entry) => entry["values"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();

    private static void AssertClose(string what, double expected, double actual, double relative)
        => AssertClose(what, [expected], [actual], relative);

    /// <summary>Fails unless the largest difference is within <paramref name="relative"/> of the largest expected magnitude.</summary>
    private static void AssertClose(string what, double[] expected, double[] actual, double relative)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, the reference has {expected.Length}");
        double scale = Math.Max(expected.Max(Math.Abs), 1e-300), worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst <= relative * scale, $"{what}: differs from the reference by {worst:G3} (largest value {scale:G3}, allowed {relative * scale:G3})");
    }
}
