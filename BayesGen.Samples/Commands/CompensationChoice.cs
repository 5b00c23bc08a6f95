using BayesGen.Compression;
using BayesGen.Samples.Reporting;
using BayesGen.Training;

namespace BayesGen.Samples.Commands;

/// <summary>
/// <c>--compensation auto</c> (the default): whether each layer's removed inputs are replaced by their means or dropped
/// is measured, not assumed. A mean is exact for an input that is constant (MNIST's border pixels) and a poor stand-in
/// for a hidden unit that varies once many of them go together; which of the two a layer's removed inputs are depends
/// on the data and on how much is pruned, so the pruned network itself decides, on training images the test set
/// never sees: the run's held-out images when it has them, else a fixed sample of the training images.
/// </summary>
public static class CompensationChoice
{
    /// <summary>What was chosen, and the errors behind it.</summary>
    /// <param name="Chosen">The means to compress with (null: every removed input dropped, or none removed).</param>
    /// <param name="WithMeansPct">Every layer compensated.</param>
    /// <param name="DroppedPct">Every layer dropped.</param>
    /// <param name="ChosenPct">As chosen.</param>
    /// <param name="LayersWithRemovedInputs">The layers the choice was about (none: nothing to choose, nothing measured).</param>
    /// <param name="Rounded">Whether the errors are those of the network rounded to the variances' bits (else unrounded).</param>
    public sealed record Outcome(InputMeans? Chosen, double WithMeansPct, double DroppedPct, double ChosenPct, IReadOnlyList<string> LayersWithRemovedInputs,
        bool Rounded = true)
    {
        /// <summary>"mean", "none" or "mean except" some layers.</summary>
        public string Summary => Chosen?.Summary ?? "none";
    }

    /// <summary>
    /// Chooses on <paramref name="images"/> with the compressed network: first all layers one way or the other (the lower
    /// error; dropping on a tie, the paper's way), then each layer with removed inputs switched the other way when that
    /// lowers the error by at least <see cref="HeldOutThresholds.MarginPoints"/> (a gain of
    /// one or two images follows the draw of the images, not the network). With <paramref name="rounded"/> the network is measured
    /// quantised, as deployed with the variances' bits; without, unrounded, which is what it will err like once bits are
    /// chosen after this (<c>--bits auto</c> adds them until rounding costs at most the margin), and a layer rounded to one
    /// bit no longer decides the choice with the noise of its rounding.
    /// </summary>
    public static Outcome Choose(BayesianNetwork model, IBatchSource images, InputMeans means, NetworkMasks masks,
        PruningThresholds thresholds, QuantizationMode mode, int extraBits, bool rounded = true)
    {
        var withRemovedInputs = masks.Layers.Where(l => l.Masks.KeptInputIndices().LongLength < model.Layer(l.Name).InputUnits).Select(l => l.Name).ToArray();
        if (withRemovedInputs.Length == 0) return new Outcome(null, double.NaN, double.NaN, double.NaN, [], rounded);
        double ErrorPct(InputMeans m)
            => CompressionStep.ErrorPercent(model, masks, NetworkCompression.Compress(model, masks, mode, thresholds, extraBits, m), quantized: rounded, images);
        var allDropped = means.Dropping(withRemovedInputs);
        double withMeans = ErrorPct(means), dropped = ErrorPct(allDropped);
        var (current, error) = withMeans < dropped ? (means, withMeans) : (allDropped, dropped);
        foreach (var layer in withRemovedInputs)
        {
            var switched = current.Compensates(layer) ? current.Dropping([layer]) : current.Compensating([layer]);
            double e = ErrorPct(switched);
            if (e <= error - HeldOutThresholds.MarginPoints) (current, error) = (switched, e);
        }
        bool noneCompensated = withRemovedInputs.All(l => !current.Compensates(l));
        return new Outcome(noneCompensated ? null : current, withMeans, dropped, error, withRemovedInputs, rounded);
    }

    /// <summary>One line: what was chosen, on which images, and the errors that decided it.</summary>
    public static string Describe(Outcome outcome, long images, string source)
        => outcome.LayersWithRemovedInputs.Count == 0
            ? "removed inputs: none removed, nothing to compensate"
            : $"removed inputs: compensation {outcome.Summary}, chosen on {images:N0} {source} images (error of the {(outcome.Rounded ? "compressed network" : "pruned network, unrounded,")} there " +
              $"{outcome.WithMeansPct:F2} % all compensated, {outcome.DroppedPct:F2} % all dropped, {outcome.ChosenPct:F2} % as chosen)";

    /// <summary>The choice as report.json records it.</summary>
    public static CompensationChoiceReport ReportOf(Outcome outcome, long images, string source)
        => outcome.LayersWithRemovedInputs.Count == 0
            ? new CompensationChoiceReport(source, images, outcome.Summary, null, null, null) { Rounded = outcome.Rounded }
            : new CompensationChoiceReport(source, images, outcome.Summary, outcome.WithMeansPct, outcome.DroppedPct, outcome.ChosenPct) { Rounded = outcome.Rounded };
}
