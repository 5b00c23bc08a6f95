using BayesGen.Compression;
using BayesGen.Samples.Reporting;
using BayesGen.Training;
using Spectre.Console;
using System.CommandLine;

namespace BayesGen.Samples.Commands;

/// <summary>
/// What is chosen by measurement once the thresholds are fixed, on the same training images the test set never sees:
/// first what replaces removed inputs (<see cref="CompensationChoice"/>, <c>--compensation auto</c>), then extra bits
/// where rounding costs accuracy (<see cref="BitChoice"/>, <c>--bits auto</c>). Train, compress and sweep all go
/// through here, so a setting is compressed the same way whichever command compresses it.
/// </summary>
public static class MeasuredChoices
{
    /// <summary>
    /// Training images the choice is measured on when the run held none out: enough that <see cref="HeldOutThresholds.MarginPoints"/> is
    /// ten images, few enough that a sweep point costs seconds.
    /// </summary>
    public const long TrainingSampleImages = 10_000;

    /// <summary>
    /// The images to choose on: <paramref name="heldOut"/> when the run has them (returned as is, not owned), else
    /// <see cref="TrainingSampleImages"/> of <paramref name="train"/> drawn with <paramref name="seed"/> (a new dataset the
    /// caller disposes).
    /// </summary>
    public static (ImageDataset Images, bool Owned, string Source) ImagesFor(ImageDataset train, ImageDataset? heldOut, long seed)
        => heldOut is not null
            ? (heldOut, false, "held-out")
            : (train.Sample(TrainingSampleImages, seed), true, "training");

    /// <summary>What to choose: each flag off keeps the user's setting (given means, or none; the variances' bits).</summary>
    public sealed record What(bool Compensation, bool Bits)
    {
        public bool Any => Compensation || Bits;
    }

    /// <summary>The means and extra bits to compress with, and what report.json records of each choice (null: not chosen).</summary>
    public sealed record Outcome(InputMeans? Means, IReadOnlyDictionary<string, int>? ExtraBits, CompensationChoice.Outcome? CompensationOutcome,
        CompensationChoiceReport? Compensation, BitSearch.Result? BitsOutcome, BitChoiceReport? Bits);

    /// <summary>
    /// Makes the choices <paramref name="what"/> names on <paramref name="images"/> ("held-out" or "training", for the
    /// messages and the report) and hands each printed line to <paramref name="print"/> when given.
    /// </summary>
    public static Outcome Make(BayesianNetwork model, IBatchSource images, string source, InputMeans? means, NetworkMasks masks,
        PruningThresholds thresholds, QuantizationMode mode, int extraBits, What what, Action<string>? print = null)
    {
        CompensationChoice.Outcome? compensation = null;
        if (what.Compensation && means is not null)
        {
            // With bits chosen next, the network will err like its unrounded self: choose on that, not on the variances' rounding.
            compensation = CompensationChoice.Choose(model, images, means, masks, thresholds, mode, extraBits, rounded: !what.Bits);
            print?.Invoke(CompensationChoice.Describe(compensation, images.Count, source));
            means = compensation.Chosen;
        }
        BitSearch.Result? bits = null;
        if (what.Bits)
        {
            bits = BitChoice.Choose(model, images, masks, thresholds, means, mode, extraBits);
            print?.Invoke(BitChoice.Describe(bits, images.Count, source));
        }
        return new Outcome(means, bits is { ExtraBits.Count: > 0 } ? bits.ExtraBits : null,
            compensation, compensation is null ? null : CompensationChoice.ReportOf(compensation, images.Count, source),
            bits, bits is null ? null : BitChoice.ReportOf(bits, images.Count, source));
    }

    /// <summary>What train and compress compress a run with, and what report.json records of how it was chosen.</summary>
    public sealed record ForRun(PruningThresholds Thresholds, InputMeans? Means, IReadOnlyDictionary<string, int>? ExtraBits,
        ThresholdChoiceReport? ThresholdChoice, CompensationChoiceReport? Compensation, BitChoiceReport? Bits);

    /// <summary>
    /// The choices of train and compress, printed as made: with a held-out goal, thresholds and then everything else on
    /// the held-out images (<see cref="HeldOutThresholds"/>); otherwise <paramref name="thresholds"/> as given and what
    /// <c>--compensation auto</c> and <c>--bits auto</c> ask for on the held-out images or the training sample.
    /// </summary>
    public static ForRun Decide(IAnsiConsole console, ParseResult parse, ModelOptions options, BayesianNetwork model, ImageDataset train,
        ImageDataset? heldOut, long seed, PruningThresholds thresholds, ThresholdGoal? goal, int extraBits)
    {
        var means = options.Means(parse, model, train);
        var what = options.Measured(parse);
        if (goal is not null)
        {
            var c = HeldOutThresholds.Choose(console, model, heldOut!, goal, options.MaskRules(parse), means, what, options.Mode(parse), extraBits);
            return new ForRun(c.Thresholds, c.Means, c.ExtraBits, c.Report, c.Compensation, c.Bits);
        }
        var made = MakeForRun(console, model, means, train, heldOut, seed, thresholds, options.MaskRules(parse), options.Mode(parse), extraBits, what);
        return new ForRun(thresholds, made.Means, made.ExtraBits, null, made.Compensation, made.Bits);
    }

    /// <summary>
    /// Compresses one setting (a sweep's) with what <paramref name="what"/> chooses on <paramref name="images"/>: the
    /// chosen means (none, when dropping was chosen) and extra bits, or the given means and the variances' bits when
    /// nothing is chosen.
    /// </summary>
    public static (CompressionResult Result, Outcome? Made) Compress(BayesianNetwork model, IBatchSource? images, string source, InputMeans? means,
        NetworkMasks masks, PruningThresholds thresholds, QuantizationMode mode, What what)
    {
        if (!what.Any) return (NetworkCompression.Compress(model, masks, mode, thresholds, 0, means), null);
        var made = Make(model, images ?? throw new ArgumentNullException(nameof(images), "Measured choices need images to measure on."),
            source, means, masks, thresholds, mode, 0, what);
        return (NetworkCompression.Compress(model, masks, mode, thresholds, 0, made.Means, made.ExtraBits), made);
    }

    /// <summary>
    /// For train and compress with thresholds given: chooses on the run's held-out images, else on
    /// <see cref="TrainingSampleImages"/> of its training images drawn with <paramref name="seed"/>,
    /// and prints each choice.
    /// </summary>
    public static Outcome MakeForRun(IAnsiConsole console, BayesianNetwork model, InputMeans? means, ImageDataset train, ImageDataset? heldOut,
        long seed, PruningThresholds thresholds, MaskRules rules, QuantizationMode mode, int extraBits, What what)
    {
        if (!what.Any) return new Outcome(means, null, null, null, null, null);
        var (images, owned, source) = ImagesFor(train, heldOut, seed);
        try
        {
            using var masks = model.ComputeMasks(thresholds, rules);
            return Make(model, images, source, means, masks, thresholds, mode, extraBits, what, line => console.MarkupLine(Markup.Escape(line)));
        }
        finally
        {
            if (owned) images.Dispose();
        }
    }
}
