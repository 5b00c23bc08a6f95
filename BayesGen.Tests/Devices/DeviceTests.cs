using BayesGen.Layers;
using BayesGen.Tests.Support;
using BayesGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Devices;

/// <summary>
/// Device cleanliness without a GPU: on PyTorch's "meta" device every operation checks that its operands share a device
/// (mixing meta and CPU tensors throws) while computing no values. A training step and the masked evaluation forward
/// run there end to end, so any tensor BayesGen creates on the CPU by default (noise, masks, KL constants) is caught.
/// The same code on CUDA is exercised by build/gpu-check.sh where a GPU exists.
/// </summary>
public sealed class DeviceTests
{
    private static readonly Device Meta = new("meta");

    /// <summary>Two Bayesian Linear layers and nothing else (LibTorch has no meta kernel for ReLU).</summary>
    private sealed class TwoLayers : BayesianNetwork
    {
        private readonly BayesianLinear fc1, fc2;

        public TwoLayers(PriorKind prior) : base(nameof(TwoLayers))
        {
            fc1 = Make(20, 16, prior);
            fc2 = Make(16, 4, prior);
            Initialize(prior);
        }

        private static BayesianLinear Make(int input, int output, PriorKind prior)
        {
            using var plain = nn.Linear(input, output);
            GroupScale scale = prior == PriorKind.GroupNJ ? new GroupNJScale(input) : new HorseshoeScale(input, 1e-5);
            return BayesianLinear.FromLinear(plain, scale, new LayerOptions { MaxVariance = 0.04 });
        }

        public override long[]? InputShape => [20];

        public override Tensor forward(Tensor x) => fc2.forward(fc1.forward(x));
    }

    [Theory]
    [InlineData(PriorKind.GroupNJ)]
    [InlineData(PriorKind.Horseshoe)]
    public void A_training_step_and_the_masked_evaluation_forward_stay_on_the_models_device(PriorKind prior)
    {
        using var model = new TwoLayers(prior);
        model.to(Meta);
        using var optimizer = new FlatAdam(model.parameters());
        using var noise = new torch.Generator(2, Meta);
        model.NoiseGenerator = noise;
        model.train();
        using (var scope = NewDisposeScope())
        {
            var x = randn(new long[] { 32, 20 }, device: Meta);
            var y = randint(0, 4, new long[] { 32 }, device: Meta);
            var loss = nn.functional.cross_entropy(model.forward(x), y) + model.ScaleKL() * 1e-3;
            optimizer.ZeroGrad();
            loss.backward();
            model.AddWeightKLGradients(1e-3);
            optimizer.Step();
            model.ClipVariances();
            Assert.Equal(DeviceType.META, model.KL().device_type);
            Assert.All(model.parameters(), p => Assert.Equal(DeviceType.META, p.device_type));
        }
        model.eval();
        // Masks are made on the CPU (as ComputeMasks makes them); the layer keeps them on its own device.
        foreach (var (_, layer) in model.BayesianLayers)
            layer.SetMasks(ones(layer.InputUnits, dtype: ScalarType.Bool), ones(layer.OutputUnits, dtype: ScalarType.Bool));
        using (var scope = NewDisposeScope())
            Assert.Equal(DeviceType.META, model.forward(randn(new long[] { 5, 20 }, device: Meta)).device_type);
    }

    [Fact]
    public void Batches_move_to_the_device_and_the_originals_are_released()
    {
        var input = randn(4, 3);
        var target = zeros(4, dtype: ScalarType.Int64);
        var (movedInput, movedTarget) = BayesGen.Training.Devices.Move(input, target, Meta);
        Assert.Equal(DeviceType.META, movedInput.device_type);
        Assert.Equal(DeviceType.META, movedTarget.device_type);
        Assert.True(input.IsInvalid && target.IsInvalid, "the CPU copies are disposed once moved");
        var (same, _) = BayesGen.Training.Devices.Move(movedInput, movedTarget, Meta);
        Assert.Same(movedInput, same);
    }

    [Fact]
    public void Device_names_resolve_and_a_missing_GPU_is_a_clear_error()
    {
        Assert.Equal(DeviceType.CPU, BayesGen.Training.Devices.Resolve("cpu").type);
        Assert.Equal(DeviceType.CPU, BayesGen.Training.Devices.Resolve(" CPU ").type);
        if (BayesGen.Training.Devices.CudaAvailable()) return;   // the GPU check covers CUDA where it exists
        Assert.Equal(DeviceType.CPU, BayesGen.Training.Devices.Resolve("auto").type);
        var e = Assert.Throws<ArgumentException>(() => BayesGen.Training.Devices.Resolve("cuda"));
        Assert.Contains("CUDA was asked for ('cuda')", e.Message);
        Assert.Contains("--device cpu", e.Message);
        Assert.Contains("TorchBackend=cuda-linux", e.Message);
        Assert.Throws<ArgumentException>(() => BayesGen.Training.Devices.Resolve("cuda:1"));
        Assert.Contains("is not a device", Assert.Throws<ArgumentException>(() => BayesGen.Training.Devices.Resolve("gpu")).Message);
        Assert.Contains("is not a device", Assert.Throws<ArgumentException>(() => BayesGen.Training.Devices.Resolve("cuda:x")).Message);
    }
}
