using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BayesGen.Samples.Models;

/// <summary>
/// A VGG-style network for 28×28 images, written the way VGG is usually written: a configuration of channel counts
/// (0 for a max pool) turned into Conv-BatchNorm-ReLU blocks in a loop, one Sequential of features and one of the
/// classifier. Only <c>partial</c> and the prior attribute make it BayesGen's.
/// </summary>
[GroupNJ]
[InputShape(1, 28, 28)]
public partial class VggNet : Module<Tensor, Tensor>
{
    /// <summary>Channels per convolution; 0 is a 2×2 max pool (28 → 14 → 7 → 3).</summary>
    private static readonly long[] Configuration = { 16, 0, 32, 0, 64, 0 };

    private readonly Module<Tensor, Tensor> features;
    private readonly Module<Tensor, Tensor> classifier;

    public VggNet() : base(nameof(VggNet))
    {
        var modules = new List<(string, Module<Tensor, Tensor>)>();
        long inChannels = 1;
        for (int i = 0; i < Configuration.Length; i++)
        {
            if (Configuration[i] == 0)
            {
                modules.Add(($"pool{i}", MaxPool2d(kernel_size: 2, stride: 2)));
                continue;
            }
            modules.Add(($"conv{i}", Conv2d(inChannels, Configuration[i], kernel_size: 3, padding: 1)));
            modules.Add(($"bn{i}", BatchNorm2d(Configuration[i])));
            modules.Add(($"relu{i}", ReLU(inplace: true)));
            inChannels = Configuration[i];
        }
        features = Sequential(modules);
        classifier = Sequential(
            ("fc1", Linear(64 * 3 * 3, 128)),
            ("relu", ReLU(inplace: true)),
            ("dropout", Dropout(0.2)),
            ("fc2", Linear(128, 10)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var x = features.forward(input);
        x = x.view(x.shape[0], -1);
        return classifier.forward(x);
    }
}
