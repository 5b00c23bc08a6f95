using BayesGen.Compression;
using BayesGen.Deployment;
using BayesGen.Samples.Reporting;
using BayesGen.Samples.Models;
using BayesGen.Training;
using Spectre.Console;

namespace BayesGen.Samples.Commands;

/// <summary>What compressing a trained network produced.</summary>
/// <param name="DenseMultiplyAdds">The layers' multiply-adds per example before pruning.</param>
/// <param name="KeptMultiplyAdds">The deployed layers' multiply-adds per example.</param>
/// <param name="Statistics">Each layer's pruning statistic per group, by layer name: what the thresholds were set against.</param>
public sealed record CompressionOutcome(CompressionResult Result, double PrunedErrorPct, double CompressedErrorPct, string? ArtifactPath, long? ArtifactBytes, long DenseBytes,
    long DenseMultiplyAdds, long KeptMultiplyAdds, IReadOnlyDictionary<string, GroupStatistics>? Statistics = null);

/// <summary>
/// Prunes a trained Bayesian network, reduces its precision, writes the compressed artifact, and measures
/// the error of what is left: with unrounded weights (the Bayesian model with masks) and as deployed (the
/// artifact loaded back and run by the physically smaller network).
/// </summary>
public static class CompressionStep
{
    public static CompressionOutcome Run(BayesianNetwork model, ModelEntry entry, ImageDataset test, PruningThresholds thresholds,
        QuantizationMode mode, string outputDirectory, InputMeans? inputMeans, int extraBits = 0, MaskRules? rules = null,
        IReadOnlyDictionary<string, int>? layerExtraBits = null)
    {
        using var masks = model.ComputeMasks(thresholds, rules ?? MaskRules.Default);
        var result = NetworkCompression.Compress(model, masks, mode, thresholds, extraBits, inputMeans, layerExtraBits);
        long dense = 4 * result.Layers.Sum(l => l.TotalWeights);

        double pruned = ErrorPercent(model, masks, result, quantized: false, test);
        double quantizedBayesian = ErrorPercent(model, masks, result, quantized: true, test);

        var artifact = Path.Combine(outputDirectory, "model.bgc");
        var deployment = CompressedModel.From(model, result);
        deployment.Save(artifact);
        // The figure reported is that of the deployment itself: the file read back into the generated class.
        using var deployed = entry.CreateCompressed(CompressedModel.Load(artifact));
        double compressed = Evaluation.ErrorPercent(deployed, test);
        if (Math.Abs(compressed - quantizedBayesian) > 0.05)
            AnsiConsole.MarkupLine($"[yellow]warning:[/] the deployed network errs on {compressed:F2} % but the masked Bayesian model with the same weights on {quantizedBayesian:F2} %.");
        return new CompressionOutcome(result, pruned, compressed, artifact, new FileInfo(artifact).Length, dense,
            GroupCosts.DenseMultiplyAdds(model), deployment.MultiplyAdds(), GroupStatistics.Of(model));
    }

    /// <summary>
    /// The error of <paramref name="model"/> pruned by <paramref name="masks"/> and set to <paramref name="result"/>'s
    /// weights (rounded or not) on <paramref name="data"/>; the model is left unmasked.
    /// </summary>
    public static double ErrorPercent(BayesianNetwork model, NetworkMasks masks, CompressionResult result, bool quantized, IBatchSource data)
        => Applied(model, masks, result, quantized, () => Evaluation.ErrorPercent(model, data));

    /// <summary>
    /// Per example of <paramref name="data"/>, whether <paramref name="model"/> pruned and set as in <see cref="ErrorPercent"/>
    /// errs on it (null when the targets are not class indices); the model is left unmasked.
    /// </summary>
    public static bool[]? Mistakes(BayesianNetwork model, NetworkMasks masks, CompressionResult result, bool quantized, IBatchSource data)
        => Applied(model, masks, result, quantized, () => Evaluation.Mistakes(model, data));

    /// <summary><paramref name="measure"/> run on <paramref name="model"/> set to <paramref name="result"/>'s network, unmasked afterwards.</summary>
    private static T Applied<T>(BayesianNetwork model, NetworkMasks masks, CompressionResult result, bool quantized, Func<T> measure)
    {
        NetworkCompression.ApplyTo(model, masks, result, quantized);
        try { return measure(); }
        finally { model.ClearMasks(); }
    }

