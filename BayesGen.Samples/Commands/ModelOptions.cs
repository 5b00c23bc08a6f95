using System.CommandLine;
using BayesGen.Compression;
using BayesGen.Training;
using BayesGen.Samples.Models;

namespace BayesGen.Samples.Commands;

/// <summary>Options naming a sample network and how to prune it.</summary>
public sealed class ModelOptions
{
    public Option<string> Model { get; } = new("--model")
    {
        Description = "The network: lenet300 (LeNet-300-100), lenet5 (LeNet-5-Caffe), vgg (VGG-style with BatchNorm), resnet (a small ResNet) or mobilenet (depthwise-separable blocks).",
        DefaultValueFactory = _ => "lenet300",
    };

    public Option<string> Prior { get; } = new("--prior")
    {
        Description = "The prior: gnj (group Normal-Jeffreys) or ghs (group horseshoe, tau0 = 1e-5).",
        DefaultValueFactory = _ => "gnj",
    };

    public Option<string?> Thresholds { get; } = new("--threshold")
    {
        Description = "Pruning thresholds per layer, e.g. fc1=-3,fc2=auto, or *=-5 for every layer not named. Without it, a run with held-out images chooses them there (--max-error-increase 0.1); a run without uses the layer's attribute, else -3 for GNJ and the histogram gap for the horseshoe.",
    };

    public Option<string> Quantization { get; } = new("--quantization")
    {
        Description = "How kept weights are rounded: layer-scaled (fixed point with a per-layer exponent) or absolute (the tutorial's step 2^-s).",
        DefaultValueFactory = _ => "layer-scaled",
    };

    public Option<string> Compensation { get; } = new("--compensation")
    {
        Description = "What replaces a pruned input: auto (each layer's choice measured on the run's held-out images, else on 10,000 training images), mean (its mean contribution on the training set is folded into the bias) or none (dropped, as in the paper).",
        DefaultValueFactory = _ => "auto",
    };

    public Option<string> Bits { get; } = new("--bits")
    {
        Description = "Significand bits per layer: auto (the posterior variances' choice, plus a bit at a time in a layer whose rounding costs accuracy on the run's held-out images, else on 10,000 training images) or posterior (exactly the variances' choice, as in the paper).",
        DefaultValueFactory = _ => "auto",
    };

    public Option<string> Coupling { get; } = new("--coupling")
    {
        Description = "How a channel several layers write (a residual stream, a depthwise convolution's channel) is pruned: any-keeps (it stays while any of them keeps it) or any-removes (it goes when one calls it noise).",
        DefaultValueFactory = _ => "any-keeps",
    };

    public Option<int> RoundChannels { get; } = new("--round-channels")
    {
        Description = "Keep a multiple of N channels wherever pruning removes some (the strongest removed ones come back), so that CPU convolution kernels, which work in blocks of 8 or 16 channels, run full blocks (1: keep what the thresholds say).",
        DefaultValueFactory = _ => 1,
    };

    public Option<double?> MaxErrorIncrease { get; } = new("--max-error-increase")
    {
        Description = "Choose every layer's threshold on the run's held-out training images: the most pruning whose error there stays within this many points of the unpruned network's (default 0.1 on a run with held-out images and no --threshold).",
    };

    public Option<double?> TargetError { get; } = new("--target-error")
    {
        Description = "Choose every layer's threshold on the run's held-out training images: the most pruning whose error there stays at or below this percentage, e.g. 2.0.",
    };

    public Option<string> PruneFor { get; } = new("--prune-for")
    {
        Description = "What the held-out search (the default on a run with held-out images, or --max-error-increase, --target-error) spends the error budget on: size (the most weights removed per point of error, for the smallest artifact) or speed (the most multiply-adds removed, which favours channels at high resolution, for the fastest deployment).",
        DefaultValueFactory = _ => "size",
    };

