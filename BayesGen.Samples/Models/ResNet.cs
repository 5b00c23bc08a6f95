using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BayesGen.Samples.Models;

/// <summary>
/// A small ResNet for 28×28 images: a 3×3 stem, three stages of basic blocks (w, 2w and 4w channels, w = 8 unless
/// given; the second and third halve the resolution with a strided convolution and a 1×1 projection shortcut), global
/// average pooling and a Linear head. Written the way ResNets are written: blocks made by a factory in a loop, one
/// Sequential.
/// </summary>
[GroupNJ]
[InputShape(1, 28, 28)]
public partial class ResNet : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> layers;
    private int inPlanes;

    public ResNet() : this(new[] { 1, 1, 1 }) { }

    /// <param name="blocksPerStage">Basic blocks in each of the three stages.</param>
    /// <param name="width">Channels of the stem and the first stage; the second stage has twice as many, the third four times.</param>
    public ResNet(IList<int> blocksPerStage, int width = 8) : base(nameof(ResNet))
    {
        inPlanes = width;
        var modules = new List<(string, Module<Tensor, Tensor>)>
        {
            ("stem", Conv2d(1, width, kernel_size: 3, padding: 1, bias: false)),
            ("stem_bn", BatchNorm2d(width)),
            ("stem_relu", ReLU(inplace: true)),
        };
        MakeStage(modules, "stage1", width, blocksPerStage[0], stride: 1);
        MakeStage(modules, "stage2", 2 * width, blocksPerStage[1], stride: 2);
        MakeStage(modules, "stage3", 4 * width, blocksPerStage[2], stride: 2);
        modules.Add(("pool", AdaptiveAvgPool2d(1)));
        modules.Add(("flatten", Flatten()));
        modules.Add(("fc", Linear(4 * width, 10)));
        layers = Sequential(modules);
        RegisterComponents();
    }

    private void MakeStage(List<(string, Module<Tensor, Tensor>)> modules, string name, int planes, int count, int stride)
    {
        for (int i = 0; i < count; i++)
        {
            modules.Add(($"{name}_{i}", new BasicBlock($"{name}_{i}", inPlanes, planes, i == 0 ? stride : 1)));
            inPlanes = planes;
        }
    }

    public override Tensor forward(Tensor input) => layers.forward(input);

    /// <summary>Two 3×3 convolutions with BatchNorm, added to the input or to its 1×1 projection, then a ReLU.</summary>
    public sealed class BasicBlock : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> conv1, bn1, conv2, bn2;
        private readonly Module<Tensor, Tensor> shortcut;

        public BasicBlock(string name, int inPlanes, int planes, int stride) : base(name)
        {
            conv1 = Conv2d(inPlanes, planes, kernel_size: 3, stride: stride, padding: 1, bias: false);
            bn1 = BatchNorm2d(planes);
            conv2 = Conv2d(planes, planes, kernel_size: 3, padding: 1, bias: false);
            bn2 = BatchNorm2d(planes);
            shortcut = stride != 1 || inPlanes != planes
                ? Sequential(("conv", Conv2d(inPlanes, planes, kernel_size: 1, stride: stride, bias: false)), ("bn", BatchNorm2d(planes)))
                : Sequential();
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var h = functional.relu(bn1.forward(conv1.forward(x)));
            h = bn2.forward(conv2.forward(h));
            return functional.relu(h + shortcut.forward(x));
        }
    }
}
