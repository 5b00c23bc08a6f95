using BayesGen.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Torch;

public class LibTorchFixesTests
{
    [Fact]
    public void Convolution_input_gradients_equal_the_float64_computation()
    {
        LibTorchFixes.Apply();
        if (OperatingSystem.IsLinux()) Assert.True(LibTorchFixes.OneDnnDisabled, "the workaround did not take effect");
        // The shapes where oneDNN's padded blocked layout went wrong: channel counts that are not multiples of 16,
        // inputs with many exact zeros (after ReLU), tiny weights (exp(−9)), several first-time shapes.
        foreach (var (cin, cout) in new[] { (8, 12), (20, 50), (3, 7), (12, 16) })
        {
            using var scope = NewDisposeScope();
            var weight = full(new long[] { cout, cin, 3, 3 }, -9.0).exp();
            var x = nn.functional.relu(randn(32, cin, 14, 14));
            var single = x.clone().requires_grad_();
            nn.functional.conv2d(single.square(), weight, null, padding: new long[] { 1, 1 }).sum().backward();
            var reference = x.to(ScalarType.Float64).requires_grad_();
            nn.functional.conv2d(reference.square(), weight.to(ScalarType.Float64), null, padding: new long[] { 1, 1 }).sum().backward();
            Assert.Equal(0, single.grad!.isnan().sum().item<long>());
            double difference = (single.grad!.to(ScalarType.Float64) - reference.grad!).abs().max().item<double>();
            Assert.True(difference < 1e-6, $"{cin}→{cout}: the float32 input gradient differs from float64 by {difference}");
        }
    }
}
