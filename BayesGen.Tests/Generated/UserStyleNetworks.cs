using BayesGen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

// Networks written the way TorchSharp's published examples and PyTorch's classic architectures are written
// (fields typed Module<Tensor, Tensor>, Sequentials built in loops, blocks with skip connections, Conv1d audio
// nets), each changed only by `partial` and a prior attribute. Small sizes keep the tests fast; the idioms are
// the point. None of them is shaped for BayesGen.
namespace BayesGen.Tests.Generated.UserStyle;

/// <summary>The MNIST example's style: every field a Module&lt;Tensor, Tensor&gt;, one module per step, a local per value.</summary>
[GroupNJ]
[InputShape(1, 28, 28)]
public partial class MnistStyleNet : Module<Tensor, Tensor>
{
    private Module<Tensor, Tensor> conv1 = Conv2d(1, 8, 3);
    private Module<Tensor, Tensor> conv2 = Conv2d(8, 12, 3);
    private Module<Tensor, Tensor> fc1 = Linear(12 * 12 * 12, 32);
    private Module<Tensor, Tensor> fc2 = Linear(32, 10);
    private Module<Tensor, Tensor> pool1 = MaxPool2d(kernel_size: new long[] { 2, 2 });
    private Module<Tensor, Tensor> relu1 = ReLU();
    private Module<Tensor, Tensor> relu2 = ReLU();
    private Module<Tensor, Tensor> relu3 = ReLU();
    private Module<Tensor, Tensor> dropout1 = Dropout(0.25);
    private Module<Tensor, Tensor> dropout2 = Dropout(0.5);
    private Module<Tensor, Tensor> flatten = Flatten();
    private Module<Tensor, Tensor> logsm = LogSoftmax(1);

    public MnistStyleNet(string name = "mnist") : base(name) => RegisterComponents();

    public override Tensor forward(Tensor input)
    {
        var l11 = conv1.forward(input);
        var l12 = relu1.forward(l11);
        var l21 = conv2.forward(l12);
        var l22 = relu2.forward(l21);
        var l23 = pool1.forward(l22);
        var l24 = dropout1.forward(l23);
        var x = flatten.forward(l24);
        var l31 = fc1.forward(x);
        var l32 = relu3.forward(l31);
        var l33 = dropout2.forward(l32);
        var l41 = fc2.forward(l33);
        return logsm.forward(l41);
    }
}

/// <summary>An MLP as one Sequential of named modules.</summary>
[Horseshoe(1e-3)]
[InputShape(1, 28, 28)]
public partial class SequentialMlp : Module<Tensor, Tensor>
{
    private readonly Sequential layers = Sequential(
        ("fc1", Linear(784, 64)), ("relu1", ReLU()), ("drop1", Dropout(0.2)),
        ("fc2", Linear(64, 32)), ("relu2", ReLU()),
        ("fc3", Linear(32, 10)));

    public SequentialMlp() : base(nameof(SequentialMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) => layers.forward(x.flatten(1));
}

/// <summary>VGG's way: a configuration array turned into Conv-BatchNorm-ReLU and MaxPool modules in a loop.</summary>
[GroupNJ]
[InputShape(1, 28, 28)]
public partial class VggStyleNet : Module<Tensor, Tensor>
{
    private static readonly long[] Channels = { 8, 0, 16, 0 };
    private readonly Module<Tensor, Tensor> features;
    private readonly Module<Tensor, Tensor> classifier;

