using System.Text.Json;
using System.Text.Json.Serialization;
using BayesGen.Compression;

namespace BayesGen.Samples.Reporting;

/// <summary>
/// The <c>report.json</c> a training run writes (snake_case keys; later versions add keys, never rename them).
/// </summary>
public sealed record RunReport
{
    public required string Model { get; init; }
    public required string Prior { get; init; }
    public required int Epochs { get; init; }
    public required long Seed { get; init; }
    public required DatasetInfoReport Dataset { get; init; }
    /// <summary>Test error of the posterior-mean network before pruning, in percent.</summary>
    public required double TestErrorPct { get; init; }
    public required double TrainSeconds { get; init; }
    public required double TrainSamplesPerSecond { get; init; }
    public required IReadOnlyList<LayerReport> Layers { get; init; }
    public required double KeptWeightPct { get; init; }
    public required int ExponentBits { get; init; }
    public required double CompressionPruning { get; init; }
    /// <summary>CR with each kept weight costing its layer's total bits (the paper's accounting).</summary>
    public required double CompressionPrecision { get; init; }
    /// <summary>CR with each kept weight costing 1 + e + s_l bits (the tutorial's accounting).</summary>
    public required double CompressionPrecisionTutorial { get; init; }
    /// <summary>Test error of the pruned and quantised network, in percent.</summary>
    public required double CompressedTestErrorPct { get; init; }
    /// <summary>Test error of the pruned network with unrounded weights, in percent.</summary>
    public double? PrunedTestErrorPct { get; init; }
    public string? Quantization { get; init; }
    /// <summary>Bits added to every layer's significand bits beyond the posterior's choice.</summary>
    public int? ExtraSignificandBits { get; init; }
    /// <summary>How channels several layers write were decided ("any-keeps", "any-removes"; null in older reports).</summary>
    public string? Coupling { get; init; }
    /// <summary>The multiple kept channel counts were rounded up to (null or 1: none).</summary>
    public int? RoundChannels { get; init; }
    /// <summary>What replaces a removed input: "mean" (its mean contribution folded into the bias) or "none" (dropped, as in the paper).</summary>
    public string? Compensation { get; init; }
    public double? KLWarmupEpochs { get; init; }
    /// <summary>The log-variances' multiple of the learning rate (<c>--logvar-lr-scale</c>); null in older reports, whose runs used 1.</summary>
    public double? LogvarLrScale { get; init; }
    /// <summary>The last epochs trained at a dropped learning rate (<c>--lr-drop-epochs</c>); null when the rate was constant.</summary>
    public int? LrDropEpochs { get; init; }
    /// <summary>The dropped rate's multiple of <c>--lr</c> (<c>--lr-drop-factor</c>); null when the rate was constant.</summary>
    public double? LrDropFactor { get; init; }
    /// <summary>What the default schedule set where <c>--logvar-lr-scale</c> or <c>--lr-drop-epochs</c> was left out, and why; null when both were given, and in older reports.</summary>
    public string? ScheduleByDefault { get; init; }
    public int? PretrainEpochs { get; init; }
    /// <summary>Size of the compressed artifact file in bytes (null when the network has no compressed model).</summary>
    public long? ArtifactBytes { get; init; }
    /// <summary>Size of the original weights as float32 (biases excluded, as in the compression rates).</summary>
    public long? DenseBytes { get; init; }
    /// <summary>The layers' multiply-adds per example before pruning (null in older reports).</summary>
    public long? DenseMultiplyAdds { get; init; }
    /// <summary>The deployed layers' multiply-adds per example (null in older reports).</summary>
    public long? KeptMultiplyAdds { get; init; }
    public IReadOnlyList<EpochReport>? History { get; init; }
    /// <summary>Training images held out from training (<c>--holdout</c>), chosen with the run's seed; null or 0 for none.</summary>
    public long? Holdout { get; init; }
    /// <summary>The PyTorch state dict the posterior was imported from (<c>bayesgen import</c>); null for a run BayesGen trained.</summary>
    public string? ImportedFrom { get; init; }
    /// <summary>How <c>--max-error-increase</c> chose the thresholds, when it did.</summary>
    public ThresholdChoiceReport? ThresholdChoice { get; init; }
    /// <summary>How <c>--compensation auto</c> chose what replaces removed inputs, when it did.</summary>
    public CompensationChoiceReport? CompensationChoice { get; init; }
    /// <summary>How <c>--bits auto</c> chose extra significand bits, when it did.</summary>
    public BitChoiceReport? BitChoice { get; init; }
    /// <summary>Whether the run clipped bias variances with the weights' (<c>--clip-biases</c>, the default since 2026-11-29); null in older reports, whose runs did not.</summary>
    public bool? ClipBiases { get; init; }
    /// <summary>The horseshoe's settings (τ0, how it enters, the initialisation) for a horseshoe run; null otherwise and in older reports.</summary>
    public HorseshoeReport? Horseshoe { get; init; }

