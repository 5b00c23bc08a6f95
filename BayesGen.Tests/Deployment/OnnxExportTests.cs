using BayesGen.Compression;
using BayesGen.Deployment;
using BayesGen.Tests.Generated;
using BayesGen.Tests.Support;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Deployment;

/// <summary>The ONNX export, run by ONNX Runtime, against the compressed network run by TorchSharp.</summary>
public class OnnxExportTests
{
    private static CompressedModel Compressed(BayesianNetwork model)
    {
        // Spread the scale posteriors, then prune about a third of each layer so gathers and smaller layers appear.
        BayesianSetup.SpreadStatistics(model, 7);
        var thresholds = new PruningThresholds();
        foreach (var (name, layer) in model.BayesianLayers)
        {
            using var s = layer.Scale.PruningStatistic();
            var sorted = s.data<float>().ToArray().OrderBy(v => v).ToArray();
            int k = sorted.Length / 3;
            thresholds.Set(name, layer.Scale.Direction == BayesGen.Layers.PruneDirection.Above ? sorted[^(k + 1)] + 1e-6 : sorted[k - 1] + 1e-6);
        }
        using var masks = model.ComputeMasks(thresholds);
        return CompressedModel.From(model, NetworkCompression.Compress(model, masks, QuantizationMode.LayerScaled, thresholds));
    }

    private static float[] RunOnnx(byte[] onnx, torch.Tensor input)
    {
        using var session = new InferenceSession(onnx);
        var values = input.contiguous().data<float>().ToArray();
        var dense = new DenseTensor<float>(values, input.shape.Select(d => (int)d).ToArray());
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.Single(), dense) });
        return results.Single().AsEnumerable<float>().ToArray();
    }

    public static TheoryData<string> Networks => new() { "WideMlp", "ConvBnNet", "TinyLeNet" };

    [Theory]
    [MemberData(nameof(Networks))]
    public void ONNX_Runtime_reproduces_the_compressed_network_on_real_images(string name)
    {
        var options = new BayesianOptions { InitGenerator = new torch.Generator(21) };
        using BayesianNetwork model = name switch
        {
            "WideMlp" => new WideMlp.Bayesian(new WideMlp(), options),
            "ConvBnNet" => new ConvBnNet.Bayesian(new ConvBnNet(), options),
            _ => new TinyLeNet.Bayesian(new TinyLeNet(), options),
        };
        var compressed = Compressed(model);
        using var images = Mnist.Test.Images.narrow(0, 0, 64);
        using torch.Tensor input = name == "TinyLeNet" ? nn.functional.avg_pool2d(images, 2) : images.alias();   // TinyLeNet reads 14×14
        using var network = compressed.CreateNetwork();
        using var expected = network.forward(input);
        var exported = OnnxExport.Export(compressed);
        OnnxChecker.Check(exported, name);
        var actual = RunOnnx(exported, input);
        var reference = expected.data<float>().ToArray();
        Assert.Equal(reference.Length, actual.Length);
        double max = reference.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(max <= 1e-5, $"{name}: ONNX Runtime differs from TorchSharp by {max}");
    }

    [Fact]
    public void BatchNorm_is_folded_into_the_convolution_before_it()
    {
        using var model = new ConvBnNet.Bayesian(new ConvBnNet(), new BayesianOptions { InitGenerator = new torch.Generator(22) });
        var onnx = OnnxExport.Export(Compressed(model));
        var text = System.Text.Encoding.ASCII.GetString(onnx);
        Assert.DoesNotContain("BatchNormalization", text);
        Assert.Contains("Conv", text);
        Assert.Contains("Gemm", text);
    }
}
