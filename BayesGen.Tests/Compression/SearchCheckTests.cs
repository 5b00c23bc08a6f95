using BayesGen.Compression;
using BayesGen.Layers;

namespace BayesGen.Tests.Compression;

/// <summary>
/// The check of a held-out search's answer on images the search never saw (<see cref="SearchCheck"/>): the path the search
/// records, the walk back along it on hand-built check errors, and, on simulated noisy measurements, that the check takes
/// out the error the search's selection adds.
/// </summary>
public sealed class SearchCheckTests
{
    /// <summary>One layer of ten groups, log α 0 … 9 (pruned above): the search removes them from 9 down.</summary>
    private static readonly float[] Values = Enumerable.Range(0, 10).Select(i => (float)i).ToArray();

    private static ThresholdSearch.LayerStatistic[] OneLayer() => [new("fc", Values, PruneDirection.Above)];

    private static long Kept(PruningThresholds t) => t.TryGet("fc", out var threshold) ? Values.Count(v => v < threshold) : Values.Length;

    /// <summary>Every group is noise to the search: it errs 1 % whatever it removes, down to one group kept.</summary>
    private static ThresholdSearch.Result SearchAll() => ThresholdSearch.WithinErrorIncrease(OneLayer(), _ => 1.0, maxIncrease: 0.1);

    [Fact]
    public void The_search_records_its_path_from_keeping_everything_to_its_answer()
    {
        float[] fc2 = [-7f, -6f, -5f, 0.5f, 1.5f, 2.5f];
        var layers = new[] { OneLayer()[0], new ThresholdSearch.LayerStatistic("fc2", fc2, PruneDirection.Above, GainPerGroup: 3) };
        double Error(PruningThresholds t) => 1.0 + (t.TryGet("fc2", out var b) && fc2.Count(v => v < b) < 3 ? 1 : 0);
        var result = ThresholdSearch.WithinErrorIncrease(layers, Error, maxIncrease: 0.1);

        Assert.Equal([10L, 6L], result.Path[0].Select(c => c.KeptGroups));
        Assert.Equal(result.Layers, result.Path[^1]);
        for (int step = 1; step < result.Path.Count; step++)
        {
            var before = result.Path[step - 1].Select(c => c.KeptGroups).ToArray();
            var after = result.Path[step].Select(c => c.KeptGroups).ToArray();
            Assert.True(after.Zip(before).All(p => p.First <= p.Second), $"step {step} kept more somewhere");
            Assert.True(after.Sum() < before.Sum(), $"step {step} removed nothing");
        }
        Assert.Equal([1L, 3L], result.Layers.Select(c => c.KeptGroups));
    }

    [Fact]
    public void The_check_keeps_the_answer_it_accepts()
    {
        var search = SearchAll();
        var check = SearchCheck.WithinErrorIncrease(search, _ => 2.0, maxIncrease: 0.1);
        Assert.Equal(0, check.StepsBack);
        Assert.Equal(search.Layers, check.Layers);
        Assert.Equal(2, check.Evaluations);   // step 0 for the bound, the answer
        Assert.True(check.WithinBound);
        Assert.Equal(2.1, check.BoundPct, 10);
    }

    /// <summary>The check images say anything keeping fewer than 4 groups costs 0.5 points: the walk stops at the first step that keeps 4 or more.</summary>
    [Fact]
    public void The_check_walks_back_to_the_most_pruned_step_within_its_bound()
    {
        var search = SearchAll();
        var measured = new List<long>();
        double CheckError(PruningThresholds t)
        {
            measured.Add(Kept(t));
            return Kept(t) < 4 ? 2.5 : Kept(t) < 6 ? 2.08 : 2.0;
        }
        var check = SearchCheck.WithinErrorIncrease(search, CheckError, maxIncrease: 0.1);

        int expected = Enumerable.Range(0, search.Path.Count).Last(s => search.Path[s][0].KeptGroups >= 4);
        Assert.Equal(expected, check.Step);
        Assert.True(check.StepsBack > 0);
        Assert.True(check.Layers[0].KeptGroups >= 4);
        Assert.Equal(2.08, check.ErrorPct, 10);
        // Step 0 first (the bound), then from the answer backwards, stopping at the first step within the bound.
        Assert.Equal(Values.Length, measured[0]);
        Assert.Equal(search.Path.Skip(expected).Reverse().Select(s => s[0].KeptGroups), measured.Skip(1));
        Assert.Equal(1 + check.StepsBack + 1, check.Evaluations);
        Assert.True(Kept(check.Thresholds()) == check.Layers[0].KeptGroups);
    }

    [Fact]
    public void With_a_target_the_check_keeps_every_group_when_nothing_is_under_it()
    {
        var search = ThresholdSearch.WithinError(OneLayer(), _ => 1.0, targetPct: 1.5);
        var check = SearchCheck.WithinError(search, _ => 1.7, targetPct: 1.5);
        Assert.Equal(0, check.Step);
        Assert.False(check.WithinBound);
        Assert.Equal(Values.Length, check.Layers[0].KeptGroups);
        Assert.Equal(1.5, check.BoundPct);

        var under = SearchCheck.WithinError(search, t => Kept(t) < 3 ? 1.6 : 1.4, targetPct: 1.5);
        Assert.Equal(3, under.Layers[0].KeptGroups);
        Assert.True(under.WithinBound);
    }

