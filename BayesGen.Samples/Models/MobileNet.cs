using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BayesGen.Samples.Models;

/// <summary>
/// A small MobileNet for 28×28 images: a 3×3 stem, then depthwise-separable blocks (a 3×3 depthwise convolution and
/// a 1×1 pointwise one, each with BatchNorm and ReLU6) from a table of widths and strides, global average pooling as
/// a mean over the positions, and a Linear head. Written the way MobileNet is written: the blocks in a loop.
/// </summary>
[GroupNJ]
[InputShape(1, 28, 28)]
public partial class MobileNet : Module<Tensor, Tensor>
{
    private static readonly long[] Widths = { 32, 64, 64 };
    private static readonly long[] Strides = { 2, 2, 1 };

    private readonly Module<Tensor, Tensor> features;
    private readonly Module<Tensor, Tensor> head;

    public MobileNet() : base(nameof(MobileNet))
    {
        var modules = new List<(string, Module<Tensor, Tensor>)>
        {
            ("stem", Conv2d(1, 16, kernel_size: 3, padding: 1, bias: false)),
            ("stem_bn", BatchNorm2d(16)),
            ("stem_relu", ReLU6()),
        };
        long channels = 16;
        for (int i = 0; i < Widths.Length; i++)
        {
            modules.Add(($"dw{i}", Conv2d(channels, channels, kernel_size: 3, stride: Strides[i], padding: 1, groups: channels, bias: false)));
            modules.Add(($"dw{i}_bn", BatchNorm2d(channels)));
            modules.Add(($"dw{i}_relu", ReLU6()));
            modules.Add(($"pw{i}", Conv2d(channels, Widths[i], kernel_size: 1, bias: false)));
            modules.Add(($"pw{i}_bn", BatchNorm2d(Widths[i])));
            modules.Add(($"pw{i}_relu", ReLU6()));
            channels = Widths[i];
        }
        features = Sequential(modules);
        head = Linear(Widths[^1], 10);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => head.forward(features.forward(input).mean(new long[] { 2, 3 }));
}
