using BayesGen.Compression;
using BayesGen.Samples.Reporting;
using BayesGen.Training;
using Spectre.Console;

namespace BayesGen.Samples.Commands;

/// <summary>
/// <c>--max-error-increase</c> and <c>--target-error</c>: every layer's threshold chosen on held-out training images (never
/// the test set) as the most pruning whose error stays within the given points of the unpruned network's, or under the
/// given error (<see cref="ThresholdSearch"/>). The error searched is that of the pruned network with unrounded weights;
/// quantisation comes after, as always.
/// </summary>
public static class HeldOutThresholds
{
    /// <summary>
    /// Searches the thresholds of <paramref name="model"/> with <paramref name="heldOut"/> as the guard. Each candidate is
    /// measured as it would be compressed, before rounding: removed inputs compensated by <paramref name="means"/> when
    /// given (a horseshoe's removed groups still carry their mean contribution, and dropping it would make every
    /// removal look costly), dropped otherwise.
    /// </summary>
    /// <remarks>
    /// The search names candidates by their thresholds; the error is a property of the network they leave. Where layers
    /// share channels (a residual stream that any writer keeps), a layer's vote to remove a channel another writer keeps
    /// changes nothing, and every candidate that differs from a measured one only by such votes is the same network: its
    /// error is looked up, not measured again (<see cref="NetworkKey"/>). <see cref="Searched.NetworksMeasured"/> counts
    /// the passes over the held-out images.
    /// </remarks>
    public static Searched Choose(BayesianNetwork model, ImageDataset heldOut, ThresholdGoal goal, MaskRules rules, InputMeans? means = null,
        Action<ThresholdSearch.Progress>? onMove = null)
    {
        var layers = new List<ThresholdSearch.LayerStatistic>();
        foreach (var (name, layer) in model.BayesianLayers)
            layers.Add(new ThresholdSearch.LayerStatistic(name, layer.Scale.PruningStatisticValues(), layer.Scale.Direction,
                GroupCosts.Gain(model, name, goal.Objective)));
        var keepAll = ThresholdSearch.KeepingEverything(layers);
        var keptCost = goal.NetworkGain ? KeptCost(model, rules, goal.Objective) : null;
        long checkCount = CheckImages(heldOut.Count, goal.CheckShare);
        if (checkCount == 0)
        {
            var alone = new ErrorOn(model, heldOut, rules, means, goal, keepAll);
            RequireReachableTarget(alone, keepAll, goal);
            var result = Search(layers, alone.JudgedPct, goal, onMove, keptCost);
            return new Searched(result, alone.Measured, heldOut.Count, alone.ErrorPct(result.Thresholds()), alone.ErrorPct(keepAll));
        }
        var (searchImages, checkImages) = heldOut.SplitOff(checkCount, CheckSeed);
        using (searchImages)
        using (checkImages)
        {
            var onSearch = new ErrorOn(model, searchImages, rules, means, goal, keepAll);
            RequireReachableTarget(onSearch, keepAll, goal);
            var search = Search(layers, onSearch.JudgedPct, goal, onMove, keptCost);
            var onCheck = new ErrorOn(model, checkImages, rules, means, goal, keepAll);
            var check = goal.MaxIncrease is double increase
                ? SearchCheck.WithinErrorIncrease(search, onCheck.JudgedPct, increase)
                : SearchCheck.WithinError(search, onCheck.JudgedPct, goal.TargetPct!.Value);
            return new Searched(search, onSearch.Measured, searchImages.Count, onSearch.ErrorPct(search.Thresholds()), onSearch.ErrorPct(keepAll))
            {
                Check = check, CheckImages = checkImages.Count, CheckErrorPct = onCheck.ErrorPct(check.Thresholds()),
            };
        }
    }

    /// <summary>What the network a set of thresholds leaves still holds under the goal's objective, through the masks they propagate.</summary>
    private static Func<PruningThresholds, long> KeptCost(BayesianNetwork model, MaskRules rules, PruningObjective objective) => thresholds =>
    {
        using var masks = model.ComputeMasks(thresholds, rules);
        return GroupCosts.Kept(model, masks, objective);
    };