    [Fact]
    public void Bad_arguments_are_refused_by_name()
    {
        var search = SearchAll();
        Assert.Throws<ArgumentOutOfRangeException>(() => SearchCheck.WithinErrorIncrease(search, _ => 1, -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SearchCheck.WithinError(search, _ => 1, 101));
        var noPath = new ThresholdSearch.Result(search.Layers, 1, 1.1, 1, 1);
        Assert.Contains("no path", Assert.Throws<ArgumentException>(() => SearchCheck.WithinErrorIncrease(noPath, _ => 1, 0.1)).Message);
        Assert.Contains("not a number", Assert.Throws<InvalidOperationException>(() => SearchCheck.WithinErrorIncrease(search, _ => double.NaN, 0.1)).Message);
    }

    /// <summary>
    /// Simulated images, so that measurements of neighbouring networks share their noise as real held-out images do. Three
    /// layers of 40 groups each; an image's margin is 2.05 plus noise made of one part per layer (so about 2 % of images
    /// are wrong), and every group a layer removes re-draws a little of that layer's part (keeping a correlation of 0.999
    /// with the last): a removal flips a few images either way and leaves the share of wrong ones as it was. The 25 groups
    /// each layer removes first do nothing else; each later one also lowers every margin, by a little more than the one
    /// before. A network's error is its share of negative margins on the held-out images (5,000, or two halves of them);
    /// its true error follows from the normal distribution of the margins. Over 60 simulated runs at a bound of 0.1 points,
    /// the search on all 5,000 ends above the bound in truth on average (of several layers' moves it takes the one its
    /// images favour: 0.160 points, 1.6 times the bound, as on LeNet-5's real choices), and the search on 2,500 checked on
    /// the other 2,500 ends within it (0.067).
    /// </summary>
    [Fact]
    public void On_simulated_images_the_check_takes_out_what_the_search_selects()
    {
        const int layers = 3, groups = 40, free = 25, runs = 60;
        const double bound = 0.1;
        var values = Enumerable.Range(0, groups).Select(i => (float)i).ToArray();   // pruned above: removed from 39 down
        var statistics = Enumerable.Range(0, layers).Select(l => new ThresholdSearch.LayerStatistic($"fc{l}", values, PruneDirection.Above)).ToArray();
        int[] Removed(PruningThresholds t) => Enumerable.Range(0, layers).Select(l => t.TryGet($"fc{l}", out var th) ? values.Count(v => v >= th) : 0).ToArray();
        double TrueError(int[] removed) => 100 * NormalCdf(-(Margin - removed.Sum(r => Cost(r, free))));

        double uncheckedSum = 0, checkedSum = 0;
        for (int run = 0; run < runs; run++)
        {
            var random = new Random(100 + run);
            var all = new SimulatedImages(random, 5_000, layers, groups, free);
            var half = new SimulatedImages(random, 2_500, layers, groups, free);
            var other = new SimulatedImages(random, 2_500, layers, groups, free);
            var plain = ThresholdSearch.WithinErrorIncrease(statistics, t => all.ErrorPct(Removed(t)), bound);
            var search = ThresholdSearch.WithinErrorIncrease(statistics, t => half.ErrorPct(Removed(t)), bound);
            var check = SearchCheck.WithinErrorIncrease(search, t => other.ErrorPct(Removed(t)), bound);
            double truth0 = TrueError(new int[layers]);
            uncheckedSum += TrueError(Removed(plain.Thresholds())) - truth0;

            checkedSum += TrueError(Removed(check.Thresholds())) - truth0;
        }
        double uncheckedMean = uncheckedSum / runs, checkedMean = checkedSum / runs;
        Assert.True(uncheckedMean > bound, $"unchecked: mean true rise {uncheckedMean:F3} points");   // the selection the check is for
        Assert.True(checkedMean <= bound, $"checked: mean true rise {checkedMean:F3} points (unchecked {uncheckedMean:F3})");
    }

    /// <summary>
    /// The same simulated runs, searched on all 5,000 images with each candidate judged some standard errors of its paired
    /// rise above its measured error (<see cref="PairedErrors.JudgedForRise"/>, what <c>--noise-margin</c> does). Measured
    /// over the 60 runs: the plain search's true rise is 0.160 points (bound 0.1) with 4,115 groups removed; half a
    /// standard error gives 0.092 with 3,396 removed, one gives 0.043 with 2,468; the search checked on half the images
    /// 0.067 with 3,012. So half a standard error keeps the true rise within the bound on average and prunes more than
    /// the check, whose search sees half as many images; a whole one buys safety with pruning.
    /// </summary>
    [Fact]
    public void On_simulated_images_the_noise_margin_takes_out_what_the_search_selects()
    {
        const int layers = 3, groups = 40, free = 25, runs = 60;
        const double bound = 0.1;
        var values = Enumerable.Range(0, groups).Select(i => (float)i).ToArray();
        var statistics = Enumerable.Range(0, layers).Select(l => new ThresholdSearch.LayerStatistic($"fc{l}", values, PruneDirection.Above)).ToArray();
        int[] Removed(PruningThresholds t) => Enumerable.Range(0, layers).Select(l => t.TryGet($"fc{l}", out var th) ? values.Count(v => v >= th) : 0).ToArray();
        double TrueError(int[] removed) => 100 * NormalCdf(-(Margin - removed.Sum(r => Cost(r, free))));

        double[] margins = [0, 0.5, 1];
        var rise = new double[margins.Length];
        var removed = new int[margins.Length];
        double checkedRise = 0;
        int checkedRemoved = 0;
        for (int run = 0; run < runs; run++)
        {
            var random = new Random(100 + run);
            var all = new SimulatedImages(random, 5_000, layers, groups, free);
            var half = new SimulatedImages(random, 2_500, layers, groups, free);
            var other = new SimulatedImages(random, 2_500, layers, groups, free);
            var unpruned = all.Mistakes(new int[layers]);
            double truth0 = TrueError(new int[layers]);
            for (int k = 0; k < margins.Length; k++)
            {
                double z = margins[k];
                var judged = ThresholdSearch.WithinErrorIncrease(statistics, t => PairedErrors.JudgedForRise(unpruned, all.Mistakes(Removed(t)), z), bound);
                rise[k] += (TrueError(Removed(judged.Thresholds())) - truth0) / runs;
                removed[k] += Removed(judged.Thresholds()).Sum();
            }
            var search = ThresholdSearch.WithinErrorIncrease(statistics, t => half.ErrorPct(Removed(t)), bound);
            var check = SearchCheck.WithinErrorIncrease(search, t => other.ErrorPct(Removed(t)), bound);
            checkedRise += (TrueError(Removed(check.Thresholds())) - truth0) / runs;
            checkedRemoved += Removed(check.Thresholds()).Sum();
        }
        var summary = $"true rise / groups removed: z = 0: {rise[0]:F3} / {removed[0]}, z = 0.5: {rise[1]:F3} / {removed[1]}, z = 1: {rise[2]:F3} / {removed[2]}, checked: {checkedRise:F3} / {checkedRemoved}";
        Assert.True(rise[0] > bound, summary);                                   // the selection the margin is for
        Assert.True(rise[1] <= bound && rise[2] <= bound, summary);              // taken out
        Assert.True(rise[2] < rise[1] && removed[2] < removed[1] && removed[1] < removed[0], summary);   // a wider margin is safer and prunes less
        Assert.True(removed[1] > checkedRemoved, summary);                       // every image searched, none set aside
    }

    private const double Margin = 2.05;

    /// <summary>How much <paramref name="removed"/> removals of a layer lower every margin: nothing for the first <paramref name="free"/>.</summary>
    private static double Cost(int removed, int free) => removed <= free ? 0 : 0.004 * (removed - free) * (removed - free + 1) / 2.0;

    /// <summary>Simulated images for the test above: each image's noise part per layer after 0, 1, … removals in that layer.</summary>
    private sealed class SimulatedImages
    {
        private readonly double[][][] parts;   // [layer][image][removed]
        private readonly int free;

        public SimulatedImages(Random random, int images, int layers, int groups, int free)
        {
            this.free = free;
            const double kept = 0.999;
            double fresh = Math.Sqrt(1 - kept * kept);
            parts = new double[layers][][];
            for (int l = 0; l < layers; l++)
            {
                parts[l] = new double[images][];
                for (int i = 0; i < images; i++)
                {
                    var path = parts[l][i] = new double[groups + 1];
                    path[0] = Gaussian(random);
                    for (int k = 1; k <= groups; k++) path[k] = kept * path[k - 1] + fresh * Gaussian(random);
                }
            }
        }

        public double ErrorPct(int[] removed) => PairedErrors.ErrorPct(Mistakes(removed));

        /// <summary>Per image, whether the network with <paramref name="removed"/> groups removed per layer errs on it.</summary>
        public bool[] Mistakes(int[] removed)
        {
            double cost = removed.Sum(r => Cost(r, free)), scale = 1 / Math.Sqrt(parts.Length);
            var mistakes = new bool[parts[0].Length];
            for (int i = 0; i < mistakes.Length; i++)
            {
                double noise = 0;
                for (int l = 0; l < parts.Length; l++) noise += parts[l][i][removed[l]];
                mistakes[i] = Margin + noise * scale - cost < 0;
            }
            return mistakes;
        }
    }

    /// <summary>The standard normal distribution function (Abramowitz and Stegun 26.2.17, error below 7.5e-8).</summary>
    private static double NormalCdf(double x)
    {
        double t = 1 / (1 + 0.2316419 * Math.Abs(x));
        double tail = Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI)
                      * t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
        return x >= 0 ? 1 - tail : tail;
    }

    private static double Gaussian(Random random)
        => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