    public Option<string> SearchGain { get; } = new("--search-gain")
    {
        Description = "How the held-out search counts what a move saves: group (the default: each removed group's own weights, or multiply-adds with --prune-for speed, in the dense layer) or network (what the whole network sheds, the weights the move's masks take from neighbouring layers included: a convolution filter takes the next layer's input slice with it, and a Linear input holds only as many weights as the layer keeps outputs). Measured side by side on four networks, network pruned up to 12 % more at the same held-out error and raised the test error up to 0.13 points more (docs/RESULTS.md, \"What a move saves\").",
        DefaultValueFactory = _ => "group",
    };

    public Option<double> CheckShare { get; } = new("--check-share")
    {
        Description = "The share of the held-out images the threshold search does not see: its answer is checked on them, and where it breaks the bound there the choice walks back along the search's moves to the most pruned network within the bound on both (0: no check, the search measures on all).",
        DefaultValueFactory = _ => DefaultCheckShare,
        CustomParser = NumberParser("--check-share takes the share of the held-out images that checks the search, a number from 0 to 0.9, e.g. 0.5"),
    };

    public Option<double> NoiseMargin { get; } = new("--noise-margin")
    {
        Description = "How many standard errors of the held-out measurement the threshold search adds to each candidate before comparing it with the bound: with --max-error-increase the standard error of the rise (paired: the images on which exactly one of the pruned and the unpruned network errs), with --target-error that of the error itself. 0.5 (the default) kept the test error's mean rise within the bound on fifteen networks (docs/RESULTS.md); 0 judges the measured value alone (the default before 2026-12-02); 1 judges each candidate at the top of a one-sided 84 % confidence interval, so the search cannot keep a network whose rise only looks small by chance.",
        DefaultValueFactory = _ => DefaultNoiseMargin,
        CustomParser = NumberParser("--noise-margin takes a number of standard errors from 0 to 5, e.g. 1"),
    };

    /// <summary>
    /// A number option's parser that answers a word with <paramref name="takes"/> and what was typed (the default parser
    /// would name the type, System.Double, to someone who typed a word).
    /// </summary>
    private static Func<System.CommandLine.Parsing.ArgumentResult, double> NumberParser(string takes) => r =>
    {
        var typed = r.Tokens[^1].Value;
        if (double.TryParse(typed, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value)) return value;
        r.AddError($"{takes} (got '{typed}').");
        return 0;
    };