    /// <summary>
    /// Refuses a target the unpruned network already misses once the noise margin is added, naming both its measured and
    /// its judged error (the search itself sees only the judged one).
    /// </summary>
    private static void RequireReachableTarget(ErrorOn on, PruningThresholds keepAll, ThresholdGoal goal)
    {
        if (goal.TargetPct is not double target || goal.NoiseMargin == 0) return;
        double measured = on.ErrorPct(keepAll), judged = on.JudgedPct(keepAll);
        if (judged > target && measured <= target)
            throw new ArgumentException($"The unpruned network errs on {measured:F2} % of the held-out images, {judged:F2} % judged with --noise-margin {goal.NoiseMargin:G3} " +
                                        $"(its measured error plus {goal.NoiseMargin:G3} standard errors), above the target of {target:G4} %: nothing can be pruned within it. " +
                                        "Aim higher, give a smaller --noise-margin, hold out more images (--holdout N), or train longer.");
    }

    private static ThresholdSearch.Result Search(List<ThresholdSearch.LayerStatistic> layers, Func<PruningThresholds, double> errorPct, ThresholdGoal goal,
        Action<ThresholdSearch.Progress>? onMove, Func<PruningThresholds, long>? keptCost)
        => goal.MaxIncrease is double increase
            ? ThresholdSearch.WithinErrorIncrease(layers, errorPct, increase, onMove, keptCost)
            : ThresholdSearch.WithinError(layers, errorPct, goal.TargetPct!.Value, onMove, keptCost);

    /// <summary>
    /// The seed that splits the held-out images into the search's and the check's. Fixed, so that a run compressed again
    /// checks on the same images; the held-out images themselves are drawn with the run's seed.
    /// </summary>
    public const long CheckSeed = 20171204;

    /// <summary>
    /// How many of <paramref name="heldOut"/> images the check keeps apart at <paramref name="share"/> (0: none). Each side
    /// keeps at least one image; a share that leaves either side empty is refused.
    /// </summary>
    public static long CheckImages(long heldOut, double share)
    {
        if (!(share >= 0 && share < 1)) throw new ArgumentOutOfRangeException(nameof(share), share, "The check's share of the held-out images must lie in [0, 1).");
        if (share == 0) return 0;
        long count = (long)Math.Round(heldOut * share, MidpointRounding.AwayFromZero);
        return count >= 1 && count < heldOut ? count
            : throw new ArgumentException($"--check-share {share:G4} of {heldOut:N0} held-out images leaves {(count < 1 ? "the check" : "the search")} no image; hold out more images (--holdout) or give --check-share 0.");
    }

    /// <summary>
    /// The error of each candidate's network on one set of images, measured as it would be compressed (before rounding),
    /// once per distinct network (<see cref="NetworkKey"/>), and the error the bound judges: the measured one plus
    /// <see cref="ThresholdGoal.NoiseMargin"/> standard errors, of the rise from <paramref name="keepAll"/>'s network on the
    /// same images for an increase goal (<see cref="PairedErrors"/>), of the error itself for a target.
    /// </summary>
    private sealed class ErrorOn(BayesianNetwork model, ImageDataset images, MaskRules rules, InputMeans? means, ThresholdGoal goal,
        PruningThresholds keepAll)
    {
        private readonly Dictionary<string, (double Pct, bool[]? Mistakes)> measured = new(StringComparer.Ordinal);
        private bool[]? unpruned;

        /// <summary>How many distinct networks were measured.</summary>
        public int Measured => measured.Count;

        /// <summary>The measured error of the network <paramref name="thresholds"/> leave.</summary>
        public double ErrorPct(PruningThresholds thresholds) => Get(thresholds).Pct;

        /// <summary>The error the bound judges (the measured one when the margin is 0).</summary>
        public double JudgedPct(PruningThresholds thresholds)
        {
            var (pct, mistakes) = Get(thresholds);
            if (goal.NoiseMargin == 0 || mistakes is null) return pct;
            return goal.MaxIncrease is not null
                ? PairedErrors.JudgedForRise(unpruned ??= Get(keepAll).Mistakes ?? throw new InvalidOperationException("The unpruned network could not be measured."),
                    mistakes, goal.NoiseMargin)
                : PairedErrors.JudgedForTarget(mistakes, goal.NoiseMargin);
        }

        private (double Pct, bool[]? Mistakes) Get(PruningThresholds thresholds)
        {
            using var masks = model.ComputeMasks(thresholds, rules);
            var key = NetworkKey(masks);
            if (measured.TryGetValue(key, out var known)) return known;
            return measured[key] = Measure(masks, thresholds);
        }

        private (double, bool[]?) Measure(NetworkMasks masks, PruningThresholds thresholds)
        {
            CompressionResult result;
            try { result = NetworkCompression.Compress(model, masks, QuantizationMode.LayerScaled, thresholds, 0, means); }
            catch (InvalidOperationException) { return (double.PositiveInfinity, null); }   // a layer would keep no unit
            var mistakes = CompressionStep.Mistakes(model, masks, result, quantized: false, images)
                ?? throw new InvalidOperationException("The held-out images' targets are not class indices, so no error can be measured on them.");
            return mistakes.Length == 0 ? (0, null) : (PairedErrors.ErrorPct(mistakes), mistakes);
        }
    }

