using BayesGen.Compression;
using BayesGen.Samples.Commands;
using BayesGen.Tests.Generated;
using BayesGen.Tests.Support;
using BayesGen.Training;
using static TorchSharp.torch;
using static BayesGen.Tests.Support.BayesianSetup;

namespace BayesGen.Tests.Samples;

/// <summary>
/// <c>--compensation auto</c>: on images whose labels are what one way of treating removed inputs predicts, the choice
/// must find that way (the known answer), never end worse than all-compensated or all-dropped, and measure nothing
/// when no input was removed.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class CompensationChoiceTests
{
    private const int Examples = 800;

    /// <summary>Inputs whose first five features average 2, not 0, so that compensating them and dropping them differ.</summary>
    private static Tensor Inputs()
    {
        var x = randn(new long[] { Examples, 20 }, generator: new TorchSharp.torch.Generator(11));
        using (no_grad()) x.narrow(1, 0, 5).add_(2.0f);
        return x;
    }

    /// <summary>What the compressed network (quantised, as deployed) predicts with removed inputs treated as <paramref name="means"/> says.</summary>
    private static Tensor Predictions(BayesianNetwork model, NetworkMasks masks, InputMeans? means, Tensor x)
    {
        var result = NetworkCompression.Compress(model, masks, inputMeans: means);
        NetworkCompression.ApplyTo(model, masks, result, quantized: true);
        try
        {
            using var _ = no_grad();
            model.eval();
            using var logits = model.forward(x);
            return logits.argmax(1);
        }
        finally { model.ClearMasks(); }
    }

    private static IBatchSource Labelled(Tensor x, Tensor labels)
        => TrainingBatches.From(() => [(x.clone(), labels.clone())], x.shape[0]);

    private static (NoBiasMlp.Bayesian Model, InputMeans Means, NetworkMasks Masks) Pruned(Tensor x, bool fc2Too)
    {
        var model = new NoBiasMlp.Bayesian(new NoBiasMlp(), Seeded(12));
        // The weight means come from the plain network, which TorchSharp's global generator initialised: draw them
        // again from a seeded one, so the known answers do not depend on which tests ran before.
        var weights = new TorchSharp.torch.Generator(13);
        using (no_grad())
            foreach (var (_, layer) in model.BayesianLayers)
            {
                layer.WeightMu.copy_(randn(layer.WeightMu.shape, generator: weights) * 0.5);
                layer.BiasMu?.copy_(randn(layer.BiasMu.shape, generator: weights) * 0.1);
            }
        PruneGnj(model.Layer("fc1"), 0, 1, 2, 3, 4);
        if (fc2Too) PruneGnj(model.Layer("fc2"), 0, 1, 2);
        var means = InputMeans.Measure(model, x);
        return (model, means, model.ComputeMasks());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Labels_made_by_one_way_are_found_by_the_choice(bool compensated)
    {
        using var x = Inputs();
        var (model, means, masks) = Pruned(x, fc2Too: false);
        using var _ = model;
        using var __ = masks;
        using var labels = Predictions(model, masks, compensated ? means : null, x);

        var outcome = CompensationChoice.Choose(model, Labelled(x, labels), means, masks, new PruningThresholds(), QuantizationMode.LayerScaled, 0);

        Assert.Equal(["fc1"], outcome.LayersWithRemovedInputs);
        Assert.Equal(compensated ? "mean" : "none", outcome.Summary);
        Assert.Equal(0.0, outcome.ChosenPct);
        // The other way must be measurably wrong here, or the test would not tell the two apart.
        Assert.True((compensated ? outcome.DroppedPct : outcome.WithMeansPct) >= 1.0,
            $"compensated {outcome.WithMeansPct} %, dropped {outcome.DroppedPct} %");
    }

    [Fact]
    public void A_setting_compressed_as_chosen_drops_what_the_choice_dropped()
    {
        // What sweep compresses each setting with: the chosen means, which are none when dropping won, not the measured ones.
        using var x = Inputs();
        var (model, means, masks) = Pruned(x, fc2Too: false);
        using var _ = model;
        using var __ = masks;
        using var labels = Predictions(model, masks, null, x);

        var (result, made) = MeasuredChoices.Compress(model, Labelled(x, labels), "training", means, masks, new PruningThresholds(),
            QuantizationMode.LayerScaled, new MeasuredChoices.What(Compensation: true, Bits: false));

        Assert.Equal("none", made!.Compensation!.Chosen);
        Assert.True(made.Compensation.Rounded);   // no bits chosen after it: measured as rounded to the variances' bits
        Assert.False(result.Compensated);
        Assert.Equal("none", result.CompensationSummary);
        var (given, nothingChosen) = MeasuredChoices.Compress(model, null, "training", means, masks, new PruningThresholds(),
            QuantizationMode.LayerScaled, new MeasuredChoices.What(false, false));
        Assert.Null(nothingChosen);
        Assert.Equal("mean", given.CompensationSummary);   // nothing chosen: the means given are used
        var (_, withBits) = MeasuredChoices.Compress(model, Labelled(x, labels), "training", means, masks, new PruningThresholds(),
            QuantizationMode.LayerScaled, new MeasuredChoices.What(true, true));
        Assert.False(withBits!.Compensation!.Rounded);   // bits chosen after it: measured unrounded, as it will err
        Assert.NotNull(withBits.Bits);
    }

    [Fact]
    public void One_layer_is_switched_when_that_is_what_the_labels_say()
    {
        using var x = Inputs();
        var (model, means, masks) = Pruned(x, fc2Too: true);
        using var _ = model;
        using var __ = masks;
        var target = means.Dropping(["fc2"]);   // fc1's removed inputs compensated, fc2's dropped
        using var labels = Predictions(model, masks, target, x);

        var outcome = CompensationChoice.Choose(model, Labelled(x, labels), means, masks, new PruningThresholds(), QuantizationMode.LayerScaled, 0);

        Assert.Equal(["fc1", "fc2"], outcome.LayersWithRemovedInputs);
        Assert.Equal("mean except fc2", outcome.Summary);
        Assert.Equal(0.0, outcome.ChosenPct);
        Assert.True(Math.Min(outcome.WithMeansPct, outcome.DroppedPct) >= HeldOutThresholds.MarginPoints,
            $"all one way errs {outcome.WithMeansPct} / {outcome.DroppedPct} %: the switch must have been needed");
    }

    [Fact]
    public void Nothing_is_measured_when_no_input_was_removed()
    {
        using var x = Inputs();
        using var model = new NoBiasMlp.Bayesian(new NoBiasMlp(), Seeded(12));
        var means = InputMeans.Measure(model, x);
        using var masks = model.ComputeMasks();
        int batches = 0;
        var counting = TrainingBatches.From(() => { batches++; return []; }, Examples);

        var outcome = CompensationChoice.Choose(model, counting, means, masks, new PruningThresholds(), QuantizationMode.LayerScaled, 0);

        Assert.Empty(outcome.LayersWithRemovedInputs);
        Assert.Null(outcome.Chosen);
        Assert.Equal(0, batches);
        Assert.Equal("removed inputs: none removed, nothing to compensate", CompensationChoice.Describe(outcome, Examples, "training"));
        var report = CompensationChoice.ReportOf(outcome, Examples, "training");
        Assert.Null(report.ChosenErrorPct);
        Assert.Equal("none", report.Chosen);
    }
}