    public ModelOptions()
    {
        NoiseMargin.Must(v => v >= 0 && v <= 5, "--noise-margin must lie between 0 (the measured value alone) and 5 standard errors.");
        CheckShare.Must(v => v >= 0 && v <= 0.9, "--check-share must lie between 0 (no check) and 0.9.");
        PruneFor.AcceptOnlyFromAmong("size", "speed");
        SearchGain.AcceptOnlyFromAmong("network", "group");
        WithinPercent(TargetError, "--target-error must be a percentage between 0 and 100.");
        WithinPercent(MaxErrorIncrease, "--max-error-increase must be a number of percentage points between 0 and 100.");
        Coupling.AcceptOnlyFromAmong("any-keeps", "any-removes");
        RoundChannels.Must(v => v is >= 1 and <= 256, "--round-channels must lie between 1 and 256.");
        Compensation.AcceptOnlyFromAmong("auto", "mean", "none");
        Bits.AcceptOnlyFromAmong("auto", "posterior");
        Model.AcceptOnlyFromAmong(ModelCatalog.Names);
        Prior.AcceptOnlyFromAmong("gnj", "ghs");
        Quantization.AcceptOnlyFromAmong("layer-scaled", "absolute");
        Thresholds.Validators.Add(r =>
        {
            try { PruningThresholds.Parse(r.GetValueOrDefault<string?>()); }
            catch (FormatException e) { r.AddError(e.Message); }
            catch (InvalidOperationException) { }
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
        command.Options.Add(Compensation);
        command.Options.Add(Bits);
        command.Options.Add(Coupling);
        command.Options.Add(RoundChannels);
    }

    /// <summary>Adds <c>--max-error-increase</c> and <c>--target-error</c> (commands that can choose thresholds on held-out data).</summary>
    public void AddThresholdChoiceTo(Command command)
    {
        command.Options.Add(MaxErrorIncrease);
        command.Options.Add(TargetError);
        command.Options.Add(PruneFor);
        command.Options.Add(SearchGain);
        command.Options.Add(CheckShare);
        command.Options.Add(NoiseMargin);
    }

    /// <summary>The share of the held-out images kept apart to check the search's answer when <c>--check-share</c> is not given.</summary>
    public const double DefaultCheckShare = 0;

    /// <summary>The standard errors the threshold search adds to each measured candidate when <c>--noise-margin</c> is not given.</summary>
    public const double DefaultNoiseMargin = 0.5;

    /// <summary>
    /// The bound of the held-out search when nothing else chooses the thresholds (no <c>--threshold</c>, no goal) and the
    /// run has held-out images: five of 5,000 images, the bound every automatic row of RESULTS.md was measured with.
    /// </summary>
    public const double DefaultMaxErrorIncrease = 0.1;

    /// <summary>Whether <c>--threshold</c> gave thresholds (then nothing is searched and, by default, nothing held out).</summary>
    public bool ThresholdsGiven(ParseResult parse) => parse.GetValue(Thresholds) is { Length: > 0 };

    /// <summary>
    /// The goal the user asked for (<c>--max-error-increase</c> or <c>--target-error</c>), or null; refused together
    /// with --threshold (one or the other chooses) and with each other.
    /// </summary>
    private ThresholdGoal? RequestedGoal(ParseResult parse)
    {
        var increase = parse.GetValue(MaxErrorIncrease);
        var target = parse.GetValue(TargetError);
        if (increase is null && target is null) return null;
        if (increase is not null && target is not null)
            throw new ArgumentException("Give --max-error-increase (points above the unpruned error) or --target-error (an error to stay under), not both.");
        if (ThresholdsGiven(parse))
            throw new ArgumentException($"{(increase is not null ? "--max-error-increase" : "--target-error")} chooses every layer's threshold; leave out --threshold, or drop it to give thresholds yourself.");
        return new ThresholdGoal(increase, target, Objective(parse)) { CheckShare = parse.GetValue(CheckShare), NoiseMargin = parse.GetValue(NoiseMargin), NetworkGain = NetworkGain(parse) };
    }

    /// <summary>
    /// What the held-out search aims at: the requested goal, else, on a run with <paramref name="heldOutImages"/> and no
    /// <c>--threshold</c>, the default (<see cref="DefaultMaxErrorIncrease"/>); null when thresholds are fixed (given,
    /// or the layers' defaults on a run that held nothing out). <c>--prune-for</c> without a search is refused.
    /// </summary>
    public ThresholdGoal? Goal(ParseResult parse, bool heldOutImages)
    {
        if (RequestedGoal(parse) is { } requested) return requested;
        if (heldOutImages && !ThresholdsGiven(parse))
            return new ThresholdGoal(DefaultMaxErrorIncrease, null, Objective(parse)) { IsDefault = true, CheckShare = parse.GetValue(CheckShare), NoiseMargin = parse.GetValue(NoiseMargin), NetworkGain = NetworkGain(parse) };
        if (parse.GetResult(CheckShare) is { Implicit: false }) throw NothingSearched(parse, "--check-share checks the held-out search's answer");
        if (parse.GetResult(NoiseMargin) is { Implicit: false }) throw NothingSearched(parse, "--noise-margin widens the held-out search's judgement");
        if (parse.GetResult(PruneFor) is { Implicit: false }) throw NothingSearched(parse, "--prune-for chooses what the held-out search removes first");
        if (parse.GetResult(SearchGain) is { Implicit: false }) throw NothingSearched(parse, "--search-gain counts what the held-out search's moves save");
        return null;
    }

    /// <summary>The refusal of an option that only means something to the held-out search, given where nothing is searched.</summary>
    private ArgumentException NothingSearched(ParseResult parse, string optionDoes)
    {
        var option = optionDoes.Split(' ')[0];
        return new ArgumentException($"{optionDoes}, and nothing is searched here " +
                                     (ThresholdsGiven(parse) ? "(--threshold gives the thresholds): drop one of the two." : $"(the run holds no training images out): train with --holdout N, or drop {option}."));
    }

    private bool NetworkGain(ParseResult parse) => parse.GetValue(SearchGain) == "network";

    private PruningObjective Objective(ParseResult parse) => parse.GetValue(PruneFor) == "speed" ? PruningObjective.Speed : PruningObjective.Size;

    /// <summary>Whether compensation is chosen by measurement (<c>--compensation auto</c>, the default) rather than given.</summary>
    public bool ChoosesCompensation(ParseResult parse) => parse.GetValue(Compensation) == "auto";

    /// <summary>What is chosen by measurement once thresholds are fixed: compensation (<c>--compensation auto</c>) and extra bits (<c>--bits auto</c>).</summary>
    public MeasuredChoices.What Measured(ParseResult parse) => new(ChoosesCompensation(parse), parse.GetValue(Bits) == "auto");

    private static void WithinPercent(Option<double?> option, string error)
        => option.Must(v => v is not double d || (d >= 0 && d <= 100), error);   // a word is the parser's error (it once crashed here)

    /// <summary>The coupling rule and channel rounding the options name.</summary>
    public MaskRules MaskRules(ParseResult parse) => new(CouplingRule(parse), parse.GetValue(RoundChannels));

    public CouplingRule CouplingRule(ParseResult parse)
        => parse.GetValue(Coupling) == "any-removes" ? Compression.CouplingRule.AnyWriterRemoves : Compression.CouplingRule.AnyWriterKeeps;

    public ModelEntry Entry(ParseResult parse) => ModelCatalog.Find(parse.GetValue(Model)!, parse.GetValue(Prior)!);

    /// <summary>The --threshold values, checked against the layers of <paramref name="network"/> (an unknown name is an error listing them).</summary>
    public PruningThresholds ParsedThresholds(ParseResult parse, BayesianNetwork network)
    {
        var thresholds = PruningThresholds.Parse(parse.GetValue(Thresholds));
        network.RequireKnownLayers(thresholds);
        return thresholds;
    }

    /// <summary>The trained network's input means on <paramref name="train"/> unless compensation is off (<c>none</c>), else null.</summary>
    public InputMeans? Means(ParseResult parse, BayesianNetwork network, ImageDataset train)
        => parse.GetValue(Compensation) == "none" ? null : InputMeans.Measure(network, train.Images);

    public QuantizationMode Mode(ParseResult parse)
        => parse.GetValue(Quantization) == "absolute" ? QuantizationMode.Absolute : QuantizationMode.LayerScaled;
}

/// <summary>What the held-out threshold search aims at: at most <see cref="MaxIncrease"/> points above the unpruned error, or at most <see cref="TargetPct"/> percent.</summary>
public sealed record ThresholdGoal(double? MaxIncrease, double? TargetPct, PruningObjective Objective = PruningObjective.Size)
{
    /// <summary>Whether nobody asked for it: the default search of a run with held-out images and no <c>--threshold</c>.</summary>
    public bool IsDefault { get; init; }

    /// <summary>
    /// The share of the held-out images kept apart from the search to check its answer (<see cref="SearchCheck"/>); 0: the
    /// search measures on all of them and nothing checks it.
    /// </summary>
    public double CheckShare { get; init; }

    /// <summary>
    /// How many standard errors of the held-out measurement are added to each candidate before it is compared with the
    /// bound (<see cref="BayesGen.Compression.PairedErrors"/>); 0: the measured value alone.
    /// </summary>
    public double NoiseMargin { get; init; }

    /// <summary>
    /// Whether a move's gain is what the whole network sheds (<see cref="BayesGen.Compression.GroupCosts.Kept"/>,
    /// <c>--search-gain network</c>) rather than the removed groups' own weights or multiply-adds (the default).
    /// </summary>
    public bool NetworkGain { get; init; }

    /// <summary>The option that set it, for messages.</summary>
    public string Option => MaxIncrease is not null ? "--max-error-increase" : "--target-error";
}
