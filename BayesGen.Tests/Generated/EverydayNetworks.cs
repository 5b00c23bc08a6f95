using BayesGen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

// Everyday ways of writing a network that the other files do not use: layers made with named arguments (in any
// order), TorchSharp's examples' constructor taking a name, a class count and a device, an autoencoder of two
// Sequentials, Sequentials from a static factory, a residual written `x += skip`, C# collection expressions, a local
// function in forward that takes a layer, clamp, dilated and rectangular kernels, BatchNorm without affine parameters,
// Padding.Valid and pooling modules made with named arguments, conversions of type and device in forward.
namespace BayesGen.Tests.Generated.Everyday;

/// <summary>Every layer made with named arguments, one Linear with them in reverse order; torch.flatten(x, start_dim: 1), F.dropout with the training flag.</summary>
[GroupNJ]
[InputShape(1, 28, 28)]
public partial class NamedArgumentsNet : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = Conv2d(in_channels: 1, out_channels: 12, kernel_size: 3, padding: 1, bias: false);
    private readonly BatchNorm2d bn1 = BatchNorm2d(12);
    private readonly Conv2d conv2 = Conv2d(in_channels: 12, out_channels: 24, kernel_size: 3, stride: 2);
    private readonly MaxPool2d pool = MaxPool2d(kernel_size: 2);
    private readonly Linear fc1 = Linear(inputSize: 24 * 6 * 6, outputSize: 32);
    private readonly Linear fc2 = Linear(outputSize: 10, inputSize: 32);

    public NamedArgumentsNet() : base(nameof(NamedArgumentsNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = F.relu(bn1.call(conv1.call(x)));
        x = pool.call(F.relu(conv2.call(x)));
        x = torch.flatten(x, start_dim: 1);
        x = F.dropout(x, 0.25, training);
        x = F.relu(fc1.call(x));
        return F.log_softmax(fc2.call(x), dim: 1);
    }
}

/// <summary>TorchSharp's examples' constructor: a name, the class count (a size known only at run time) and a device it moves to.</summary>
[Horseshoe(1e-3)]
[InputShape(1, 28, 28)]
public partial class DeviceAwareNet : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> fc1;
    private readonly Module<Tensor, Tensor> fc2;
    private readonly Module<Tensor, Tensor> fc3;

    public DeviceAwareNet(string name, int numClasses, Device? device = null) : base(name)
    {
        fc1 = Linear(28 * 28, 64);
        fc2 = Linear(64, 32);
        fc3 = Linear(32, numClasses);
        RegisterComponents();
        if (device != null && device.type != DeviceType.CPU) this.to(device);
    }

    public override Tensor forward(Tensor input)
    {
        using var flat = input.reshape(-1, 28 * 28);
        using var h1 = fc1.call(flat).relu();
        using var h2 = fc2.call(h1).relu();
        return fc3.call(h2);
    }
}

/// <summary>An autoencoder: encoder and decoder Sequentials; the bottleneck is pruned, the reconstruction keeps its size.</summary>
[GroupNJ]
[InputShape(64)]
public partial class AutoEncoderMlp : Module<Tensor, Tensor>
{
    private readonly Sequential encoder = Sequential(Linear(64, 32), ReLU(), Linear(32, 8));
    private readonly Sequential decoder = Sequential(Linear(8, 32), ReLU(), Linear(32, 64), Sigmoid());

    public AutoEncoderMlp() : base(nameof(AutoEncoderMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x) => decoder.call(encoder.call(x));
}

/// <summary>Conv-BN-ReLU-pool blocks from a static factory method, held in Sequential fields.</summary>
[GroupNJ]
[InputShape(1, 16, 16)]
public partial class ConvBlockFactoryNet : Module<Tensor, Tensor>
{
    private readonly Sequential block1 = ConvBlock(1, 8);
    private readonly Sequential block2 = ConvBlock(8, 16);
    private readonly Sequential head = Sequential(Flatten(), Linear(16 * 4 * 4, 10));

