using BayesGen.Compression;

namespace BayesGen.Tests.Compression;

public sealed class PairedErrorsTests
{
    [Fact]
    public void The_rise_and_its_standard_error_match_a_hand_worked_example()
    {
        // Per-image differences (after − before): 0, +1, 0, −1, +1; mean 0.2; Σ(d − 0.2)² = 2.8, so the sample variance is
        // 2.8 / 4 = 0.7 and the standard error √(0.7 / 5) = 0.374166.
        bool[] before = [true, false, false, true, false];
        bool[] after = [true, true, false, false, true];
        var rise = PairedErrors.Between(before, after);
        Assert.Equal(20, rise.Points, 9);
        Assert.Equal(37.416574, rise.StandardErrorPoints, 5);
        Assert.Equal(1, rise.OnlyBeforeWrong);
        Assert.Equal(2, rise.OnlyAfterWrong);
        Assert.Equal(20 + 2 * 37.416574, rise.UpperPoints(2), 5);
    }

    [Fact]
    public void Networks_that_err_on_the_same_images_have_no_rise_and_no_noise()
    {
        bool[] same = [true, false, true, false, false, false];
        var rise = PairedErrors.Between(same, same);
        Assert.Equal(0, rise.Points);
        Assert.Equal(0, rise.StandardErrorPoints);
    }

    [Fact]
    public void The_standard_error_is_the_spread_of_the_rise_over_fresh_draws_of_images()
    {
        // Monte Carlo: pairs of outcomes drawn with known probabilities (only the pruned network errs on 2 % of images,
        // only the unpruned on 1 %, both on 1.5 %). Over many draws of 5,000 images the measured rises spread by the
        // standard error each draw reports, and the true rise (1 point) lies below the measured rise plus one standard
        // error about 84 % of the time (the one-sided normal limit).
        var random = new Random(7);
        const int images = 5000, draws = 2000;
        var rises = new double[draws];
        double sumSe = 0;
        int covered = 0;
        for (int d = 0; d < draws; d++)
        {
            var before = new bool[images];
            var after = new bool[images];
            for (int i = 0; i < images; i++)
            {
                double u = random.NextDouble();
                if (u < 0.02) after[i] = true;
                else if (u < 0.03) before[i] = true;
                else if (u < 0.045) before[i] = after[i] = true;
            }
            var rise = PairedErrors.Between(before, after);
            rises[d] = rise.Points;
            sumSe += rise.StandardErrorPoints;
            if (1.0 <= rise.UpperPoints(1)) covered++;
        }
        double mean = rises.Average();
        double spread = Math.Sqrt(rises.Sum(r => (r - mean) * (r - mean)) / (draws - 1));
        Assert.InRange(mean, 0.98, 1.02);
        // Exact: √((0.03 − 0.01²) / 5000) · 100 = 0.24454 points.
        Assert.InRange(spread, 0.24454 * 0.95, 0.24454 * 1.05);
        Assert.InRange(sumSe / draws, 0.24454 * 0.98, 0.24454 * 1.02);
        Assert.InRange((double)covered / draws, 0.81, 0.87);
    }

    [Fact]
    public void The_error_standard_error_is_binomial()
    {
        var mistakes = Enumerable.Range(0, 400).Select(i => i % 20 == 0).ToArray();   // 5 % of 400
        Assert.Equal(100 * Math.Sqrt(0.05 * 0.95 / 400), PairedErrors.ErrorStandardErrorPoints(mistakes), 9);
    }

    [Fact]
    public void Measurements_on_different_images_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => PairedErrors.Between(new bool[3], new bool[4]));
        Assert.Contains("different numbers of images (3 and 4)", e.Message);
        Assert.Throws<ArgumentException>(() => PairedErrors.Between([], []));
        Assert.Throws<ArgumentException>(() => PairedErrors.ErrorStandardErrorPoints([]));
    }
}
