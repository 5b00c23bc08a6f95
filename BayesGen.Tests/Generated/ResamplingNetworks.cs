using BayesGen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

// Networks that pad and resize: a U-Net whose decoder upsamples and concatenates the encoder's skip, a style-transfer
// network of reflection, zero, replication and constant padding with a nearest-neighbour interpolate, and a 1-D signal
// network that pads with modules and with F.pad and resizes linearly to a size, with and without aligned corners.
namespace BayesGen.Tests.Generated.Resampling;

/// <summary>A small U-Net: two encoder stages, a bilinear Upsample, the skip concatenated, a reflection-padded convolution and a 1×1 segmentation head.</summary>
[GroupNJ]
[InputShape(1, 16, 16)]
public partial class UNetStyleNet : Module<Tensor, Tensor>
{
    private readonly Sequential down1 = Sequential(Conv2d(1, 8, 3, padding: 1), BatchNorm2d(8), ReLU());
    private readonly MaxPool2d pool = MaxPool2d(2);
    private readonly Sequential down2 = Sequential(Conv2d(8, 16, 3, padding: 1), ReLU());
    private readonly Upsample up = Upsample(scale_factor: new[] { 2.0, 2.0 }, mode: UpsampleMode.Bilinear, align_corners: false);
    private readonly ReflectionPad2d pad = ReflectionPad2d(1);
    private readonly Conv2d fuse = Conv2d(16 + 8, 8, 3);
    private readonly Conv2d head = Conv2d(8, 2, 1);

    public UNetStyleNet() : base(nameof(UNetStyleNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        var skip = down1.call(x);
        var deep = down2.call(pool.call(skip));
        var merged = torch.cat(new[] { up.call(deep), skip }, dim: 1);
        return head.call(F.relu(fuse.call(pad.call(merged))));
    }
}

/// <summary>A style-transfer network: reflection, asymmetric zero, replication and constant padding, and a nearest interpolate by 2.</summary>
[Horseshoe(1e-3)]
[InputShape(3, 16, 16)]
public partial class StyleTransferNet : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> stem = Sequential(ReflectionPad2d(2), Conv2d(3, 8, 5), ReLU());
    private readonly ZeroPad2d padRightBottom = ZeroPad2d((0, 1, 0, 1));
    private readonly Conv2d down = Conv2d(8, 16, 2, stride: 2);
    private readonly ReplicationPad2d edge = ReplicationPad2d(1);
    private readonly Conv2d refine = Conv2d(16, 8, 3);
    private readonly ConstantPad2d grey = ConstantPad2d(1, 0.5);
    private readonly Conv2d output = Conv2d(8, 3, 3);

    public StyleTransferNet() : base(nameof(StyleTransferNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = stem.call(x);
        x = F.relu(down.call(padRightBottom.call(x)));
        x = F.interpolate(x, scale_factor: new[] { 2.0, 2.0 }, mode: InterpolationMode.Nearest);
        x = F.relu(refine.call(edge.call(x)));
        return torch.tanh(output.call(grey.call(x)));
    }
}

/// <summary>1-D: ConstantPad1d, local response normalisation, an asymmetric ReplicationPad1d, F.pad with reflection, a linear Upsample to a size with aligned corners and a linear interpolate.</summary>
[GroupNJ]
[InputShape(2, 32)]
public partial class SignalResamplingNet : Module<Tensor, Tensor>
{
    private readonly ConstantPad1d pad1 = ConstantPad1d(2, 0.0);
    private readonly Conv1d conv1 = Conv1d(2, 8, 5);
    private readonly ReplicationPad1d pad2 = ReplicationPad1d((1, 2));
    private readonly Conv1d conv2 = Conv1d(8, 8, 4);
    private readonly Conv1d conv3 = Conv1d(8, 12, 3, stride: 2);
    private readonly Upsample stretch = Upsample(size: new long[] { 24 }, mode: UpsampleMode.Linear, align_corners: true);
    private readonly Linear fc = Linear(12, 4);

    public SignalResamplingNet() : base(nameof(SignalResamplingNet)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = F.local_response_norm(F.relu(conv1.call(pad1.call(x))), 3);
        x = F.relu(conv2.call(pad2.call(x)));
        x = F.relu(conv3.call(F.pad(x, (1, 1), PaddingModes.Reflect)));
        x = F.interpolate(stretch.call(x), size: new long[] { 32 }, mode: InterpolationMode.Linear);
        return fc.call(F.adaptive_avg_pool1d(x, 1).flatten(1));
    }
}
