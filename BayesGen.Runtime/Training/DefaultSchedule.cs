namespace BayesGen.Training;

/// <summary>
/// The learning-rate schedule a run gets when it names none, chosen by its length. A long run (at least
/// <see cref="LongRunSteps"/> optimiser steps) lets the log-variances step with <see cref="LongRunLogVarianceScale"/> times
/// the learning rate; a shorter one keeps the single rate of the reference. Every run trains its last tenth at a tenth of
/// the rate.
/// </summary>
/// <remarks>
/// The log-variances start at −9 and Adam moves a parameter by about one learning rate a step, so at the single rate they
/// need most of a long run to climb to where the groups separate; ten times the rate separates them in a few epochs,
/// and prunes two to four times as much at the same length, but the posterior then widens before the means have
/// adapted to it, which costs accuracy that only a long run wins back. Both the climb and the recovery happen step by
/// step, so the length is counted in steps, not epochs: a small data set's epoch is a few steps (docs/RESULTS.md, "The schedule by the run's
/// length", measured on MNIST and Fashion-MNIST, both priors). The last tenth at a tenth of the rate lets the means
/// settle where the steps' noise kept them moving. Each part applies only where the caller did not set it.
/// </remarks>
public static class DefaultSchedule
{
    /// <summary>
    /// The fewest optimiser steps of a run that gets the faster climb of the log-variances: 200 epochs of 55,000 images
    /// at batch 128 (430 steps an epoch), the paper's length. After 50 and 100 epochs the faster climb still cost the
    /// unpruned network 0.4 to 0.9 points of held-out error on both data sets measured; after 200, 0.2 on MNIST and none
    /// on Fashion-MNIST, while it pruned 1.4 to 1.9 times as far at equal error.
    /// </summary>
    public const long LongRunSteps = 86_000;

    /// <summary>The log-variances' multiple of the learning rate in a long run (a shorter one keeps 1).</summary>
    public const double LongRunLogVarianceScale = 10;

    /// <summary>The share of the epochs, at the end, trained at a tenth of the rate: one in this many (rounded down).</summary>
    public const int DropShare = 10;

    /// <summary>What the default gives a run, and why, in a sentence a command line can print.</summary>
    /// <param name="LogVarianceLearningRateScale">See <see cref="TrainingOptions.LogVarianceLearningRateScale"/>.</param>
    /// <param name="LearningRateDropEpochs">See <see cref="TrainingOptions.LearningRateDropEpochs"/> (at a tenth of the rate).</param>
    /// <param name="ClimbReason">The log-variances' scale and why, for the run's output and report.</param>
    /// <param name="DropReason">The drop and why.</param>
    public sealed record Choice(double LogVarianceLearningRateScale, int LearningRateDropEpochs, string ClimbReason, string DropReason)
    {
        /// <summary>Both parts, in a sentence.</summary>
        public string Reason => $"{ClimbReason}; {DropReason}";
    }

    /// <summary>The schedule of a run of <paramref name="epochs"/> epochs (at least 1) of <paramref name="stepsPerEpoch"/> steps each.</summary>
    public static Choice For(int epochs, long stepsPerEpoch)
    {
        if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "A run has at least one epoch.");
        if (stepsPerEpoch < 1) throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch), stepsPerEpoch, "An epoch has at least one step.");
        int drop = epochs / DropShare;
        long steps = epochs * stepsPerEpoch;
        bool longRun = steps >= LongRunSteps;
        double scale = longRun ? LongRunLogVarianceScale : 1;
        string climb = longRun
            ? $"the log-variances at {scale:G} times the rate ({steps:N0} steps, at least {LongRunSteps:N0}: the groups separate early and the run is long enough to win the accuracy back)"
            : $"the log-variances at the single rate ({steps:N0} steps, fewer than {LongRunSteps:N0}: a faster climb would cost accuracy the run has no time to win back)";
        string end = drop > 0
            ? $"the last {drop} epoch{(drop == 1 ? "" : "s")} at a tenth of the rate (the last tenth of the run)"
            : $"no drop of the rate (a run shorter than {DropShare} epochs has no last tenth)";
        return new Choice(scale, drop, climb, end);
    }

    /// <summary>
    /// What the default sets for a run of <paramref name="epochs"/> epochs of <paramref name="stepsPerEpoch"/> steps where the caller left the log-variances' scale
    /// or the drop unset (null), in words; null when both are set.
    /// </summary>
    public static string? Describe(double? logVarianceScale, int? dropEpochs, int epochs, long stepsPerEpoch)
    {
        if (logVarianceScale is not null && dropEpochs is not null) return null;
        var choice = For(epochs, stepsPerEpoch);
        return logVarianceScale is null && dropEpochs is null ? choice.Reason : logVarianceScale is null ? choice.ClimbReason : choice.DropReason;
    }

    /// <summary>
    /// <paramref name="options"/> with the default schedule for its <see cref="TrainingOptions.Epochs"/> of
    /// <paramref name="trainingExamples"/> examples (in <see cref="TrainingOptions.BatchSize"/> batches) filled in where
    /// the caller left a part unset (null): the log-variances' scale, the epochs of the drop (whose factor stays the
    /// options' own, a tenth unless set).
    /// </summary>
    public static TrainingOptions Apply(TrainingOptions options, long trainingExamples, double? logVarianceScale, int? dropEpochs)
    {
        ArgumentNullException.ThrowIfNull(options);
        var choice = For(Math.Max(1, options.Epochs), StepsPerEpoch(trainingExamples, options.BatchSize));
        return options with
        {
            LogVarianceLearningRateScale = logVarianceScale ?? choice.LogVarianceLearningRateScale,
            LearningRateDropEpochs = dropEpochs ?? choice.LearningRateDropEpochs,
        };
    }

    /// <summary>The optimiser steps of one epoch over <paramref name="trainingExamples"/> examples in batches of <paramref name="batchSize"/> (the last one partial).</summary>
    public static long StepsPerEpoch(long trainingExamples, int batchSize) =>
        Math.Max(1, (trainingExamples + Math.Max(1, batchSize) - 1) / Math.Max(1, batchSize));
}