    /// <summary>
    /// A search's answer, how many distinct networks it measured (at most its evaluations) and on how many images, and the
    /// measured errors of its answer and of the unpruned network there (<see cref="ThresholdSearch.Result"/> holds what the
    /// bound judged: larger by the noise margin, <see cref="ThresholdGoal.NoiseMargin"/>); with a check
    /// (<see cref="ThresholdGoal.CheckShare"/>), the step of its path the check images kept and how many they were.
    /// </summary>
    public sealed record Searched(ThresholdSearch.Result Result, int NetworksMeasured, long SearchImages, double ErrorPct, double UnprunedErrorPct)
    {
        public SearchCheck.Checked? Check { get; init; }
        public long CheckImages { get; init; }

        /// <summary>The check's kept step's measured error on the check images (NaN without a check).</summary>
        public double CheckErrorPct { get; init; } = double.NaN;

        /// <summary>The chosen layers: the check's step where there is a check, else the search's answer.</summary>
        public IReadOnlyList<ThresholdSearch.LayerChoice> Layers => Check?.Layers ?? Result.Layers;

        /// <summary>The chosen thresholds, ready for compression.</summary>
        public PruningThresholds Thresholds() => ThresholdSearch.ThresholdsOf(Layers);
    }

    /// <summary>
    /// The network <paramref name="masks"/> leave, as text: every layer's kept inputs and outputs and every normalisation's
    /// kept channels, in order. Compression reads nothing else of the masks, so two mask sets with the same key compress
    /// to the same network and err the same on the same images.
    /// </summary>
    public static string NetworkKey(NetworkMasks masks)
    {
        ArgumentNullException.ThrowIfNull(masks);
        var key = new System.Text.StringBuilder();
        static void Append(System.Text.StringBuilder to, IEnumerable<bool> kept) { foreach (var k in kept) to.Append(k ? '1' : '0'); }
        foreach (var (name, layer) in masks.Layers)
        {
            key.Append(name).Append(':');
            Append(key, layer.Input.data<bool>());   // LayerMasks holds booleans on the CPU
            key.Append('/');
            Append(key, layer.Output.data<bool>());
            key.Append(';');
        }
        foreach (var (name, kept) in masks.Norms.OrderBy(n => n.Key, StringComparer.Ordinal))
        {
            key.Append(name).Append(':');
            Append(key, kept);
            key.Append(';');
        }
        return key.ToString();
    }

    /// <summary>How often a search says where it stands: a network whose search takes minutes shows it is moving, a quick one says nothing.</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A progress line for the search at most every <paramref name="interval"/>: the evaluations so far, the held-out error
    /// of the thresholds it holds, and the groups each layer keeps.
    /// </summary>
    /// <remarks>With a noise margin (<paramref name="judged"/>) the error the search holds is the judged one, and the line says so.</remarks>
    public static Action<ThresholdSearch.Progress> ProgressPrinter(Action<string> print, TimeSpan interval, bool judged = false)
    {
        var error = judged ? "held-out error as judged (--noise-margin)" : "held-out error";
        var since = System.Diagnostics.Stopwatch.StartNew();
        return p =>
        {
            if (since.Elapsed < interval) return;
            since.Restart();
            print($"searching: {p.Evaluations} evaluations, {error} {p.ErrorPct:F2} % (bound {p.BoundPct:F2} %), kept {string.Join("-", p.KeptGroups)}");
        };
    }

