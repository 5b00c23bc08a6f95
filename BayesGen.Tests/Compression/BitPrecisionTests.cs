using BayesGen.Compression;

namespace BayesGen.Tests.Compression;

public class BitPrecisionTests
{
    [Theory]
    // 2·Var < 2^−t: Var 1e-2 → 0.02 < 2^−t for t ≤ 5 (2^−5 = 0.03125, 2^−6 = 0.0156).
    [InlineData(1e-2, 5)]
    // Var 1e-4 → 2e-4 < 2^−t for t ≤ 12 (2^−12 = 2.44e-4, 2^−13 = 1.22e-4).
    [InlineData(1e-4, 12)]
    // Exactly on a boundary: 2·Var = 2^−4 is not strictly below u(4), so t runs to 3.
    [InlineData(0.03125, 3)]
    // Huge variance: no bit is worth keeping; tiny variance: capped at 23.
    [InlineData(1.0, 0)]
    [InlineData(1e-12, 23)]
    [InlineData(0.0, 23)]
    public void Significand_bits_follow_the_unit_round_off_rule(double variance, int bits)
        => Assert.Equal(bits, BitPrecision.SignificandBits(variance));

    [Fact]
    public void Layer_bits_are_the_ceiling_of_the_mean()
    {
        // 5 and 12 bits → mean 8.5 → 9; all 5 → 5 (no spurious ceiling above an exact integer).
        Assert.Equal(9, BitPrecision.LayerSignificandBits(new[] { 1e-2f, 1e-4f }));
        Assert.Equal(5, BitPrecision.LayerSignificandBits(new[] { 1e-2f, 1e-2f, 1e-2f }));
        Assert.Equal(0, BitPrecision.LayerSignificandBits(ReadOnlySpan<float>.Empty));
    }

    [Theory]
    // e = ceil(log2(log2(m) + 1) + 1): m = 2 → log2(2)+1 = 2 → log2 2 = 1 → +1 = 2.
    [InlineData(2.0, 2)]
    // m = 3.5 → log2 3.5 = 1.807 → 2.807 → 1.489 → 2.489 → 3.
    [InlineData(3.5, 3)]
    // m = 1 → log2(0 + 1) + 1 = 1.
    [InlineData(1.0, 1)]
    // m = 0.75: log2 0.75 + 1 = 0.585 → log2 = −0.774 → +1 = 0.226 → 1 bit from the formula itself.
    [InlineData(0.75, 1)]
    // m = 0.7072, just above √2/2: log2(m) + 1 = 0.50015 → log2 = −0.99957 → +1 = 0.00043 → ceil = 1 from the formula itself.
    [InlineData(0.7072, 1)]
    // m = 0.6 and m = 0.707 (just below √2/2): the formula gives ceil(−0.93) = 0 and ceil(−0.0006) = 0 bits; clamped to 1.
    [InlineData(0.6, 1)]
    [InlineData(0.707, 1)]
    // m ≤ 0.5: log2(m) + 1 ≤ 0, the outer log is undefined; 1 bit.
    [InlineData(0.5, 1)]
    [InlineData(0.01, 1)]
    [InlineData(0.0, 1)]
    public void Exponent_bits_handle_every_range(double maxAbs, int bits)
        => Assert.Equal(bits, BitPrecision.ExponentBits(maxAbs));

    [Theory]
    [InlineData(0.6)]
    [InlineData(0.707)]
    [InlineData(0.55)]
    public void The_clamp_is_what_gives_one_bit_where_the_formula_gives_none(double maxAbs)
    {
        // The published formula alone, computed here: 0 (or less) for ½ < m ≤ √2/2. One bit is the clamp's doing.
        double formula = Math.Ceiling(Math.Log2(Math.Log2(maxAbs) + 1) + 1);
        Assert.True(formula <= 0, $"the formula gives {formula} at {maxAbs}");
        Assert.Equal(1, BitPrecision.ExponentBits(maxAbs));
    }

    [Fact]
    public void Bad_inputs_are_rejected_with_a_clear_error()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BitPrecision.SignificandBits(-1));
        Assert.Contains("non-negative", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => BitPrecision.ExponentBits(double.NaN));
    }
}