    private static Sequential ConvBlock(long cin, long cout)
        => Sequential(Conv2d(cin, cout, 3, padding: 1, bias: false), BatchNorm2d(cout), ReLU(inplace: true), MaxPool2d(2));

    public ConvBlockFactoryNet() : base(nameof(ConvBlockFactoryNet)) => RegisterComponents();

    public override Tensor forward(Tensor x) => head.call(block2.call(block1.call(x)));
}

/// <summary>An in-place ReLU, a residual written x += skip, collection expressions (mean([2, 3]), view([-1, 16])), dropout behind a ternary on training.</summary>
[GroupNJ]
[InputShape(3, 12, 12)]
public partial class CollectionExpressionNet : Module<Tensor, Tensor>
{
    private readonly Conv2d conv = Conv2d(3, 16, 3, padding: 1);
    private readonly Conv2d conv2 = Conv2d(16, 16, 3, padding: 1);
    private readonly Dropout drop = Dropout(0.2);
    private readonly Linear fc = Linear(16, 5);

    public CollectionExpressionNet() : base(nameof(CollectionExpressionNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = conv.call(x).relu_();
        var skip = x;
        x = conv2.call(x);
        x += skip;
        x = x.relu();
        x = x.mean([2, 3]);
        x = training ? drop.call(x) : x;
        return fc.call(x.view([-1, 16]));
    }
}

/// <summary>A local function in forward taking a layer, clamp and clamp_min, a dilated and a rectangular-kernel convolution, BatchNorm without affine parameters.</summary>
[GroupNJ]
[InputShape(2, 16, 16)]
public partial class LocalFunctionNet : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = Conv2d(2, 8, 3, padding: 2, dilation: 2);
    private readonly Conv2d conv2 = Conv2d(8, 12, (3, 1), stride: (2, 1), padding: (1, 0));
    private readonly BatchNorm2d bn = BatchNorm2d(12, affine: false);
    private readonly Linear fc = Linear(12, 4);

    public LocalFunctionNet() : base(nameof(LocalFunctionNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        Tensor Stage(Conv2d conv, Tensor t) => F.max_pool2d(conv.call(t).clamp(0, 6), 2, 2);
        x = Stage(conv1, x);
        x = bn.call(conv2.call(x));
        x = F.avg_pool2d(x, 2).clamp_min(-1.5);
        x = F.adaptive_avg_pool2d(x, 1).flatten(1);
        return fc.call(x * torch.sigmoid(x));
    }
}

/// <summary>Padding.Valid, pooling modules made with named arguments and a tuple size, an initialiser in the constructor, a size read in forward.</summary>
[GroupNJ]
[InputShape(1, 28, 28)]
public partial class ShapeCheckNet : Module<Tensor, Tensor>
{
    private readonly Conv2d conv = Conv2d(1, 8, 3, padding: Padding.Valid);
    private readonly AvgPool2d pool = AvgPool2d(kernel_size: 2, stride: 2);
    private readonly AdaptiveAvgPool2d gap = AdaptiveAvgPool2d((1, 1));
    private readonly Linear fc = Linear(8, 10);

    public ShapeCheckNet() : base(nameof(ShapeCheckNet))
    {
        RegisterComponents();
        init.kaiming_normal_(conv.weight);
    }

    public override Tensor forward(Tensor x)
    {
        var channels = (int)x.shape[1];   // a size read, not a decision: no diagnostic
        x = pool.call(F.relu(conv.call(x)));
        x = gap.call(x).view(x.size(0), -1);
        return fc.call(x);
    }
}

/// <summary>Conversions in forward as users write them for byte images: to_type, to(ScalarType), @float(), then a scale.</summary>
[GroupNJ]
[InputShape(1, 28, 28)]
public partial class ConvertingNet : Module<Tensor, Tensor>
{
    private readonly Conv2d conv = Conv2d(1, 6, 5, stride: 2);
    private readonly Linear fc = Linear(6 * 12 * 12, 10);

