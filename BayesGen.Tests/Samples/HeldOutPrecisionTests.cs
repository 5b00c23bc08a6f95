using BayesGen.Samples.Commands;

namespace BayesGen.Tests.Samples;

/// <summary>
/// How finely held-out images measure an error rate (the standard error printed beside every held-out choice), and the
/// progress lines a long search prints.
/// </summary>
public sealed class HeldOutPrecisionTests
{
    [Theory]
    [InlineData(1.2, 5000, 0.15399)]   // √(0.012 · 0.988 / 5000) = 0.0015399: LeNet-5's held-out error on 5,000 images
    [InlineData(50, 100, 5.0)]         // √(0.25 / 100) = 0.05
    [InlineData(2.0, 10000, 0.14)]     // √(0.02 · 0.98 / 10000) = 0.0014
    [InlineData(0, 5000, 0)]           // no error measured: no spread of a binomial at p = 0
    public void The_standard_error_is_the_binomial_one_in_points(double errorPct, long images, double expected)
        => Assert.Equal(expected, HeldOutThresholds.StandardErrorPoints(errorPct, images), 4);

    [Theory]
    [InlineData(0.42, 0.1, true)]    // LeNet-5 on Fashion-MNIST: 9.66 % on 5,000 images against the default bound
    [InlineData(0.15, 0.1, false)]   // LeNet-5 on MNIST: coarser than the bound, but not twice
    [InlineData(0.2, 0.1, false)]    // exactly twice: not yet
    [InlineData(0.5, 0.5, false)]
    [InlineData(0.05, 0.0, true)]    // a bound of zero: any spread is coarser
    public void A_measure_more_than_twice_as_coarse_as_the_bound_is_said(double standardError, double allowed, bool warned)
    {
        var warning = HeldOutThresholds.CoarseMeasureWarning(standardError, allowed);
        Assert.Equal(warned, warning is not null);
        if (warning is not null) Assert.Contains($"±{standardError:F2} points, more than twice the {allowed:F2} allowed", warning);
    }

    [Theory]
    [InlineData(5000, 0.5, 2500)]
    [InlineData(5000, 0.0, 0)]     // no check
    [InlineData(1000, 0.4, 400)]
    [InlineData(3, 0.5, 2)]        // 1.5 rounds away from zero: the check gets 2, the search 1
    public void The_check_keeps_its_share_of_the_held_out_images(long heldOut, double share, long expected)
        => Assert.Equal(expected, HeldOutThresholds.CheckImages(heldOut, share));

    [Theory]
    [InlineData(3, 0.1, "leaves the check no image")]
    [InlineData(2, 0.9, "leaves the search no image")]     // 1.8 rounds to 2: all of them
    [InlineData(1, 0.5, "leaves the search no image")]     // one image cannot be split
    public void A_check_share_given_that_leaves_a_side_empty_is_refused(long heldOut, double share, string message)
        => Assert.Contains(message, Assert.Throws<ArgumentException>(() => HeldOutThresholds.CheckImages(heldOut, share)).Message);

    [Fact]
    public void An_error_measured_on_no_images_is_refused()
        => Assert.Throws<ArgumentOutOfRangeException>(() => HeldOutThresholds.StandardErrorPoints(1, 0));

    [Fact]
    public void A_long_search_prints_where_it_stands_and_a_quick_one_prints_nothing()
    {
        var progress = new BayesGen.Compression.ThresholdSearch.Progress(137, 1.126, 1.14, [5, 14, 88, 12]);
        var lines = new List<string>();
        var every = HeldOutThresholds.ProgressPrinter(lines.Add, TimeSpan.Zero);
        every(progress);
        every(progress);
        Assert.Equal(["searching: 137 evaluations, held-out error 1.13 % (bound 1.14 %), kept 5-14-88-12"], lines.Distinct());
        Assert.Equal(2, lines.Count);

        lines.Clear();
        HeldOutThresholds.ProgressPrinter(lines.Add, TimeSpan.Zero, judged: true)(progress);
        Assert.Equal(["searching: 137 evaluations, held-out error as judged (--noise-margin) 1.13 % (bound 1.14 %), kept 5-14-88-12"], lines);

        lines.Clear();
        var seldom = HeldOutThresholds.ProgressPrinter(lines.Add, TimeSpan.FromHours(1));
        for (int i = 0; i < 100; i++) seldom(progress);
        Assert.Empty(lines);
    }
}
