using BayesGen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

// Networks that split a tensor along its channels, as users port them: ShuffleNetV2's units (chunk, then a channel
// shuffle), SqueezeNet's Fire modules, gated convolutions (chunk or split into a value and a gate), a narrow, and
// Inception-style branches joined with LINQ over a ModuleList; and gates, activations and pools around them: GLU,
// SELU, CELU, concat pooling with adaptive max pooling.
namespace BayesGen.Tests.Generated.Classic;

/// <summary>
/// ShuffleNetV2's unit as torchvision has it: with stride 1 the input's channels are split in two halves, one kept as
/// it is and one transformed; with stride 2 both branches read the whole input; the halves are concatenated and the
/// channels shuffled (<c>channel_shuffle</c>, or the <c>ChannelShuffle</c> module).
/// </summary>
public sealed class ShuffleUnit : Module<Tensor, Tensor>
{
    private readonly int stride;
    private readonly Module<Tensor, Tensor>? branch1;
    private readonly Module<Tensor, Tensor> branch2;
    private readonly Module<Tensor, Tensor>? shuffle;

    public ShuffleUnit(long inputs, long outputs, int stride, bool shuffleModule = false) : base(nameof(ShuffleUnit))
    {
        this.stride = stride;
        long half = outputs / 2;
        if (stride > 1)
            branch1 = Sequential(
                Conv2d(inputs, inputs, 3, stride: stride, padding: 1, groups: inputs, bias: false), BatchNorm2d(inputs),
                Conv2d(inputs, half, 1, bias: false), BatchNorm2d(half), ReLU(inplace: true));
        branch2 = Sequential(
            Conv2d(stride > 1 ? inputs : half, half, 1, bias: false), BatchNorm2d(half), ReLU(inplace: true),
            Conv2d(half, half, 3, stride: stride, padding: 1, groups: half, bias: false), BatchNorm2d(half),
            Conv2d(half, half, 1, bias: false), BatchNorm2d(half), ReLU(inplace: true));
        if (shuffleModule) shuffle = ChannelShuffle(2);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        Tensor joined;
        if (stride == 1)
        {
            var halves = x.chunk(2, dim: 1);
            joined = torch.cat(new[] { halves[0], branch2.forward(halves[1]) }, 1);
        }
        else
        {
            joined = torch.cat(new[] { branch1!.forward(x), branch2.forward(x) }, 1);
        }
        return shuffle is null ? joined.channel_shuffle(2) : shuffle.forward(joined);
    }
}

/// <summary>A small ShuffleNetV2: a stem, then stages of shuffle units, a global average pool and a classifier.</summary>
[GroupNJ]
[InputShape(1, 12, 12)]
public partial class ShuffleNetV2Style : Module<Tensor, Tensor>
{
    private readonly Sequential stem = Sequential(Conv2d(1, 8, 3, padding: 1, bias: false), BatchNorm2d(8), ReLU(inplace: true));
    private readonly Sequential stages;
    private readonly Linear fc = Linear(32, 10);

    public ShuffleNetV2Style() : base(nameof(ShuffleNetV2Style))
    {
        var units = new List<Module<Tensor, Tensor>>();
        long channels = 8;
        foreach (var (outputs, repeats) in new[] { (16L, 2), (32L, 2) })
        {
            units.Add(new ShuffleUnit(channels, outputs, 2));
            for (int i = 1; i < repeats; i++) units.Add(new ShuffleUnit(outputs, outputs, 1, shuffleModule: i % 2 == 1));
            channels = outputs;
        }
        stages = Sequential(units);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = stages.forward(stem.forward(x));
        return fc.forward(x.mean(new long[] { 2, 3 }));
    }
}

/// <summary>SqueezeNet's Fire module: a 1×1 squeeze, then 1×1 and 3×3 expansions concatenated.</summary>
public sealed class Fire : Module<Tensor, Tensor>
{
    private readonly Conv2d squeeze, expand1x1, expand3x3;