    public VggStyleNet() : base(nameof(VggStyleNet))
    {
        var modules = new List<(string, Module<Tensor, Tensor>)>();
        long inChannels = 1;
        for (var i = 0; i < Channels.Length; i++)
        {
            if (Channels[i] == 0)
            {
                modules.Add(($"MaxPool2d-{i}a", MaxPool2d(kernel_size: 2, stride: 2)));
            }
            else
            {
                modules.Add(($"conv2d-{i}a", Conv2d(inChannels, Channels[i], kernel_size: 3, padding: 1)));
                modules.Add(($"bnrm2d-{i}a", BatchNorm2d(Channels[i])));
                modules.Add(($"relu-{i}b", ReLU(inplace: true)));
                inChannels = Channels[i];
            }
        }
        features = Sequential(modules);
        classifier = Sequential(("d1", Dropout()), ("l1", Linear(16 * 7 * 7, 32)), ("r1", ReLU(inplace: true)), ("l2", Linear(32, 10)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var f = features.forward(input);
        var x = f.view(f.shape[0], -1);
        return classifier.forward(x);
    }
}

/// <summary>The M5 audio net's way: Conv1d, BatchNorm1d, MaxPool1d, a global average by the signal's own length, a permute, a Linear over the last dimension.</summary>
[GroupNJ]
[InputShape(1, 400)]
public partial class M5StyleNet : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> conv1;
    private readonly Module<Tensor, Tensor> bn1;
    private readonly Module<Tensor, Tensor> pool1;
    private readonly Module<Tensor, Tensor> conv2;
    private readonly Module<Tensor, Tensor> bn2;
    private readonly Module<Tensor, Tensor> pool2;
    private readonly Module<Tensor, Tensor> fc1;

    public M5StyleNet(int n_input = 1, int n_output = 5, int stride = 4, int n_channel = 8) : base(nameof(M5StyleNet))
    {
        conv1 = Conv1d(n_input, n_channel, kernel_size: 20, stride: stride);
        bn1 = BatchNorm1d(n_channel);
        pool1 = MaxPool1d(4);
        conv2 = Conv1d(n_channel, 2 * n_channel, kernel_size: 3);
        bn2 = BatchNorm1d(2 * n_channel);
        pool2 = MaxPool1d(4);
        fc1 = Linear(2 * n_channel, n_output);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var x = input;
        x = conv1.call(x);
        x = F.relu(bn1.call(x));
        x = pool1.call(x);
        x = conv2.call(x);
        x = F.relu(bn2.call(x));
        x = pool2.call(x);
        x = F.avg_pool1d(x, x.shape[x.dim() - 1]);
        x = x.permute(0, 2, 1);
        x = fc1.call(x);
        return F.log_softmax(x, dim: 2);
    }
}

/// <summary>A ResNet: basic blocks with identity and projection shortcuts, made by a factory in a loop, in one Sequential.</summary>
[GroupNJ]
[InputShape(1, 12, 12)]
public partial class ResNetStyleNet : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> layers;
    private int inPlanes = 8;

    public ResNetStyleNet() : this((name, inPlanes, planes, stride) => new BasicBlock(name, inPlanes, planes, stride), new[] { 1, 1 }) { }

    public ResNetStyleNet(Func<string, int, int, int, Module<Tensor, Tensor>> block, IList<int> numBlocks) : base(nameof(ResNetStyleNet))
    {
        var modules = new List<(string, Module<Tensor, Tensor>)>
        {
            ("conv2d-first", Conv2d(1, 8, kernel_size: 3, stride: 1, padding: 1, bias: false)),
            ("bnrm2d-first", BatchNorm2d(8)),
            ("relu-first", ReLU(inplace: true)),
        };
        MakeLayer(modules, block, 8, numBlocks[0], 1);
        MakeLayer(modules, block, 16, numBlocks[1], 2);
        modules.Add(("avgpool", AdaptiveAvgPool2d(1)));
        modules.Add(("flatten", Flatten()));
        modules.Add(("linear", Linear(16, 10)));
        layers = Sequential(modules);
        RegisterComponents();
    }

    private void MakeLayer(List<(string, Module<Tensor, Tensor>)> modules, Func<string, int, int, int, Module<Tensor, Tensor>> block, int planes, int count, int stride)
    {
        var strides = new List<int> { stride };
        for (var i = 0; i < count - 1; i++) strides.Add(1);
        for (var i = 0; i < strides.Count; i++)
        {
            modules.Add(($"blck-{planes}-{i}", block($"blck-{planes}-{i}", inPlanes, planes, strides[i])));
            inPlanes = planes;
        }
    }