    /// <summary>
    /// The smallest held-out difference acted on, in points: 0.1 is five images of 5,000. Rounding may cost this much
    /// before bits are added (<see cref="BitSearch"/>), and switching one layer's compensation must gain at least this
    /// much: one or two images either way are what another draw of held-out images changes, so a choice made on them
    /// follows noise (without the margin, per-layer switches on LeNet-300-100 gained one or two held-out images and
    /// raised the test error as often as they lowered it).
    /// </summary>
    public const double MarginPoints = 0.1;

    /// <summary>
    /// One standard error, in points, of an error rate of <paramref name="errorPct"/> % measured on <paramref name="images"/>
    /// images (the binomial √(p(1 − p)/n)): how finely the held-out images tell errors apart. A search that keeps the most
    /// pruned of many networks whose measured error passes the bound picks up this noise, so the chosen network's error
    /// on new data tends to rise more than the bound (RESULTS.md, "Longer at K = 10").
    /// </summary>
    public static double StandardErrorPoints(double errorPct, long images)
    {
        if (images <= 0) throw new ArgumentOutOfRangeException(nameof(images), images, "An error rate needs at least one image.");
        double p = Math.Clamp(errorPct / 100, 0, 1);
        return 100 * Math.Sqrt(p * (1 - p) / images);
    }

    /// <summary>
    /// The warning printed when the held-out images measure the unpruned error (one standard error,
    /// <paramref name="standardErrorPoints"/>) more than twice as coarsely as the error the goal allows
    /// (<paramref name="allowedPoints"/>), else null. There the search's pick among many candidates follows the noise:
    /// LeNet-5 on Fashion-MNIST (±0.42 points against a bound of 0.1) lost 0.77 test points (RESULTS.md, "Held-out
    /// thresholds by default"), where LeNet-5 on MNIST (±0.15) lost 1.7 times its bound on average.
    /// </summary>
    public static string? CoarseMeasureWarning(double standardErrorPoints, double allowedPoints)
        => standardErrorPoints > 2 * allowedPoints
            ? $"note: these images measure the error to ±{standardErrorPoints:F2} points, more than twice the {allowedPoints:F2} allowed, so on new data " +
              "the chosen network may lose several times that; hold out more images (--holdout N) where the training set allows, or read the bound as an aim, not a guarantee."
            : null;

    /// <summary>
    /// Each layer's groups kept once the masks are propagated (a channel several layers write stays while another writer
    /// keeps it under <see cref="CouplingRule.AnyWriterKeeps"/>): what the deployment keeps, beside each layer's own vote.
    /// </summary>
    public static Dictionary<string, long> KeptAfterCoupling(BayesianNetwork model, NetworkMasks masks)
        => masks.Layers.ToDictionary(l => l.Name, l => model.Layer(l.Name).Layout == BayesGen.Priors.GroupLayout.Columns
            ? l.Masks.KeptInputIndices().LongLength : l.Masks.KeptOutputIndices().LongLength, StringComparer.Ordinal);

