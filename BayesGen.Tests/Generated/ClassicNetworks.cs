using BayesGen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

// PyTorch's classic architectures as a .NET user ports them from torchvision: bottleneck blocks with a
// nullable downsample, inverted residuals with a flag, dense blocks that concatenate in a loop over a
// ModuleList, a functional-style LeNet, the original AlexNet's and GoogLeNet's local response normalisation, and a
// segmentation head ending in Softmax2d, and ESPCN's sub-pixel super-resolution. Each is changed only by `partial` and a prior attribute.
namespace BayesGen.Tests.Generated.Classic;

/// <summary>torchvision's Bottleneck: 1×1 reduce, 3×3, 1×1 expand (×4), a downsample that may be null, out += identity, forward by ForwardImpl.</summary>
[GroupNJ]
[InputShape(3, 16, 16)]
public partial class BottleneckResNet : Module<Tensor, Tensor>
{
    private const int Expansion = 4;
    private int inplanes = 8;
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Module<Tensor, Tensor> layer1, layer2;
    private readonly AdaptiveAvgPool2d avgpool = AdaptiveAvgPool2d(new long[] { 1, 1 });
    private readonly Linear fc;

    public BottleneckResNet(int numClasses = 5) : base(nameof(BottleneckResNet))
    {
        conv1 = Conv2d(3, inplanes, kernel_size: 3, stride: 1, padding: 1, bias: false);
        bn1 = BatchNorm2d(inplanes);
        layer1 = MakeLayer(4, 2, stride: 1);
        layer2 = MakeLayer(8, 1, stride: 2);
        fc = Linear(8 * Expansion, numClasses);
        RegisterComponents();
    }

    private Module<Tensor, Tensor> MakeLayer(int planes, int blocks, int stride)
    {
        Module<Tensor, Tensor>? downsample = null;
        if (stride != 1 || inplanes != planes * Expansion)
            downsample = Sequential(Conv2d(inplanes, planes * Expansion, kernel_size: 1, stride: stride, bias: false), BatchNorm2d(planes * Expansion));
        var layers = new List<Module<Tensor, Tensor>> { new Bottleneck(inplanes, planes, stride, downsample) };
        inplanes = planes * Expansion;
        for (int i = 1; i < blocks; i++) layers.Add(new Bottleneck(inplanes, planes, 1, null));
        return Sequential(layers);
    }

    public override Tensor forward(Tensor x) => ForwardImpl(x);

    private Tensor ForwardImpl(Tensor x)
    {
        x = F.relu(bn1.forward(conv1.forward(x)));
        x = layer2.forward(layer1.forward(x));
        x = torch.flatten(avgpool.forward(x), 1);
        return fc.forward(x);
    }

    private sealed class Bottleneck : Module<Tensor, Tensor>
    {
        private readonly Conv2d conv1, conv2, conv3;
        private readonly BatchNorm2d bn1, bn2, bn3;
        private readonly Module<Tensor, Tensor>? downsample;

        public Bottleneck(int inplanes, int planes, int stride, Module<Tensor, Tensor>? downsample) : base(nameof(Bottleneck))
        {
            conv1 = Conv2d(inplanes, planes, kernel_size: 1, bias: false);
            bn1 = BatchNorm2d(planes);
            conv2 = Conv2d(planes, planes, kernel_size: 3, stride: stride, padding: 1, bias: false);
            bn2 = BatchNorm2d(planes);
            conv3 = Conv2d(planes, planes * Expansion, kernel_size: 1, bias: false);
            bn3 = BatchNorm2d(planes * Expansion);
            this.downsample = downsample;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var identity = x;
            var output = F.relu(bn1.forward(conv1.forward(x)));
            output = F.relu(bn2.forward(conv2.forward(output)));
            output = bn3.forward(conv3.forward(output));
            if (downsample is not null) identity = downsample.forward(x);
            output += identity;
            return F.relu(output);
        }
    }
}

