using BayesGen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

// More of the ways users write networks: disposing intermediates, residual MLP blocks in a ModuleList, a Sequential
// from a list of tuples, squeeze-and-excitation gating, a helper method called from forward, sizes as tuples,
// Linear layers over tokens, towers joined along dim -1, a global average pool by the map's own size, a helper in a
// base class, children() iterated with a cast, a switch on a setting, a residual wrapper given its inner module, a
// block with a helper method.
namespace BayesGen.Tests.Generated.Classic;

/// <summary>TorchSharp's MNIST example as many write it: using-declared intermediates and a view by x.size(0).</summary>
[GroupNJ]
[InputShape(1, 28, 28)]
public partial class DisposingNet : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> conv1 = Conv2d(1, 8, 3, padding: Padding.Same);
    private readonly Module<Tensor, Tensor> conv2 = Conv2d(8, 16, 3, stride: 2);
    private readonly Module<Tensor, Tensor> fc1 = Linear(16 * 13 * 13, 24);
    private readonly Module<Tensor, Tensor> fc2 = Linear(24, 10);

    public DisposingNet() : base(nameof(DisposingNet)) => RegisterComponents();

    public override Tensor forward(Tensor input)
    {
        using var l1 = F.relu(conv1.forward(input));
        using var l2 = F.relu(conv2.forward(l1));
        using var flat = l2.view(l2.size(0), -1);
        using var l3 = F.relu(fc1.forward(flat));
        return fc2.forward(l3).MoveToOuterDisposeScope();
    }
}

/// <summary>A residual MLP: blocks kept in a ModuleList, x = x + block(x) in a loop, one block class shared by name.</summary>
[Horseshoe(1e-2)]
[InputShape(20)]
public partial class ResidualBlocksMlp : Module<Tensor, Tensor>
{
    private readonly Linear input = Linear(20, 32);
    private readonly ModuleList<Module<Tensor, Tensor>> blocks = new();
    private readonly Linear output = Linear(32, 3);

    public ResidualBlocksMlp(int depth = 3) : base(nameof(ResidualBlocksMlp))
    {
        for (int i = 0; i < depth; i++) blocks.Add(new MlpBlock(32, 48));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = F.relu(input.forward(x));
        for (int i = 0; i < blocks.Count; i++)
            x = x + blocks[i].forward(x);
        return output.forward(x);
    }
}

/// <summary>A pre-activation MLP block, declared outside any network (as a reusable class).</summary>
public sealed class MlpBlock : Module<Tensor, Tensor>
{
    private readonly Linear up, down;
    private readonly Dropout drop = Dropout(0.1);

    public MlpBlock(int width, int hidden) : base(nameof(MlpBlock))
    {
        up = Linear(width, hidden);
        down = Linear(hidden, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => down.forward(drop.forward(F.gelu(up.forward(x))));
}

/// <summary>A 1-D convolutional classifier built from a list of (name, module) tuples, Sequential(list.ToArray()).</summary>
[GroupNJ]
[InputShape(2, 64)]
public partial class TupleListNet : Module<Tensor, Tensor>
{
    private readonly Sequential body;

    public TupleListNet(int[] channels) : base(nameof(TupleListNet))
    {
        var list = new List<(string, Module<Tensor, Tensor>)>();
        long previous = 2;
        for (int i = 0; i < channels.Length; i++)
        {
            list.Add(($"conv{i}", Conv1d(previous, channels[i], 5, padding: 2)));
            list.Add(($"bn{i}", BatchNorm1d(channels[i])));
            list.Add(($"act{i}", LeakyReLU(0.1, inplace: true)));
            list.Add(($"pool{i}", MaxPool1d(2)));
            previous = channels[i];
        }
        list.Add(("gap", AdaptiveAvgPool1d(1)));
        list.Add(("flat", Flatten()));
        list.Add(("head", Linear(previous, 4)));
        body = Sequential(list.ToArray());
        RegisterComponents();
    }

    public TupleListNet() : this(new[] { 8, 12, 16 }) { }

    public override Tensor forward(Tensor x) => body.forward(x);
}

/// <summary>Squeeze-and-excitation: channel weights from a global average through two Linears, multiplied back onto the features.</summary>
[GroupNJ]
[InputShape(3, 16, 16)]
public partial class SqueezeExciteNet : Module<Tensor, Tensor>
{
    private readonly Conv2d conv = Conv2d(3, 16, 3, padding: 1);
    private readonly Linear squeeze = Linear(16, 4);
    private readonly Linear excite = Linear(4, 16);
    private readonly Linear head = Linear(16, 10);
    public SqueezeExciteNet() : base(nameof(SqueezeExciteNet)) => RegisterComponents();
    public override Tensor forward(Tensor x)
    {
        x = F.relu(conv.forward(x));
        var s = x.mean(new long[] { 2, 3 });
        s = torch.sigmoid(excite.forward(F.relu(squeeze.forward(s))));
        x = x * s.view(-1, 16, 1, 1);
        return head.forward(x.mean(new long[] { 2, 3 }));
    }
}

/// <summary>A helper method of the network called from forward (a layer-typed parameter), and a dispose scope around the pass.</summary>
[GroupNJ]
[InputShape(1, 12, 12)]
public partial class ScopedHelperNet : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = Conv2d(1, 6, 3, padding: 1);
    private readonly Conv2d conv2 = Conv2d(6, 8, 3, padding: 1);
    private readonly Linear fc = Linear(8 * 3 * 3, 4);
    public ScopedHelperNet() : base(nameof(ScopedHelperNet)) => RegisterComponents();

    private static Tensor Stage(Conv2d conv, Tensor x) => F.max_pool2d(F.relu(conv.forward(x)), 2);

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = Stage(conv1, input);
        x = Stage(conv2, x);
        return fc.forward(x.flatten(1)).MoveToOuterDisposeScope();
    }
}