    /// <summary>The JSON options the report is written and read with.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes the report as indented JSON, atomically.</summary>
    public void Save(string path) => IO.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions));

    /// <summary>Reads a report; a file that is not one is refused with its path and the reason.</summary>
    /// <exception cref="InvalidDataException">Not a run report (malformed JSON, missing or mistyped fields, too large).</exception>
    public static RunReport Load(string path)
    {
        try
        {
            using var stream = IO.InputFiles.Open(path, 2, 64L << 20, "a run report");
            return JsonSerializer.Deserialize<RunReport>(stream, JsonOptions) ?? throw new InvalidDataException("it holds null, not a report.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a valid run report ({e.Message}); train the run again, or restore the file.", e);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>The per-layer part of the report from a compression result, with each layer's group statistics where given.</summary>
    public static IReadOnlyList<LayerReport> LayersOf(CompressionResult result, IReadOnlyDictionary<string, GroupStatistics>? statistics = null)
        => result.Layers.Select(l =>
        {
            var layer = new LayerReport(l.Name, l.Kind.ToString(), l.Groups, l.KeptGroups, l.TotalWeights, l.KeptWeights,
                l.SignificandBits, l.TotalBits, l.Threshold);
            return statistics?.GetValueOrDefault(l.Name) is { } g
                ? layer with { Statistic = g.Name, PrunedAbove = g.PrunedAbove, GroupStatistics = g.Rounded() }
                : layer;
        }).ToArray();
}

/// <summary>Which data a run used.</summary>
public sealed record DatasetInfoReport(string Name, long Train, long Test)
{
    /// <summary>SHA-256 of each file's uncompressed content, by file name.</summary>
    public IReadOnlyDictionary<string, string>? Files { get; init; }

    /// <summary>How the files differ from the published data set, when such files were accepted; null when they are the published ones.</summary>
    public IReadOnlyList<string>? Modified { get; init; }
}

/// <summary>A horseshoe run's prior settings: τ0, how it enters ("Published" or "Exact"), and how the posteriors started.</summary>
public sealed record HorseshoeReport(double Tau0, string GlobalScale, string Initialization)
{
    /// <summary>The settings of <paramref name="model"/>'s first horseshoe layer (the command line sets every layer alike), or null without one.</summary>
    public static HorseshoeReport? Of(BayesianNetwork model)
        => model.BayesianLayers.Select(l => l.Layer.Scale).OfType<Layers.HorseshoeScale>().FirstOrDefault() is { } h
            ? new HorseshoeReport(h.Tau0, h.GlobalScale.ToString(), h.Initialization.ToString())
            : null;
}

/// <summary>One layer in the report.</summary>
public sealed record LayerReport(string Name, string Kind, long Groups, long KeptGroups, long Weights, long KeptWeights,
    int SignificandBits, int TotalBits, double Threshold)
{
    /// <summary>The pruning statistic's name ("log α", "E[log z]"); null in older reports.</summary>
    public string? Statistic { get; init; }
    /// <summary>Whether groups whose statistic lies above the threshold are removed (log α) rather than below (E[log z]); null in older reports.</summary>
    public bool? PrunedAbove { get; init; }
    /// <summary>
    /// The statistic of every group, in the layer's group order (input features of a Linear layer, filters of a
    /// convolution), rounded to 4 decimals: the exact values a histogram bins, for choosing a threshold by hand
    /// (<c>compress --threshold</c>); null in older reports.
    /// </summary>
    public IReadOnlyList<double>? GroupStatistics { get; init; }
}

/// <summary>One epoch in the report's history.</summary>
public sealed record EpochReport(int Epoch, double Loss, double CrossEntropy, double KL, double TestErrorPct, IReadOnlyList<long> KeptGroups, double Seconds);

/// <summary>Thresholds chosen on held-out training images: the bound, the errors there, and each layer's choice.</summary>
public sealed record ThresholdChoiceReport(double? MaxErrorIncrease, long HeldOutImages, double BaseErrorPct, double BoundPct, double ErrorPct,
    int Evaluations, IReadOnlyList<ThresholdChoiceLayer> Layers)
{
    /// <summary>The error the choice stayed under (<c>--target-error</c>), when that was the goal instead of an increase.</summary>
    public double? TargetErrorPct { get; init; }
    /// <summary>One standard error of the unpruned held-out error, in points: how finely the held-out images measure (null in older reports).</summary>
    public double? StandardErrorPoints { get; init; }
    /// <summary>
    /// How many distinct networks the search measured on the held-out images: fewer than <c>Evaluations</c> where a
    /// candidate leaves a network already measured (a vote coupling overrules); null in older reports.
    /// </summary>
    public int? NetworksMeasured { get; init; }
    /// <summary>What the search removed first: "size" (weights) or "speed" (multiply-adds); null in older reports (size).</summary>
    public string? PruneFor { get; init; }
    /// <summary>How the search counted what a move saves: "network" (what the whole network shed) or "group" (the removed groups' own weights); null in older reports (group).</summary>
    public string? SearchGain { get; init; }
    /// <summary>True when nobody asked for the search: the default of a run with held-out images and no --threshold (null: it was asked for, or an older report).</summary>
    public bool? ByDefault { get; init; }
    /// <summary>The standard errors added to each candidate before the bound judged it (<c>--noise-margin</c>); null: none (the measured value alone).</summary>
    public double? NoiseMargin { get; init; }
    /// <summary>With a noise margin, the answer's error as the bound judged it: <c>ErrorPct</c> (measured) plus the margin; null without one.</summary>
    public double? JudgedErrorPct { get; init; }
    /// <summary>How many of the held-out images the search measured on when a share was kept apart to check it (null: it searched on all).</summary>
    public long? SearchImages { get; init; }
    /// <summary>The check of the search's answer on held-out images it never saw (<c>--check-share</c>); null without one. <c>Layers</c> is what it kept.</summary>
    public ThresholdCheckReport? Check { get; init; }
    /// <summary>"mean", "none" or "mean except" some layers, when compensation was chosen on the held-out images too (null: the user chose it).</summary>
    public string? Compensation { get; init; }
    /// <summary>Held-out error of the compressed network with removed inputs compensated by their means.</summary>
    public double? CompensatedErrorPct { get; init; }
    /// <summary>Held-out error of the compressed network with removed inputs dropped.</summary>
    public double? DroppedErrorPct { get; init; }
    /// <summary>Held-out error of the compressed network with compensation as chosen, layer by layer.</summary>
    public double? ChosenCompensationErrorPct { get; init; }
    /// <summary>Significand bits added per layer where rounding cost held-out accuracy (null: none added).</summary>
    public IReadOnlyDictionary<string, int>? ExtraBits { get; init; }
    /// <summary>Held-out error of the compressed network with the posterior variances' bits.</summary>
    public double? RoundedErrorPct { get; init; }
    /// <summary>The held-out error bits were added to reach: the unrounded network's plus the tolerance.</summary>
    public double? RoundingTargetPct { get; init; }
    /// <summary>Held-out error of the compressed network with the extra bits.</summary>
    public double? RoundedWithExtraBitsErrorPct { get; init; }
}

/// <summary>
/// The check of a held-out search's answer on held-out images the search never saw: how many, their error with every group
/// kept, the bound that follows, the kept step's error there, the search's moves, how many of them the check undid, and
/// whether the kept step is within the bound (false only when no step was, and every group was kept).
/// </summary>
public sealed record ThresholdCheckReport(long Images, double BaseErrorPct, double BoundPct, double ErrorPct, int SearchMoves, int MovesUndone, bool WithinBound);

/// <summary>One layer's threshold chosen on held-out data.</summary>
public sealed record ThresholdChoiceLayer(string Name, double Threshold, long KeptGroups, long Groups);

/// <summary>
/// What <c>--compensation auto</c> chose for removed inputs, and on which images: "held-out" (the run's) or "training"
/// (a fixed sample); the errors of the compressed network there with every layer compensated, every layer dropped, and as
/// chosen (null when no input was removed).
/// </summary>
public sealed record CompensationChoiceReport(string On, long Images, string Chosen, double? CompensatedErrorPct, double? DroppedErrorPct, double? ChosenErrorPct)
{
    /// <summary>Whether those errors are of the network rounded to the variances' bits (with <c>--bits posterior</c>) or unrounded (bits chosen after).</summary>
    public bool Rounded { get; init; } = true;
}

/// <summary>
/// What <c>--bits auto</c> chose, and on which images ("held-out" or "training"): the significand bits added per layer
/// (null: none), the error of the rounded network with the variances' bits, the aim (the unrounded network's error plus
/// the margin), and the error with the bits added.
/// </summary>
public sealed record BitChoiceReport(string On, long Images, IReadOnlyDictionary<string, int>? ExtraBits, double RoundedErrorPct, double TargetPct, double ErrorPct);