    /// <summary>Prints the per-layer table and the compression rates.</summary>
    public static void Print(IAnsiConsole console, CompressionOutcome outcome, double testError)
    {
        var r = outcome.Result;
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("layer", "kind", "kept groups", "kept weights", "threshold", "significand bits", "total bits");
        foreach (var l in r.Layers)
        {
            table.AddRow(Markup.Escape(l.Name), l.Kind.ToString(), $"{l.KeptGroups} / {l.Groups}", $"{l.KeptWeights:N0} / {l.TotalWeights:N0}",
                double.IsInfinity(l.Threshold) ? "keep all" : l.Threshold.ToString("G4"), l.SignificandBits.ToString(), l.TotalBits.ToString());
        }
        console.Write(table);
        console.MarkupLine($"architecture {string.Join("-", r.Layers.Select(l => l.KeptGroups))} (of {string.Join("-", r.Layers.Select(l => l.Groups))}), " +
                           $"{r.KeptWeightPercent:F2} % of the weights kept, exponent bits {r.ExponentBits}");
        console.MarkupLine($"compression: pruning [bold]{r.PruningRate:F1}x[/], precision [bold]{r.PrecisionRate:F1}x[/] (paper accounting), {r.PrecisionRateTutorial:F1}x (tutorial accounting, 1 + e + s bits)");
        console.MarkupLine($"test error: {testError:F2} % before pruning, {outcome.PrunedErrorPct:F2} % pruned, [bold]{outcome.CompressedErrorPct:F2} %[/] pruned and quantised ({r.Mode}{(!r.Compensated ? "" : r.UncompensatedLayers.Count == 0 ? ", pruned inputs compensated by their means" : $", pruned inputs compensated by their means except in {string.Join(", ", r.UncompensatedLayers)}")})");
        if (outcome.ArtifactPath is not null)
            console.MarkupLine($"artifact: {Markup.Escape(outcome.ArtifactPath)}, {outcome.ArtifactBytes:N0} bytes (dense float32 weights: {outcome.DenseBytes:N0} bytes)");
        console.MarkupLine($"multiply-adds per example in the layers: {outcome.KeptMultiplyAdds:N0} of {outcome.DenseMultiplyAdds:N0} " +
                           $"({(double)outcome.DenseMultiplyAdds / Math.Max(1, outcome.KeptMultiplyAdds):F2}x fewer)");
        if (QuantizationAdvice(outcome) is { } advice) console.MarkupLine($"[yellow]note:[/] {Markup.Escape(advice)}");
    }

    /// <summary>The rise in error (points) from quantisation above which few-bit layers are pointed out.</summary>
    public const double NotableQuantizationCost = 0.2;

    /// <summary>
    /// When quantisation costs at least <see cref="NotableQuantizationCost"/> points and some layer kept only one or
    /// two significand bits (where rounding changes a weight the most), names those layers and the fix; else null.
    /// </summary>
    public static string? QuantizationAdvice(CompressionOutcome outcome)
    {
        double cost = outcome.CompressedErrorPct - outcome.PrunedErrorPct;
        var coarse = outcome.Result.Layers.Where(l => l.KeptWeights > 0 && l.SignificandBits <= 2).ToList();
        if (cost < NotableQuantizationCost || coarse.Count == 0) return null;
        var layers = string.Join(", ", coarse.Select(l => $"{l.Name} ({l.SignificandBits} significand bit{(l.SignificandBits == 1 ? "" : "s")})"));
        return $"quantisation raised the error by {cost:F2} points ({outcome.PrunedErrorPct:F2} % → {outcome.CompressedErrorPct:F2} %), and {layers} " +
               $"{(coarse.Count == 1 ? "keeps" : "keep")} very few bits; `compress --extra-bits N` gives every layer N more bits, at a lower precision rate.";
    }

    /// <summary>
    /// <paramref name="report"/> with what compressing chose recorded: the held-out thresholds (if chosen), the
    /// compensation and bits choices, the coupling rule and channel rounding given on the command line.
    /// </summary>
    public static RunReport WithChoices(RunReport report, MeasuredChoices.ForRun chosen, ModelOptions model, System.CommandLine.ParseResult parse)
        => report with
        {
            ThresholdChoice = chosen.ThresholdChoice,
            CompensationChoice = chosen.Compensation,
            BitChoice = chosen.Bits,
            Coupling = parse.GetValue(model.Coupling),
            RoundChannels = parse.GetValue(model.RoundChannels),
        };