/// <summary>MobileNetV2's inverted residual: expand 1×1, depthwise 3×3, linear 1×1 projection; a residual only where shapes allow.</summary>
[GroupNJ]
[InputShape(1, 16, 16)]
public partial class InvertedResidualNet : Module<Tensor, Tensor>
{
    private readonly Sequential features;
    private readonly Sequential classifier;

    public InvertedResidualNet() : base(nameof(InvertedResidualNet))
    {
        // t (expansion), c (channels), n (repeats), s (stride of the first)
        var settings = new (int t, int c, int n, int s)[] { (1, 8, 1, 1), (4, 12, 2, 2), (4, 16, 1, 1) };
        int inputChannel = 8;
        features = Sequential();
        features.append(ConvBnRelu6(1, inputChannel, 3, 1, 1));
        foreach (var (t, c, n, s) in settings)
            for (int i = 0; i < n; i++)
            {
                features.append(new InvertedResidual(inputChannel, c, i == 0 ? s : 1, t));
                inputChannel = c;
            }
        features.append(ConvBnRelu6(inputChannel, 32, 1, 1, 1));
        classifier = Sequential(Dropout(0.2), Linear(32, 10));
        RegisterComponents();
    }

    internal static Sequential ConvBnRelu6(long input, long output, long kernel, long stride, long groups)
        => Sequential(Conv2d(input, output, kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups, bias: false), BatchNorm2d(output), ReLU6(inplace: true));

    public override Tensor forward(Tensor x)
    {
        x = features.forward(x);
        x = F.adaptive_avg_pool2d(x, 1).reshape(x.shape[0], -1);
        return classifier.forward(x);
    }

    private sealed class InvertedResidual : Module<Tensor, Tensor>
    {
        private readonly bool useResConnect;
        private readonly Sequential conv;

        public InvertedResidual(int inp, int oup, int stride, int expandRatio) : base(nameof(InvertedResidual))
        {
            int hidden = inp * expandRatio;
            useResConnect = stride == 1 && inp == oup;
            conv = Sequential();
            if (expandRatio != 1) conv.append(ConvBnRelu6(inp, hidden, 1, 1, 1));
            conv.append(ConvBnRelu6(hidden, hidden, 3, stride, hidden));
            conv.append(Conv2d(hidden, oup, 1, bias: false));
            conv.append(BatchNorm2d(oup));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => useResConnect ? x + conv.forward(x) : conv.forward(x);
    }
}

/// <summary>DenseNet's way: each layer's output concatenated to its input, layers in a ModuleList, then a transition.</summary>
[GroupNJ]
[InputShape(1, 12, 12)]
public partial class DenseBlockNet : Module<Tensor, Tensor>
{
    private readonly Conv2d stem = Conv2d(1, 8, 3, padding: 1, bias: false);
    private readonly ModuleList<Module<Tensor, Tensor>> denseLayers = new();
    private readonly Sequential transition;
    private readonly Linear classifier;

    public DenseBlockNet(int growth = 4, int layers = 3) : base(nameof(DenseBlockNet))
    {
        long channels = 8;
        for (int i = 0; i < layers; i++)
        {
            denseLayers.Add(Sequential(BatchNorm2d(channels), ReLU(), Conv2d(channels, growth, 3, padding: 1, bias: false)));
            channels += growth;
        }
        transition = Sequential(BatchNorm2d(channels), ReLU(), Conv2d(channels, 8, 1, bias: false), AvgPool2d(2));
        classifier = Linear(8, 4);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = stem.forward(x);
        foreach (var layer in denseLayers)
            x = torch.cat(new[] { x, layer.forward(x) }, 1);
        x = transition.forward(x);
        return classifier.forward(x.mean(new long[] { 2, 3 }));
    }
}

/// <summary>PyTorch's tutorial CNN, all functional: pools, dropout and flatten as calls, log_softmax at the end.</summary>
[Horseshoe(1e-3)]
[InputShape(1, 28, 28)]
public partial class FunctionalNet : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = Conv2d(1, 6, 5);
    private readonly Conv2d conv2 = Conv2d(6, 16, 5);
    private readonly Linear fc1 = Linear(16 * 4 * 4, 30);
    private readonly Linear fc2 = Linear(30, 20);
    private readonly Linear fc3 = Linear(20, 10);