    public override Tensor forward(Tensor input) => layers.forward(input);

    /// <summary>Two 3×3 convolutions with BatchNorm, added to the input or to its 1×1 projection.</summary>
    private class BasicBlock : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> layers;
        private readonly Module<Tensor, Tensor> shortcut;

        public BasicBlock(string name, int inPlanes, int planes, int stride) : base(name)
        {
            layers = Sequential(
                ($"{name}-conv2d-1", Conv2d(inPlanes, planes, kernel_size: 3, stride: stride, padding: 1, bias: false)),
                ($"{name}-bnrm2d-1", BatchNorm2d(planes)),
                ($"{name}-relu-1", ReLU(inplace: true)),
                ($"{name}-conv2d-2", Conv2d(planes, planes, kernel_size: 3, stride: 1, padding: 1, bias: false)),
                ($"{name}-bnrm2d-2", BatchNorm2d(planes)));
            shortcut = stride != 1 || inPlanes != planes
                ? Sequential(($"{name}-conv2d-3", Conv2d(inPlanes, planes, kernel_size: 1, stride: stride, bias: false)), ($"{name}-bnrm2d-3", BatchNorm2d(planes)))
                : Sequential();
            RegisterComponents();
        }

        public override Tensor forward(Tensor t)
        {
            var x = layers.forward(t);
            var y = shortcut.forward(t);
            return x.add_(y).relu_();
        }
    }
}

/// <summary>MobileNet's depthwise-separable blocks, written out in a loop, with a global average as x.mean([2, 3]).</summary>
[GroupNJ]
[InputShape(1, 12, 12)]
public partial class MobileNetStyleNet : Module<Tensor, Tensor>
{
    private readonly long[] planes = { 16, 16 };
    private readonly long[] strides = { 1, 2 };
    private readonly Module<Tensor, Tensor> layers;
    private readonly Module<Tensor, Tensor> head;

    public MobileNetStyleNet() : base(nameof(MobileNetStyleNet))
    {
        var modules = new List<(string, Module<Tensor, Tensor>)>
        {
            ("conv2d-first", Conv2d(1, 8, kernel_size: 3, stride: 1, padding: 1, bias: false)),
            ("bnrm2d-first", BatchNorm2d(8)),
            ("relu-first", ReLU()),
        };
        long inPlanes = 8;
        for (var i = 0; i < strides.Length; i++)
        {
            modules.Add(($"conv2d-{i}a", Conv2d(inPlanes, inPlanes, kernel_size: 3, stride: strides[i], padding: 1, groups: inPlanes, bias: false)));
            modules.Add(($"bnrm2d-{i}a", BatchNorm2d(inPlanes)));
            modules.Add(($"relu-{i}a", ReLU6()));
            modules.Add(($"conv2d-{i}b", Conv2d(inPlanes, planes[i], kernel_size: 1L, stride: 1L, padding: 0L, bias: false)));
            modules.Add(($"bnrm2d-{i}b", BatchNorm2d(planes[i])));
            modules.Add(($"relu-{i}b", ReLU6()));
            inPlanes = planes[i];
        }
        layers = Sequential(modules);
        head = Linear(planes[^1], 10);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => head.forward(layers.forward(input).mean(new long[] { 2, 3 }));
}

/// <summary>Inception's way: branches concatenated along the channels.</summary>
[GroupNJ]
[InputShape(1, 8, 8)]
public partial class ConcatNet : Module<Tensor, Tensor>
{
    private readonly Conv2d branch1 = Conv2d(1, 6, 1);
    private readonly Conv2d branch3 = Conv2d(1, 6, 3, padding: 1);
    private readonly Conv2d mix = Conv2d(12, 8, 3, padding: 1);
    private readonly Linear fc = Linear(8 * 4 * 4, 10);

