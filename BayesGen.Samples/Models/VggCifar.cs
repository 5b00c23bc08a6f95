using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BayesGen.Samples.Models;

/// <summary>
/// The paper's VGG-like network for CIFAR-10 (after Zagoruyko's "92.45 % on CIFAR-10"): thirteen 3×3 convolutions
/// with BatchNorm and ReLU in five blocks of 64-64, 128-128, 256-256-256, 512-512-512 and 512-512-512 channels,
/// each block closed by a 2×2 max pool (32 → 1), then two fully connected layers, 512-512 and 512-10.
/// Written the way VGG is written in TorchSharp: a configuration array turned into blocks in a loop.
/// </summary>
[GroupNJ]
[InputShape(3, 32, 32)]
public partial class VggCifar : Module<Tensor, Tensor>
{
    /// <summary>Channels per convolution; 0 is a 2×2 max pool.</summary>
    private static readonly long[] Configuration = { 64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0 };

    private readonly Module<Tensor, Tensor> features;
    private readonly Module<Tensor, Tensor> classifier;

    public VggCifar() : base(nameof(VggCifar))
    {
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        long channels = 3;
        for (int i = 0; i < Configuration.Length; i++)
        {
            if (Configuration[i] == 0)
            {
                layers.Add(($"pool{i}", MaxPool2d(kernel_size: 2, stride: 2)));
                continue;
            }
            layers.Add(($"conv{i}", Conv2d(channels, Configuration[i], kernel_size: 3, padding: 1)));
            layers.Add(($"bn{i}", BatchNorm2d(Configuration[i])));
            layers.Add(($"relu{i}", ReLU(inplace: true)));
            channels = Configuration[i];
        }
        features = Sequential(layers);
        classifier = Sequential(
            ("fc1", Linear(512, 512)),
            ("bn", BatchNorm1d(512)),
            ("relu", ReLU(inplace: true)),
            ("dropout", Dropout(0.5)),
            ("fc2", Linear(512, 10)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => classifier.forward(features.forward(input).flatten(1));
}
