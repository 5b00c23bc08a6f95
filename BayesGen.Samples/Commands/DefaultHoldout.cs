namespace BayesGen.Samples.Commands;

/// <summary>
/// How many training images <c>train</c> holds out when <c>--holdout</c> is not given. Thresholds, compensation and bits
/// are then chosen on images the network never trained on (the rule: every default choice decided on held-out
/// training data), which bounds what pruning costs; a fixed threshold does not (on Fashion-MNIST −3 cost three times
/// the reference's accuracy). A twelfth of the training set, at most 5,000 images (MNIST's 60,000 → 5,000, the set every
/// automatic row of RESULTS.md was chosen on); none when that would be under 1,000 images, which measure error only in
/// steps of 0.1 points, as coarse as the default bound itself, or when the user gives thresholds.
/// </summary>
public static class DefaultHoldout
{
    /// <summary>The most images held out by default.</summary>
    public const long MaxImages = 5_000;

    /// <summary>The fewest: below this the default holds nothing out.</summary>
    public const long MinImages = 1_000;

    /// <summary>The share of the training set held out: one image in this many.</summary>
    public const long Share = 12;

    /// <summary>The smallest training set the default holds anything out of: <see cref="MinImages"/> times <see cref="Share"/>.</summary>
    public const long FewestTrainingImages = MinImages * Share;

    /// <summary>The default for a training set of <paramref name="trainingImages"/> images: a twelfth, at most 5,000, or 0 when under 1,000.</summary>
    public static long For(long trainingImages)
    {
        long count = Math.Min(MaxImages, trainingImages / Share);
        return count >= MinImages ? count : 0;
    }

    /// <summary>
    /// The images a run holds out: <paramref name="given"/> when the user gave <c>--holdout</c>; when resuming a checkpoint
    /// that recorded how many images it trained on (<paramref name="resumedExamples"/>), the rest of the
    /// <paramref name="loaded"/> set, so the run goes on with the same split (an impossible count is left to the resume's
    /// own check, which names both); none when thresholds are given; else <see cref="For"/>.
    /// </summary>
    public static long Resolve(long? given, long loaded, bool thresholdsGiven, long? resumedExamples)
    {
        if (given is long g) return g;
        if (resumedExamples is long trained) return trained < loaded && trained > 0 ? loaded - trained : 0;
        return thresholdsGiven ? 0 : For(loaded);
    }
}