    public ConcatNet() : base(nameof(ConcatNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        var a = F.relu(branch1.forward(x));
        var b = F.relu(branch3.forward(x));
        var joined = torch.cat(new[] { a, b }, 1);
        var h = F.max_pool2d(F.relu(mix.forward(joined)), 2);
        return fc.forward(torch.flatten(h, 1));
    }
}

/// <summary>AlexNet's way: named Sequentials, an adaptive average pool, a view with the size written out.</summary>
[GroupNJ]
[InputShape(3, 16, 16)]
public partial class AlexNetStyleNet : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> features;
    private readonly Module<Tensor, Tensor> avgPool;
    private readonly Module<Tensor, Tensor> classifier;

    public AlexNetStyleNet(int numClasses = 10) : base(nameof(AlexNetStyleNet))
    {
        features = Sequential(
            ("c1", Conv2d(3, 8, kernel_size: 3, stride: 2, padding: 1)),
            ("r1", ReLU(inplace: true)),
            ("mp1", MaxPool2d(kernel_size: new long[] { 2, 2 })),
            ("c2", Conv2d(8, 16, kernel_size: 3, padding: 1)),
            ("r2", ReLU(inplace: true)));
        avgPool = AdaptiveAvgPool2d(new long[] { 2, 2 });
        classifier = Sequential(
            ("d1", Dropout()),
            ("l1", Linear(16 * 2 * 2, 32)),
            ("r1", ReLU(inplace: true)),
            ("d2", Dropout()),
            ("l2", Linear(32, numClasses)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var f = features.forward(input);
        var avg = avgPool.forward(f);
        var x = avg.view(new long[] { avg.shape[0], 16 * 2 * 2 });
        return classifier.forward(x);
    }
}

/// <summary>Layers in auto-properties, one assigned in the constructor; no [InputShape] (the first forward tells).</summary>
[GroupNJ]
public partial class PropertyNet : Module<Tensor, Tensor>
{
    [ClipVariance(0.05)] private Linear Hidden { get; } = Linear(20, 16);
    public Module<Tensor, Tensor> Output { get; }

    public PropertyNet() : base(nameof(PropertyNet))
    {
        Output = Linear(16, 3);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Output.forward(F.silu(Hidden.forward(x)));
}

/// <summary>The other activations, pools and dropouts, as modules and as functions.</summary>
[Horseshoe(1e-2)]
[InputShape(2, 8, 8)]
public partial class ActivationZoo : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = Conv2d(2, 6, 3, padding: 1);
    private readonly GELU gelu = GELU();
    private readonly Dropout2d drop2d = Dropout2d(0.1);
    private readonly AvgPool2d pool = AvgPool2d(2);
    private readonly Conv2d conv2 = Conv2d(6, 6, 3, padding: 1);
    private readonly ELU elu = ELU(0.5);
    private readonly Linear fc1 = Linear(6 * 4 * 4, 12);
    private readonly Hardswish hardswish = Hardswish();
    private readonly AlphaDropout alpha = AlphaDropout(0.05);
    private readonly Linear fc2 = Linear(12, 8);
    private readonly ReLU6 relu6 = ReLU6();
    private readonly Linear fc3 = Linear(8, 4);

    public ActivationZoo() : base(nameof(ActivationZoo)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = pool.forward(drop2d.forward(gelu.forward(conv1.forward(x))));
        x = F.softplus(elu.forward(conv2.forward(x)), beta: 2);
        x = F.mish(F.hardtanh(x, -2, 2)).flatten(1);
        x = alpha.forward(hardswish.forward(fc1.forward(x)));
        x = F.silu(relu6.forward(F.leaky_relu(fc2.forward(x), 0.1)) * 0.5 + 0.25).tanh();
        return F.softmax(fc3.forward(x).sigmoid() - 0.5, 1);
    }
}