    public FunctionalNet() : base(nameof(FunctionalNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = F.max_pool2d(F.relu(conv1.forward(x)), 2);
        x = F.max_pool2d(F.relu(conv2.forward(x)), new long[] { 2, 2 });
        x = F.dropout(x, 0.25, training);
        x = x.view(-1, 16 * 4 * 4);
        x = F.relu(fc1.forward(x));
        x = F.relu(fc2.forward(x));
        return F.log_softmax(fc3.forward(x), dim: 1);
    }
}

/// <summary>
/// The original AlexNet's and GoogLeNet's stem, small: convolution, ReLU, max pooling and local response normalisation
/// (the module after conv1, F.local_response_norm after conv2); the normalised channels are kept whole.
/// </summary>
[GroupNJ]
[InputShape(3, 24, 24)]
public partial class LrnStemNet : Module<Tensor, Tensor>
{
    private readonly Sequential stem = Sequential(
        ("conv1", Conv2d(3, 12, 5, stride: 2, padding: 2)), ("relu1", ReLU(inplace: true)),
        ("pool1", MaxPool2d(3, stride: 2, padding: 1)), ("lrn1", LocalResponseNorm(5, alpha: 1e-4, beta: 0.75, k: 2)));
    private readonly Conv2d reduce = Conv2d(12, 8, 1);
    private readonly Conv2d conv2 = Conv2d(8, 16, 3, padding: 1);
    private readonly Linear fc1 = Linear(16 * 3 * 3, 24);
    private readonly Linear fc2 = Linear(24, 5);

    public LrnStemNet() : base(nameof(LrnStemNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = stem.call(x);
        x = F.relu(conv2.call(F.relu(reduce.call(x))));
        x = F.max_pool2d(F.local_response_norm(x, size: 4, alpha: 2e-4), 2);
        x = F.dropout(F.relu(fc1.call(x.flatten(1))), 0.5, training);
        return fc2.call(x);
    }
}

/// <summary>A segmentation head: per-pixel class probabilities over the channels with Softmax2d.</summary>
[Horseshoe(1e-3)]
[InputShape(2, 10, 10)]
public partial class SegmentationHeadNet : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = Conv2d(2, 12, 3, padding: 1);
    private readonly Conv2d conv2 = Conv2d(12, 12, 3, padding: 1);
    private readonly Conv2d classes = Conv2d(12, 4, 1);
    private readonly Softmax2d probabilities = Softmax2d();

    public SegmentationHeadNet() : base(nameof(SegmentationHeadNet)) => RegisterComponents();

    public override Tensor forward(Tensor x) => probabilities.call(classes.call(F.relu(conv2.call(F.relu(conv1.call(x))))));
}

/// <summary>ESPCN (PyTorch's super-resolution example), small: four convolutions, the last giving r² channels per output channel, then PixelShuffle(r).</summary>
[GroupNJ]
[InputShape(1, 8, 8)]
public partial class SuperResolutionNet : Module<Tensor, Tensor>
{
    private const int Upscale = 2;
    private readonly Conv2d conv1 = Conv2d(1, 16, 5, padding: 2);
    private readonly Conv2d conv2 = Conv2d(16, 16, 3, padding: 1);
    private readonly Conv2d conv3 = Conv2d(16, 8, 3, padding: 1);
    private readonly Conv2d conv4 = Conv2d(8, Upscale * Upscale, 3, padding: 1);
    private readonly PixelShuffle shuffle = PixelShuffle(Upscale);

    public SuperResolutionNet() : base(nameof(SuperResolutionNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = F.relu(conv1.call(x));
        x = F.relu(conv2.call(x));
        x = F.relu(conv3.call(x));
        return shuffle.call(conv4.call(x)) + 0.5 * F.pixel_shuffle(conv4.call(x), Upscale);
    }
}