    public Fire(long inputs, long squeezed, long expand1, long expand3) : base(nameof(Fire))
    {
        squeeze = Conv2d(inputs, squeezed, 1);
        expand1x1 = Conv2d(squeezed, expand1, 1);
        expand3x3 = Conv2d(squeezed, expand3, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = F.relu(squeeze.forward(x));
        return torch.cat(new[] { F.relu(expand1x1.forward(x)), F.relu(expand3x3.forward(x)) }, 1);
    }
}

/// <summary>A small SqueezeNet: Fire modules between pools, and a 1×1 convolution as the classifier, pooled.</summary>
[GroupNJ]
[InputShape(1, 16, 16)]
public partial class SqueezeNetStyle : Module<Tensor, Tensor>
{
    private readonly Sequential features;
    private readonly Sequential classifier;

    public SqueezeNetStyle(int classes = 10) : base(nameof(SqueezeNetStyle))
    {
        features = Sequential(
            Conv2d(1, 16, 3, stride: 2), ReLU(inplace: true), MaxPool2d(3, stride: 2, ceil_mode: true),
            new Fire(16, 4, 8, 8), new Fire(16, 4, 8, 8), new Fire(16, 8, 16, 16));
        classifier = Sequential(Dropout(0.5), Conv2d(32, classes, 1), ReLU(inplace: true), AdaptiveAvgPool2d(new long[] { 1, 1 }));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => torch.flatten(classifier.forward(features.forward(x)), 1);
}

/// <summary>
/// Gated convolutions: a convolution writes a value and a gate in one tensor, split by <c>chunk</c> (or by
/// <c>split</c> with sizes); the gate's sigmoid scales the value. A <c>narrow</c> keeps the first channels of a map.
/// </summary>
[GroupNJ]
[InputShape(2, 12, 12)]
public partial class GatedConvNet : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = Conv2d(2, 16, 3, padding: 1);
    private readonly Conv2d conv2 = Conv2d(8, 20, 3, padding: 1);
    private readonly Conv2d conv3 = Conv2d(10, 12, 3, padding: 1);
    private readonly Linear fc = Linear(8, 5);

    public GatedConvNet() : base(nameof(GatedConvNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        var parts = conv1.forward(x).chunk(2, 1);
        x = parts[0] * torch.sigmoid(parts[1]);
        var pieces = torch.split(conv2.forward(x), new long[] { 10, 10 }, 1);
        x = F.max_pool2d(pieces[0] * pieces[1].sigmoid(), 2);
        x = F.relu(conv3.forward(x)).narrow(1, 0, 8);
        return fc.forward(x.mean(new long[] { 2, 3 }));
    }
}

/// <summary>Inception-style branches of different kernel sizes in a ModuleList, run and concatenated with LINQ.</summary>
[GroupNJ]
[InputShape(1, 12, 12)]
public partial class LinqBranchNet : Module<Tensor, Tensor>
{
    private readonly ModuleList<Module<Tensor, Tensor>> branches = new();
    private readonly Linear head = Linear(24, 10);

    public LinqBranchNet() : base(nameof(LinqBranchNet))
    {
        foreach (var k in new[] { 1, 3, 5 })
            branches.append(Sequential(Conv2d(1, 8, k, padding: k / 2), ReLU()));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var y = torch.cat(branches.Select(b => b.forward(x)).ToArray(), 1);
        y = F.adaptive_avg_pool2d(y, new long[] { 1, 1 });
        return head.forward(y.view(y.size(0), -1));
    }
}

/// <summary>
/// A self-normalising MLP (SELU with AlphaDropout) whose hidden layers are gated by GLU, as a module and as a function,
/// one of them after a CELU: each GLU halves the features into a value and a gate.
/// </summary>
[GroupNJ]
[InputShape(20)]
public partial class SelfNormalizingMlp : Module<Tensor, Tensor>
{
    private readonly Linear fc1 = Linear(20, 32), fc2 = Linear(32, 24), fc3 = Linear(12, 8), fc4 = Linear(4, 3);
    private readonly SELU selu = SELU();
    private readonly AlphaDropout drop = AlphaDropout(0.05);
    private readonly GLU glu = GLU();
    private readonly CELU celu = CELU(0.8);