    /// <summary>What was chosen per layer, and why.</summary>
    public static void Print(IAnsiConsole console, Searched searched, ThresholdGoal goal, long heldOutImages,
        IReadOnlyDictionary<string, long>? keptAfterCoupling = null)
    {
        var result = searched.Result;
        var measured = searched.NetworksMeasured < result.Evaluations ? $", {searched.NetworksMeasured} distinct networks measured" : "";
        double unprunedPct = searched.UnprunedErrorPct;
        var aim = goal.MaxIncrease is double d
            ? $"within {d:G4} points of the unpruned {result.BaseErrorPct:F2} % (≤ {result.BoundPct:F2} %)"
            : $"at or below {result.BoundPct:G4} % (unpruned: {unprunedPct:F2} %)";
        var most = goal.Objective == PruningObjective.Speed ? "the most multiply-adds removed (--prune-for speed)" : "the most pruning";
        double standardError = StandardErrorPoints(unprunedPct, searched.SearchImages);
        var asked = goal.IsDefault ? " (by default; --threshold, or --holdout 0 when training, fixes them)" : "";
        var searchedOn = searched.Check is null ? $"{heldOutImages:N0} held-out training images"
            : $"{searched.SearchImages:N0} of {heldOutImages:N0} held-out training images";
        var judged = goal.NoiseMargin > 0 ? $"{aim}, judged at {goal.NoiseMargin:G3} standard error{(goal.NoiseMargin == 1 ? "" : "s")} above its measured value (--noise-margin)" : aim;
        var judgedAt = goal.NoiseMargin > 0 ? $", judged {result.ErrorPct:F2} %" : "";
        console.MarkupLine($"thresholds chosen on {searchedOn}{asked}: {most} whose error stays {judged}; " +
                           $"it errs on {searched.ErrorPct:F2} % there{judgedAt} ({result.Evaluations} evaluations{measured}; these images measure the unpruned " +
                           $"{unprunedPct:F2} % to ±{standardError:F2} points, one standard error)");
        if (searched.Check is { } check) console.MarkupLine("  " + Markup.Escape(CheckLine(check, searched.CheckImages, goal, searched.CheckErrorPct)));
        // The note is about the choice as a whole, which a check makes on every held-out image: it is measured on all of them.
        double wholeError = searched.Check is null ? standardError : StandardErrorPoints(unprunedPct, heldOutImages);
        if (CoarseMeasureWarning(wholeError, Math.Max(0, result.BoundPct - unprunedPct)) is { } warning)
            console.MarkupLine($"  [yellow]{Markup.Escape(warning)}[/]");
        foreach (var l in searched.Layers)
        {
            var coupled = keptAfterCoupling is not null && keptAfterCoupling.TryGetValue(l.Layer, out var k) && k != l.KeptGroups
                ? $" ({k} kept: {(k > l.KeptGroups ? "other layers writing the same channels keep the rest" : "layers it is joined to remove the rest")})" : "";
            console.MarkupLine($"  {Markup.Escape(l.Layer)}: threshold {l.Threshold:G4} keeps {l.KeptGroups} of {l.Groups} groups{coupled}");
        }
    }

    /// <summary>What the check images said of the search's answer, as one line.</summary>
    public static string CheckLine(SearchCheck.Checked check, long checkImages, ThresholdGoal goal, double measuredPct)
    {
        var errs = measuredPct == check.ErrorPct ? $"{check.ErrorPct:F2} %" : $"{measuredPct:F2} % (judged {check.ErrorPct:F2} %)";
        var bound = goal.MaxIncrease is double d ? $"{check.BoundPct:F2} %, the unpruned {check.BaseErrorPct:F2} % + {d:G4}" : $"{check.BoundPct:G4} %";
        var verdict = check.StepsBack == 0 ? "kept the search's answer"
            : !check.WithinBound ? $"found no step of the search within the bound there and kept every group ({check.ErrorPct:F2} %)"
            : $"walked back {check.StepsBack} of the search's {check.Search.Path.Count - 1} moves to the most pruned step within the bound there";
        return $"checked on the other {checkImages:N0} (the search never saw them; bound {bound}): the choice errs on " +
               $"{errs} there; the check {verdict} " +
               $"(--check-share {goal.CheckShare:G4}; 0 turns the check off)";
    }

    /// <summary>The choice as the report records it.</summary>
    public static ThresholdChoiceReport Report(Searched searched, ThresholdGoal goal, long heldOutImages)
    {
        var result = searched.Result;
        double unprunedPct = searched.UnprunedErrorPct;
        return new(goal.MaxIncrease, heldOutImages, unprunedPct, result.BoundPct, searched.ErrorPct, result.Evaluations,
            searched.Layers.Select(l => new ThresholdChoiceLayer(l.Layer, l.Threshold, l.KeptGroups, l.Groups)).ToArray())
        {
            NetworksMeasured = searched.NetworksMeasured,
            TargetErrorPct = goal.TargetPct,
            StandardErrorPoints = Math.Round(StandardErrorPoints(unprunedPct, searched.SearchImages), 4),
            SearchImages = searched.Check is null ? null : searched.SearchImages,
            Check = searched.Check is { } c ? new ThresholdCheckReport(searched.CheckImages, c.BaseErrorPct, c.BoundPct, searched.CheckErrorPct,
                c.Search.Path.Count - 1, c.StepsBack, c.WithinBound) : null,
            PruneFor = goal.Objective == PruningObjective.Speed ? "speed" : "size",
            SearchGain = goal.NetworkGain ? "network" : "group",
            ByDefault = goal.IsDefault ? true : null,
            NoiseMargin = goal.NoiseMargin > 0 ? goal.NoiseMargin : null,
            JudgedErrorPct = goal.NoiseMargin > 0 ? Math.Round(result.ErrorPct, 4) : null,
        };
    }

