using BayesGen.Compression;

namespace BayesGen.Tests.Compression;

public class QuantizationTests
{
    [Fact]
    public void Absolute_mode_rounds_to_multiples_of_two_to_the_minus_s_with_halves_up()
    {
        // s = 2 → step 0.25: 0.3 → 1 (0.25), 0.375 → floor(1.5 + 0.5) = 2 (0.5), −0.375 → floor(−1.5 + 0.5) = −1 (−0.25),
        // 0.1 → 0, −0.9 → floor(−3.6 + 0.5) = −4 (−1.0).
        var q = Quantization.Quantize(new[] { 0.3f, 0.375f, -0.375f, 0.1f, -0.9f }, 2, QuantizationMode.Absolute);
        Assert.Equal(new[] { 1, 2, -1, 0, -4 }, q.Codes);
        Assert.Equal(-2, q.StepExponent);
        Assert.Equal(new[] { 0.25f, 0.5f, -0.25f, 0f, -1f }, q.Dequantize());
        // max |code| = 4 → 3 magnitude bits + sign = 4 bits.
        Assert.Equal(4, q.TotalBits);
    }

    [Fact]
    public void Absolute_mode_can_round_a_layer_of_small_weights_to_nothing()
    {
        var q = Quantization.Quantize(new[] { 0.01f, -0.02f, 0.015f }, 3, QuantizationMode.Absolute);
        Assert.All(q.Codes, c => Assert.Equal(0, c));
        Assert.Equal(0, q.TotalBits);
    }

    [Fact]
    public void Layer_scaled_mode_keeps_relative_precision_of_small_weights()
    {
        // max |w| = 0.02 → 2^E = 2^−5 = 0.03125 ≥ 0.02; s = 3 → step 2^−8 = 0.00390625.
        var q = Quantization.Quantize(new[] { 0.01f, -0.02f, 0.015f }, 3, QuantizationMode.LayerScaled);
        Assert.Equal(-8, q.StepExponent);
        Assert.Equal(new[] { 3, -5, 4 }, q.Codes);   // 2.56 → 3, −5.12 → −5, 3.84 → 4
        Assert.Equal(4, q.TotalBits);                 // |code| ≤ 5 → 3 bits + sign
        var back = q.Dequantize();
        for (int i = 0; i < 3; i++) Assert.InRange(Math.Abs(back[i] - new[] { 0.01f, -0.02f, 0.015f }[i]), 0, q.Step / 2 + 1e-9);
    }

    [Fact]
    public void Layer_scaled_exponent_is_exact_on_powers_of_two()
    {
        Assert.Equal(-1 - 4, Quantization.StepExponent(new[] { 0.5f, -0.25f }, 4, QuantizationMode.LayerScaled));
        Assert.Equal(-1 - 4, Quantization.StepExponent(new[] { 0.3f }, 4, QuantizationMode.LayerScaled));
        Assert.Equal(0 - 4, Quantization.StepExponent(new[] { 1.0f }, 4, QuantizationMode.LayerScaled));
    }

    [Fact]
    public void Layer_scaled_step_is_never_coarser_than_the_absolute_step()
    {
        // s comes from absolute variances (2·Var < 2^-s), so weights above 1 keep the absolute step 2^-s:
        // a layer scale of 2^2 would round 0.3 to 0 at s = 1 although the posterior allows a step of 2^-1.
        var weights = new[] { 3.0f, 0.3f, -0.8f };
        Assert.Equal(-1, Quantization.StepExponent(weights, 1, QuantizationMode.LayerScaled));
        Assert.Equal(Quantization.StepExponent(weights, 1, QuantizationMode.Absolute), Quantization.StepExponent(weights, 1, QuantizationMode.LayerScaled));
        Assert.Equal(new[] { 6, 1, -2 }, Quantization.Quantize(weights, 1, QuantizationMode.LayerScaled).Codes); // 6, 0.6 → 1, −1.6 → −2
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 2)]
    [InlineData(2, 3)]
    [InlineData(3, 3)]
    [InlineData(4, 4)]
    [InlineData(255, 9)]
    [InlineData(256, 10)]
    public void Total_bits_are_sign_plus_magnitude_length(long maxAbs, int bits)
        => Assert.Equal(bits, Quantization.TotalBitsFor(maxAbs));
}
