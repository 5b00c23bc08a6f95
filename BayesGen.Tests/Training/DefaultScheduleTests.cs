using BayesGen.Training;

namespace BayesGen.Tests.Training;

/// <summary>
/// The schedule a run gets when it names none (<see cref="DefaultSchedule"/>): the log-variances' faster climb from
/// <see cref="DefaultSchedule.LongRunSteps"/> optimiser steps on, the last tenth at a tenth of the rate, each part only where the
/// caller left it unset, and said in words.
/// </summary>
public sealed class DefaultScheduleTests
{
    private const long MnistSteps = 430;   // 55,000 training images at batch 128

    [Theory]
    [InlineData(1, MnistSteps, 1.0, 0)]
    [InlineData(9, MnistSteps, 1.0, 0)]
    [InlineData(10, MnistSteps, 1.0, 1)]
    [InlineData(19, MnistSteps, 1.0, 1)]
    [InlineData(100, MnistSteps, 1.0, 10)]
    [InlineData(199, MnistSteps, 1.0, 19)]
    [InlineData(200, MnistSteps, 10.0, 20)]
    [InlineData(205, MnistSteps, 10.0, 20)]
    [InlineData(400, 40, 1.0, 40)]                          // 5,000 images: 400 epochs are 16,000 steps, a short run
    [InlineData(1, DefaultSchedule.LongRunSteps, 10.0, 0)]   // one epoch as long as a long run
    public void A_long_run_climbs_faster_and_every_run_drops_its_last_tenth(int epochs, long stepsPerEpoch, double scale, int drop)
    {
        var choice = DefaultSchedule.For(epochs, stepsPerEpoch);
        Assert.Equal((scale, drop), (choice.LogVarianceLearningRateScale, choice.LearningRateDropEpochs));
        // What the choice gives is a schedule the trainer accepts for that run.
        new TrainingOptions { Epochs = epochs, LogVarianceLearningRateScale = scale, LearningRateDropEpochs = drop }.Validate();
    }

    [Theory]
    [InlineData(54_912, 128, 429)]   // 429 full batches
    [InlineData(54_913, 128, 430)]   // and one of a single image
    [InlineData(55_000, 128, 430)]
    [InlineData(1, 128, 1)]
    public void An_epoch_is_its_batches_the_last_one_partial(long examples, int batch, long steps)
    {
        Assert.Equal(steps, DefaultSchedule.StepsPerEpoch(examples, batch));
    }

    [Fact]
    public void The_reasons_name_what_was_chosen()
    {
        var longRun = DefaultSchedule.For(200, MnistSteps);
        Assert.Contains("10 times the rate", longRun.ClimbReason);
        Assert.Contains("86,000 steps, at least 86,000", longRun.ClimbReason);
        Assert.Contains("the last 20 epochs at a tenth of the rate", longRun.DropReason);
        Assert.Equal($"{longRun.ClimbReason}; {longRun.DropReason}", longRun.Reason);
        var shortRun = DefaultSchedule.For(10, MnistSteps);
        Assert.Contains("single rate (4,300 steps, fewer than 86,000", shortRun.ClimbReason);
        Assert.Contains("the last 1 epoch at a tenth", shortRun.DropReason);
        Assert.Contains("no drop", DefaultSchedule.For(5, MnistSteps).DropReason);
        Assert.Throws<ArgumentOutOfRangeException>(() => DefaultSchedule.For(0, MnistSteps));
        Assert.Throws<ArgumentOutOfRangeException>(() => DefaultSchedule.For(10, 0));
    }

    [Fact]
    public void Only_the_parts_left_unset_are_filled_and_said()
    {
        var options = new TrainingOptions { Epochs = 200, LearningRateDropFactor = 0.5 };
        var filled = DefaultSchedule.Apply(options, 55_000, logVarianceScale: null, dropEpochs: null);
        Assert.Equal((10.0, 20, 0.5), (filled.LogVarianceLearningRateScale, filled.LearningRateDropEpochs, filled.LearningRateDropFactor));
        var scaleGiven = DefaultSchedule.Apply(options, 55_000, logVarianceScale: 3, dropEpochs: null);
        Assert.Equal((3.0, 20), (scaleGiven.LogVarianceLearningRateScale, scaleGiven.LearningRateDropEpochs));
        var dropGiven = DefaultSchedule.Apply(options, 55_000, logVarianceScale: null, dropEpochs: 0);
        Assert.Equal((10.0, 0), (dropGiven.LogVarianceLearningRateScale, dropGiven.LearningRateDropEpochs));
        Assert.Equal(options with { LogVarianceLearningRateScale = 1, LearningRateDropEpochs = 0 },
            DefaultSchedule.Apply(options, 55_000, logVarianceScale: 1, dropEpochs: 0));

        Assert.Null(DefaultSchedule.Describe(1, 0, 200, MnistSteps));
        Assert.Equal(DefaultSchedule.For(200, MnistSteps).Reason, DefaultSchedule.Describe(null, null, 200, MnistSteps));
        Assert.Equal(DefaultSchedule.For(200, MnistSteps).DropReason, DefaultSchedule.Describe(3, null, 200, MnistSteps));
        Assert.Equal(DefaultSchedule.For(200, MnistSteps).ClimbReason, DefaultSchedule.Describe(null, 0, 200, MnistSteps));
    }
}