    /// <summary>What the held-out images chose: thresholds, the input means to compress with, extra bits per layer, and the report entry.</summary>
    public sealed record Choice(PruningThresholds Thresholds, InputMeans? Means, IReadOnlyDictionary<string, int>? ExtraBits, ThresholdChoiceReport Report,
        CompensationChoiceReport? Compensation, BitChoiceReport? Bits);

    /// <summary>
    /// Chooses thresholds, then what <paramref name="what"/> names (compensation, extra bits where rounding costs
    /// accuracy: <see cref="MeasuredChoices"/>), all on the held-out images, and prints each choice.
    /// </summary>
    public static Choice Choose(IAnsiConsole console, BayesianNetwork model, ImageDataset heldOut, ThresholdGoal goal, MaskRules rules,
        InputMeans? means, MeasuredChoices.What what, QuantizationMode mode, int extraBits)
    {
        void Say(string line) => console.MarkupLine("  " + Markup.Escape(line));
        var searched = Choose(model, heldOut, goal, rules, means, ProgressPrinter(Say, ProgressInterval, judged: goal.NoiseMargin > 0));
        var thresholds = searched.Thresholds();
        using var masks = model.ComputeMasks(thresholds, rules);   // what every later choice and the print are about
        Print(console, searched, goal, heldOut.Count, KeptAfterCoupling(model, masks));
        var report = Report(searched, goal, heldOut.Count);
        var made = MeasuredChoices.Make(model, heldOut, "held-out", means, masks, thresholds, mode, extraBits, what, Say);
        if (made.CompensationOutcome is { LayersWithRemovedInputs.Count: > 0 } c)
            report = report with { Compensation = c.Summary, CompensatedErrorPct = c.WithMeansPct, DroppedErrorPct = c.DroppedPct, ChosenCompensationErrorPct = c.ChosenPct };
        if (made.BitsOutcome is { } bits)
            report = report with
            {
                ExtraBits = made.ExtraBits,
                RoundedErrorPct = bits.StartPct,
                RoundingTargetPct = bits.TargetPct,
                RoundedWithExtraBitsErrorPct = bits.ErrorPct,
            };
        return new Choice(thresholds, made.Means, made.ExtraBits, report, made.Compensation, made.Bits);
    }

    /// <summary>The error for a held-out goal on a run that trained on every training image.</summary>
    public static ArgumentException NothingHeldOut(ThresholdGoal goal)
        => new($"{goal.Option} chooses thresholds on held-out training images, and this run trained on every training image. " +
               "Train it again with --holdout N (for example --holdout 5000), or give thresholds with --threshold.");

    /// <summary>
    /// The held-out images of a run trained with <c>--holdout</c>: split again from <paramref name="train"/> (the training
    /// set the command loaded) with the run's seed; the first image set is what the run trained on.
    /// </summary>
    public static (ImageDataset Remaining, ImageDataset HeldOut) Rebuild(RunReport report, ImageDataset train)
    {
        if (report.Holdout is not > 0) throw new ArgumentException("This run trained on every training image: there are no held-out images to rebuild.");
        if (train.Count != report.Dataset.Train + report.Holdout)
            throw new ArgumentException($"The run held out {report.Holdout:N0} of {report.Dataset.Train + report.Holdout:N0} training images, but {train.Count:N0} were loaded; " +
                                        "load the same data (the same --dataset, --data and --train-subset as the run).");
        return train.SplitOff(report.Holdout.Value, report.Seed);
    }
}