    public SelfNormalizingMlp() : base(nameof(SelfNormalizingMlp)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = drop.forward(selu.forward(fc1.forward(x)));
        x = glu.forward(F.selu(fc2.forward(x)));
        x = F.glu(celu.forward(fc3.forward(x)), 1);
        return fc4.forward(x);
    }
}

/// <summary>
/// Concat pooling (as fastai's heads do): the global average and the global max of the last map side by side, the max
/// both as a module and as <c>amax</c> over the map.
/// </summary>
[GroupNJ]
[InputShape(1, 12, 12)]
public partial class ConcatPoolNet : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = Conv2d(1, 8, 3, padding: 1);
    private readonly Conv2d conv2 = Conv2d(8, 12, 3, stride: 2, padding: 1);
    private readonly AdaptiveMaxPool2d globalMax = AdaptiveMaxPool2d(new long[] { 1, 1 });
    private readonly Linear fc = Linear(36, 10);

    public ConcatPoolNet() : base(nameof(ConcatPoolNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = F.adaptive_max_pool2d(F.relu(conv1.forward(x)), new long[] { 6, 6 });
        x = F.relu(conv2.forward(x));
        var pooled = torch.cat(new[] { F.adaptive_avg_pool2d(x, new long[] { 1, 1 }), globalMax.forward(x), x.amax(new long[] { 2, 3 }, keepdim: true) }, 1);
        return fc.forward(pooled.flatten(1));
    }
}

/// <summary>A 1-D convolutional net over a signal with global max pooling over time, as a function and as a module.</summary>
[GroupNJ]
[InputShape(2, 32)]
public partial class SignalMaxPoolNet : Module<Tensor, Tensor>
{
    private readonly Conv1d conv1 = Conv1d(2, 6, 3), conv2 = Conv1d(6, 8, 3);
    private readonly AdaptiveMaxPool1d pool = AdaptiveMaxPool1d(5);
    private readonly Linear fc = Linear(8, 3);

    public SignalMaxPoolNet() : base(nameof(SignalMaxPoolNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = pool.forward(F.celu(conv1.forward(x), 1.2));
        x = F.adaptive_max_pool1d(F.relu(conv2.forward(x)), 1);
        return fc.forward(x.squeeze(2));
    }
}

/// <summary>
/// Slicing with C# ranges as users port <c>x[:, :c]</c> from Python: a value and a gate taken by channel ranges
/// (<c>h[.., ..8]</c>, <c>TensorIndex.Slice(8, 16)</c>), and a spatial crop of a border (<c>x[.., .., 1..^1, 1..^1]</c>).
/// </summary>
[GroupNJ]
[InputShape(1, 12, 12)]
public partial class RangeSliceNet : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = Conv2d(1, 16, 3, padding: 1);
    private readonly Conv2d conv2 = Conv2d(8, 6, 3, padding: 1);
    private readonly Linear fc = Linear(6 * 10 * 10, 5);

    public RangeSliceNet() : base(nameof(RangeSliceNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        var h = conv1.forward(x);
        var gated = h[.., ..8] * torch.sigmoid(h[TensorIndex.Colon, TensorIndex.Slice(8, 16)]);
        var cropped = F.relu(conv2.forward(gated))[TensorIndex.Ellipsis, 1..^1, 1..^1];
        return fc.forward(cropped.flatten(1));
    }
}

/// <summary>
/// ShuffleNet (v1)'s unit as ports of the original write it: a 1×1 convolution (grouped, except in the first unit, whose
/// few input channels the paper leaves whole), the channel shuffle written by hand as torchvision's helper writes it
/// (view into [N, g, C / g, H, W], <c>torch.transpose(x, 1, 2).contiguous()</c>, view back with -1), a depthwise 3×3
/// and a grouped 1×1; added to the input, or with stride 2 concatenated with its 3×3 average.
/// </summary>
public sealed class ShuffleV1Unit : Module<Tensor, Tensor>
{
    private readonly long groups;
    private readonly int stride;
    private readonly Sequential squeeze, depthwise, expand;

