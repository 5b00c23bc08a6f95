using System.CommandLine;
using BayesGen.Compression;
using BayesGen.Samples.Models;

namespace BayesGen.Samples.Commands;

/// <summary>Options naming a sample network and how to prune it.</summary>
public sealed class ModelOptions
{
    public Option<string> Model { get; } = new("--model")
    {
        Description = "The network: lenet300 (LeNet-300-100) or lenet5 (LeNet-5-Caffe).",
        DefaultValueFactory = _ => "lenet300",
    };

    public Option<string> Prior { get; } = new("--prior")
    {
        Description = "The prior: gnj (group Normal-Jeffreys) or ghs (group horseshoe, tau0 = 1e-5).",
        DefaultValueFactory = _ => "gnj",
    };

    public Option<string?> Thresholds { get; } = new("--threshold")
    {
        Description = "Pruning thresholds per layer, e.g. fc1=-3,fc2=auto (default: the layer's attribute, else -3 for GNJ and the histogram gap for the horseshoe).",
    };

    public Option<string> Quantization { get; } = new("--quantization")
    {
        Description = "How kept weights are rounded: layer-scaled (fixed point with a per-layer exponent) or absolute (the tutorial's step 2^-s).",
        DefaultValueFactory = _ => "layer-scaled",
    };

    public ModelOptions()
    {
        Model.AcceptOnlyFromAmong(ModelCatalog.Names);
        Prior.AcceptOnlyFromAmong("gnj", "ghs");
        Quantization.AcceptOnlyFromAmong("layer-scaled", "absolute");
        Thresholds.Validators.Add(r =>
        {
            try { PruningThresholds.Parse(r.GetValueOrDefault<string?>()); }
            catch (FormatException e) { r.AddError(e.Message); }
        });
    }

    public void AddModelTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(Prior);
    }

    public void AddPruningTo(Command command)
    {
        command.Options.Add(Thresholds);
        command.Options.Add(Quantization);
    }

    public ModelEntry Entry(ParseResult parse) => ModelCatalog.Find(parse.GetValue(Model)!, parse.GetValue(Prior)!);

    public PruningThresholds ParsedThresholds(ParseResult parse) => PruningThresholds.Parse(parse.GetValue(Thresholds));

    public QuantizationMode Mode(ParseResult parse)
        => parse.GetValue(Quantization) == "absolute" ? QuantizationMode.Absolute : QuantizationMode.LayerScaled;
}
