using BayesGen.Samples.Commands;

namespace BayesGen.Tests.Samples;

/// <summary>How many training images <c>train</c> holds out when <c>--holdout</c> is not given, worked by hand.</summary>
public sealed class DefaultHoldoutTests
{
    [Theory]
    [InlineData(60_000, 5_000)]      // MNIST: a twelfth, exactly the 5,000 every automatic row was chosen on
    [InlineData(1_000_000, 5_000)]   // never more than 5,000
    [InlineData(50_000, 4_166)]      // CIFAR-10's training set: a twelfth, rounded down
    [InlineData(12_000, 1_000)]
    [InlineData(11_999, 0)]          // 999 would measure error in steps coarser than the default bound
    [InlineData(40, 0)]
    [InlineData(0, 0)]
    public void A_twelfth_at_most_five_thousand_and_none_under_a_thousand(long training, long expected)
        => Assert.Equal(expected, DefaultHoldout.For(training));

    [Theory]
    [InlineData(0L, 60_000L, false, null, 0L)]           // --holdout 0: the user's word
    [InlineData(7_000L, 60_000L, true, null, 7_000L)]    // --holdout N wins over everything, thresholds given or not
    [InlineData(null, 60_000L, false, null, 5_000L)]     // the default
    [InlineData(null, 60_000L, true, null, 0L)]          // --threshold: nothing to choose, nothing held out
    [InlineData(null, 60_000L, false, 55_000L, 5_000L)]  // a resumed run keeps its split
    [InlineData(null, 60_000L, false, 60_000L, 0L)]      // ... also when it trained on everything
    [InlineData(null, 60_000L, false, 58_800L, 1_200L)]  // ... also a split the default would not make
    [InlineData(null, 12_000L, false, 60_000L, 0L)]      // an impossible count is left to the resume's own check
    public void Given_resumed_thresholds_given_or_the_default(long? given, long loaded, bool thresholdsGiven, long? resumedExamples, long expected)
        => Assert.Equal(expected, DefaultHoldout.Resolve(given, loaded, thresholdsGiven, resumedExamples));
}