    public ShuffleV1Unit(long inputs, long outputs, long groups, int stride, bool groupFirst) : base(nameof(ShuffleV1Unit))
    {
        this.groups = groups;
        this.stride = stride;
        long mid = outputs / 4 / groups * groups;
        long branch = stride > 1 ? outputs - inputs : outputs;
        squeeze = Sequential(Conv2d(inputs, mid, 1, groups: groupFirst ? groups : 1, bias: false), BatchNorm2d(mid), ReLU());
        depthwise = Sequential(Conv2d(mid, mid, 3, stride: stride, padding: 1, groups: mid, bias: false), BatchNorm2d(mid));
        expand = Sequential(Conv2d(mid, branch, 1, groups: groups, bias: false), BatchNorm2d(branch));
        RegisterComponents();
    }

    private static Tensor ChannelShuffle(Tensor x, long groups)
    {
        long batch = x.shape[0], channels = x.shape[1], height = x.shape[2], width = x.shape[3];
        x = x.view(batch, groups, channels / groups, height, width);
        x = torch.transpose(x, 1, 2).contiguous();
        return x.view(batch, -1, height, width);
    }

    public override Tensor forward(Tensor x)
    {
        var y = expand.forward(depthwise.forward(ChannelShuffle(squeeze.forward(x), groups)));
        return stride == 1 ? F.relu(x + y) : F.relu(torch.cat(new[] { F.avg_pool2d(x, 3, stride: 2, padding: 1), y }, 1));
    }
}

/// <summary>A small ShuffleNet (v1), 3 groups: a stem, a downsampling unit and a unit at stride 1, a global average, a classifier.</summary>
[GroupNJ]
[InputShape(1, 12, 12)]
public partial class ShuffleNetV1Style : Module<Tensor, Tensor>
{
    private readonly Sequential stem = Sequential(Conv2d(1, 12, 3, padding: 1, bias: false), BatchNorm2d(12), ReLU());
    private readonly Sequential stage = Sequential(new ShuffleV1Unit(12, 48, 3, 2, groupFirst: false), new ShuffleV1Unit(48, 48, 3, 1, groupFirst: true));
    private readonly Linear fc = Linear(48, 10);

    public ShuffleNetV1Style() : base(nameof(ShuffleNetV1Style)) => RegisterComponents();

    public override Tensor forward(Tensor x) => fc.forward(stage.forward(stem.forward(x)).mean(new long[] { 2, 3 }));
}

/// <summary>
/// Inception-ResNet's block: branches of different kernel sizes concatenated, added to the block's input and activated;
/// the second block's concatenation is itself the residual branch (no 1×1 mixing convolution after it).
/// </summary>
[GroupNJ]
[InputShape(1, 12, 12)]
public partial class InceptionResidualNet : Module<Tensor, Tensor>
{
    private readonly Conv2d stem = Conv2d(1, 12, 3, padding: 1);
    private readonly Conv2d a1 = Conv2d(12, 6, 1), a3 = Conv2d(12, 6, 3, padding: 1), mix = Conv2d(12, 12, 1);
    private readonly Conv2d b1 = Conv2d(12, 5, 1), b3 = Conv2d(12, 7, 3, padding: 1);
    private readonly Linear fc = Linear(12, 10);

    public InceptionResidualNet() : base(nameof(InceptionResidualNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = F.relu(stem.forward(x));
        var branches = torch.cat(new[] { F.relu(a1.forward(x)), F.relu(a3.forward(x)) }, 1);
        x = F.relu(x + mix.forward(branches));
        x = F.relu(x + torch.cat(new[] { b1.forward(x), b3.forward(x) }, 1));
        return fc.forward(x.mean(new long[] { 2, 3 }));
    }
}
