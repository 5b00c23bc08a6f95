using BayesGen.Samples.Commands;

namespace BayesGen.Tests.Samples;

/// <summary>How finely held-out images measure an error rate: the standard error printed beside every held-out choice.</summary>
public sealed class HeldOutPrecisionTests
{
    [Theory]
    [InlineData(1.2, 5000, 0.15399)]   // √(0.012 · 0.988 / 5000) = 0.0015399: LeNet-5's held-out error on 5,000 images
    [InlineData(50, 100, 5.0)]         // √(0.25 / 100) = 0.05
    [InlineData(2.0, 10000, 0.14)]     // √(0.02 · 0.98 / 10000) = 0.0014
    [InlineData(0, 5000, 0)]           // no error measured: no spread of a binomial at p = 0
    public void The_standard_error_is_the_binomial_one_in_points(double errorPct, long images, double expected)
        => Assert.Equal(expected, HeldOutThresholds.StandardErrorPoints(errorPct, images), 4);

    [Fact]
    public void An_error_measured_on_no_images_is_refused()
        => Assert.Throws<ArgumentOutOfRangeException>(() => HeldOutThresholds.StandardErrorPoints(1, 0));
}