    public ConvertingNet() : base(nameof(ConvertingNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = x.to_type(ScalarType.Float32).to(float32).@float() / 255;
        return fc.call(F.relu(conv.call(x)).flatten(1).cpu());
    }
}

/// <summary>A torchvision-style basic block whose shortcut is called with ?. and ?? and tested with is not null; BatchNorm with its own eps and momentum.</summary>
public sealed class Basic : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> conv1, conv2;
    private readonly Module<Tensor, Tensor> bn1, bn2;
    private readonly Module<Tensor, Tensor>? downsample;

    public Basic(long cin, long cout, long stride) : base(nameof(Basic))
    {
        conv1 = Conv2d(cin, cout, 3, stride: stride, padding: 1, bias: false);
        bn1 = BatchNorm2d(cout, eps: 1e-3, momentum: 0.01);
        conv2 = Conv2d(cout, cout, 3, padding: 1, bias: false);
        bn2 = BatchNorm2d(cout);
        if (stride != 1 || cin != cout) downsample = Sequential(Conv2d(cin, cout, 1, stride: stride, bias: false), BatchNorm2d(cout));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var identity = downsample?.call(x) ?? x;
        var y = F.relu(bn1.call(conv1.call(x)));
        y = bn2.call(conv2.call(y));
        y = y + (downsample is not null ? identity : x);
        return F.relu(y);
    }
}

/// <summary>Stages in a ModuleList of a block type, iterated with foreach.</summary>
[Horseshoe(1e-3)]
[InputShape(3, 16, 16)]
public partial class NullConditionalResNet : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> stem = Sequential(Conv2d(3, 8, 3, padding: 1, bias: false), BatchNorm2d(8), ReLU());
    private readonly ModuleList<Basic> stages = new();
    private readonly Linear fc = Linear(16, 5);

    public NullConditionalResNet() : base(nameof(NullConditionalResNet))
    {
        stages.Add(new Basic(8, 8, 1));
        stages.Add(new Basic(8, 16, 2));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = stem.call(x);
        foreach (var stage in stages) x = stage.call(x);
        return fc.call(F.adaptive_avg_pool2d(x, 1).flatten(1));
    }
}

/// <summary>An encoder that is itself an annotated network, reused as the body of a classifier (a pretrained encoder's usual shape).</summary>
[GroupNJ]
[InputShape(16)]
public partial class EncoderNet : Module<Tensor, Tensor>
{
    private readonly Linear fc1 = Linear(16, 12);
    private readonly Linear fc2 = Linear(12, 8);

    public EncoderNet() : base(nameof(EncoderNet)) => RegisterComponents();

    public override Tensor forward(Tensor x) => F.relu(fc2.call(F.relu(fc1.call(x))));
}

/// <summary>A classifier holding an annotated network as its encoder: the encoder's layers are Bayesian too, under its member's name.</summary>
[GroupNJ]
[InputShape(16)]
public partial class EncoderClassifier : Module<Tensor, Tensor>
{
    private readonly EncoderNet encoder = new();
    private readonly Linear head = Linear(8, 3);

    public EncoderClassifier() : base(nameof(EncoderClassifier)) => RegisterComponents();

    public override Tensor forward(Tensor x) => head.call(encoder.call(x));
}

/// <summary>Features from a List of modules made in a loop and passed to Sequential as an array; forward in its own dispose scope.</summary>
[GroupNJ]
[InputShape(1, 12, 12)]
public partial class ListBuiltNet : Module<Tensor, Tensor>
{
    private readonly Sequential features;
    private readonly Module<Tensor, Tensor> classifier;

    public ListBuiltNet(int width = 8) : base(nameof(ListBuiltNet))
    {
        var layers = new List<Module<Tensor, Tensor>>();
        int cin = 1;
        foreach (var cout in new[] { width, width * 2 })
        {
            layers.Add(Conv2d(cin, cout, 3, padding: 1));
            layers.Add(ReLU(inplace: true));
            layers.Add(MaxPool2d(2));
            cin = cout;
        }
        features = Sequential(layers.ToArray());
        classifier = Sequential(Flatten(), Dropout(p: 0.5), Linear(width * 2 * 3 * 3, 10));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return classifier.call(features.call(x)).MoveToOuterDisposeScope();
    }
}