    /// <summary>
    /// <paramref name="report"/> with every figure of <paramref name="outcome"/>: the layers kept, the rates, the errors, the
    /// artifact and the multiply-adds, as <see cref="Report"/> records them for a new run. What <c>compress</c> rewrites in a
    /// run's report: a field left out here would keep the first compression's value beside the new compression's others
    /// (the multiply-adds once did).
    /// </summary>
    public static RunReport WithOutcome(RunReport report, CompressionOutcome outcome)
    {
        var r = outcome.Result;
        return report with
        {
            Layers = RunReport.LayersOf(r, outcome.Statistics),
            KeptWeightPct = r.KeptWeightPercent,
            ExponentBits = r.ExponentBits,
            CompressionPruning = r.PruningRate,
            CompressionPrecision = r.PrecisionRate,
            CompressionPrecisionTutorial = r.PrecisionRateTutorial,
            CompressedTestErrorPct = outcome.CompressedErrorPct,
            PrunedTestErrorPct = outcome.PrunedErrorPct,
            Quantization = r.Mode.ToString(),
            Compensation = r.CompensationSummary,
            ArtifactBytes = outcome.ArtifactBytes,
            DenseBytes = outcome.DenseBytes,
            DenseMultiplyAdds = outcome.DenseMultiplyAdds,
            KeptMultiplyAdds = outcome.KeptMultiplyAdds,
        };
    }

    /// <summary>
    /// The report of a run; <paramref name="training"/> is null for a posterior trained elsewhere and imported. The
    /// compression's figures are the ones <see cref="WithOutcome"/> sets: the report's required members must be given in
    /// the initializer, so they are listed twice, and CommandLineTests checks that a later <c>compress</c> rewrites them all.
    /// </summary>
    public static RunReport Report(ModelEntry entry, TrainingOptions options, DatasetInfoReport dataset, double testErrorPct,
        TrainingResult? training, CompressionOutcome outcome, int pretrainEpochs)
    {
        var r = outcome.Result;
        return new RunReport
        {
            Model = entry.Name,
            Prior = entry.Prior,
            Epochs = training?.History.Count ?? 0,
            Seed = options.Seed,
            Dataset = dataset,
            TestErrorPct = testErrorPct,
            TrainSeconds = Math.Round(training?.TrainSeconds ?? 0, 2),
            TrainSamplesPerSecond = Math.Round(training?.SamplesPerSecond ?? 0, 1),
            Layers = RunReport.LayersOf(r, outcome.Statistics),
            KeptWeightPct = r.KeptWeightPercent,
            ExponentBits = r.ExponentBits,
            CompressionPruning = r.PruningRate,
            CompressionPrecision = r.PrecisionRate,
            CompressionPrecisionTutorial = r.PrecisionRateTutorial,
            CompressedTestErrorPct = outcome.CompressedErrorPct,
            PrunedTestErrorPct = outcome.PrunedErrorPct,
            Quantization = r.Mode.ToString(),
            Compensation = r.CompensationSummary,
            KLWarmupEpochs = options.KLWarmupEpochs,
            LogvarLrScale = options.LogVarianceLearningRateScale,
            LrDropEpochs = options.LearningRateDropEpochs > 0 ? options.LearningRateDropEpochs : null,
            LrDropFactor = options.LearningRateDropEpochs > 0 ? options.LearningRateDropFactor : null,
            PretrainEpochs = pretrainEpochs,
            ArtifactBytes = outcome.ArtifactBytes,
            DenseBytes = outcome.DenseBytes,
            DenseMultiplyAdds = outcome.DenseMultiplyAdds,
            KeptMultiplyAdds = outcome.KeptMultiplyAdds,
            History = (training?.History ?? []).Select(h => new EpochReport(h.Epoch, h.Loss, h.CrossEntropy, h.KL, h.TestErrorPercent,
                h.KeptGroups.Select(k => k.Kept).ToArray(), Math.Round(h.Seconds, 2))).ToArray(),
        };
    }
}