/// <summary>Sizes as tuples, a BatchNorm without affine parameters, ceil-mode and padded average pools, tensor-method ReLUs.</summary>
[GroupNJ]
[InputShape(3, 15, 15)]
public partial class TupleArgsNet : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = Conv2d(3, 8, kernel_size: (3, 3), stride: (1, 1), padding: (1, 1));
    private readonly BatchNorm2d bn1 = BatchNorm2d(8, affine: false);
    private readonly MaxPool2d pool = MaxPool2d(kernel_size: 2, ceil_mode: true);
    private readonly Conv2d conv2 = Conv2d(8, 12, kernel_size: (3, 1), padding: (1, 0));
    private readonly AvgPool2d avg = AvgPool2d(kernel_size: 3, stride: 2, padding: 1, count_include_pad: false);
    private readonly Linear fc = Linear(12 * 4 * 4, 5);
    public TupleArgsNet() : base(nameof(TupleArgsNet)) => RegisterComponents();
    public override Tensor forward(Tensor x)
    {
        x = pool.forward(bn1.forward(conv1.forward(x)).relu());
        x = avg.forward(conv2.forward(x).relu());
        return fc.forward(x.flatten(1));
    }
}

/// <summary>Linear layers over the last dimension of a [batch, tokens, features] input, a token-wise residual, a mean over tokens.</summary>
[GroupNJ]
[InputShape(7, 10)]
public partial class TokenMlp : Module<Tensor, Tensor>
{
    private readonly Linear embed = Linear(10, 16);
    private readonly Linear mix = Linear(16, 16);
    private readonly Linear head = Linear(16, 3);
    public TokenMlp() : base(nameof(TokenMlp)) => RegisterComponents();
    public override Tensor forward(Tensor x)
    {
        var h = F.gelu(embed.forward(x));          // [B, 7, 16]
        h = h + F.gelu(mix.forward(h));
        return head.forward(h.mean(new long[] { 1 }));
    }
}

/// <summary>Two towers concatenated along the last dimension (dim: -1), a clone before the head.</summary>
[GroupNJ]
[InputShape(6)]
public partial class TwoTowerMlp : Module<Tensor, Tensor>
{
    private readonly Linear left = Linear(6, 8);
    private readonly Linear right = Linear(6, 5);
    private readonly Linear head = Linear(13, 3);
    public TwoTowerMlp() : base(nameof(TwoTowerMlp)) => RegisterComponents();
    public override Tensor forward(Tensor x)
    {
        var joined = torch.cat(new[] { F.relu(left.forward(x)), torch.tanh(right.forward(x)) }, dim: -1);
        return head.forward(joined.clone());
    }
}

/// <summary>A global average pool by the feature map's own size, then two squeezes.</summary>
[GroupNJ]
[InputShape(2, 12, 12)]
public partial class GlobalPoolNet : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1 = Conv2d(2, 6, 3, padding: 1);
    private readonly Conv2d conv2 = Conv2d(6, 10, 3, padding: 1);
    private readonly Linear fc = Linear(10, 4);
    public GlobalPoolNet() : base(nameof(GlobalPoolNet)) => RegisterComponents();
    public override Tensor forward(Tensor x)
    {
        x = F.relu(conv1.forward(x));
        x = F.relu(conv2.forward(x));
        x = F.avg_pool2d(x, new long[] { x.shape[2], x.shape[3] });
        return fc.forward(x.squeeze(-1).squeeze(-1));
    }
}

/// <summary>A base class of the user's holding a layer and a helper that uses it.</summary>
public abstract class BaseNet : Module<Tensor, Tensor>
{
    protected readonly Linear fc1 = Linear(6, 8);
    protected BaseNet(string name) : base(name) { }
    protected Tensor Hidden(Tensor x) => F.relu(fc1.forward(x));
}

/// <summary>A network derived from it, calling the base class's helper from forward.</summary>
[GroupNJ]
[InputShape(6)]
public partial class DerivedNet : BaseNet
{
    private readonly Linear fc2 = Linear(8, 2);
    public DerivedNet() : base(nameof(DerivedNet)) => RegisterComponents();
    public override Tensor forward(Tensor x) => fc2.forward(Hidden(x));
}

/// <summary>A Sequential run child by child through children() with a cast, and an activation picked by a switch on a setting.</summary>
[GroupNJ]
[InputShape(6)]
public partial class SwitchNet : Module<Tensor, Tensor>
{
    private readonly Sequential body = Sequential(Linear(6, 8), ReLU(), Linear(8, 8));
    private readonly Linear head = Linear(8, 2);
    private readonly string mode;
    public SwitchNet(string mode = "gelu") : base(nameof(SwitchNet)) { this.mode = mode; RegisterComponents(); }
    public override Tensor forward(Tensor x)
    {
        foreach (var child in body.children())
            x = ((Module<Tensor, Tensor>)child).forward(x);
        x = mode switch { "relu" => F.relu(x), "tanh" => x.tanh(), _ => F.gelu(x) };
        return head.forward(x);
    }
}

/// <summary>A residual wrapper around whatever module it is given (composition, as in many model zoos).</summary>
public sealed class Residual : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> inner;
    public Residual(Module<Tensor, Tensor> inner) : base(nameof(Residual)) { this.inner = inner; RegisterComponents(); }
    public override Tensor forward(Tensor x) => x + inner.forward(x);
}

/// <summary>A Sequential of Linear layers, two residual wrappers around inner Sequentials, and an Identity.</summary>
[GroupNJ]
[InputShape(10)]
public partial class ComposedNet : Module<Tensor, Tensor>
{
    private readonly Sequential net;
    public ComposedNet() : base(nameof(ComposedNet))
    {
        net = Sequential(
            Linear(10, 16), ReLU(),
            new Residual(Sequential(Linear(16, 24), ReLU(), Linear(24, 16))),
            new Residual(Sequential(Linear(16, 24), Tanh(), Linear(24, 16))),
            Identity(),
            Linear(16, 3));
        RegisterComponents();
    }
    public override Tensor forward(Tensor x) => net.forward(x);
}

/// <summary>Blocks whose forward calls a helper method of the block that reads the block's layers and a value.</summary>
[GroupNJ]
[InputShape(8)]
public partial class BlockHelperNet : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> blocks = Sequential(new Block(8), new Block(8));
    private readonly Linear head = Linear(8, 2);
    public BlockHelperNet() : base(nameof(BlockHelperNet)) => RegisterComponents();
    public override Tensor forward(Tensor x) => head.forward(blocks.forward(x));

    private sealed class Block : Module<Tensor, Tensor>
    {
        private readonly Linear a, b;
        private readonly double scale = 0.5;
        public Block(int width) : base(nameof(Block)) { a = Linear(width, 12); b = Linear(12, width); RegisterComponents(); }
        private Tensor Branch(Tensor x) => b.forward(F.relu(a.forward(x))) * scale;
        public override Tensor forward(Tensor x) => x + Branch(x);
    }
}

/// <summary>
/// Residual blocks with stochastic depth as timm writes it: while training, each example's branch is dropped with a
/// random mask (<c>torch.rand</c>, <c>floor_</c>), which BayesGen does not record and need not: in evaluation, where the
/// graph is recorded, the helper returns its input.
/// </summary>
[GroupNJ]
[InputShape(1, 12, 12)]
public partial class StochasticDepthNet : Module<Tensor, Tensor>
{
    private readonly Conv2d stem = Conv2d(1, 8, 3, padding: 1);
    private readonly ModuleList<Module<Tensor, Tensor>> blocks = new();
    private readonly Linear head = Linear(8, 10);
    private readonly double dropPath = 0.2;

    public StochasticDepthNet() : base(nameof(StochasticDepthNet))
    {
        for (int i = 0; i < 2; i++)
            blocks.append(Sequential(Conv2d(8, 8, 3, padding: 1, bias: false), BatchNorm2d(8), ReLU()));
        RegisterComponents();
    }

    private Tensor DropPath(Tensor x)
    {
        if (!training || dropPath == 0) return x;
        var keep = 1 - dropPath;
        var mask = torch.rand(new long[] { x.shape[0], 1, 1, 1 }, dtype: x.dtype, device: x.device).add_(keep).floor_();
        return x.div(keep) * mask;
    }

    public override Tensor forward(Tensor x)
    {
        x = F.relu(stem.forward(x));
        foreach (var block in blocks) x = x + DropPath(block.forward(x));
        return head.forward(x.mean(new long[] { 2, 3 }));
    }
}
