using BayesGen.Priors;
using BayesGen.Deployment;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Samples.Models;

/// <summary>
/// The networks the command line knows, by name and prior: how to make the plain network, its generated
/// Bayesian model, and its generated compressed model.
/// </summary>
public sealed record ModelEntry(
    string Name,
    string Prior,
    string Description,
    Func<nn.Module<Tensor, Tensor>> CreatePlain,
    Func<nn.Module<Tensor, Tensor>, BayesianOptions, BayesianNetwork> CreateBayesian,
    Func<CompressedModel, CompressedNetwork> CreateCompressed,
    Type PlainType)
{
    /// <summary>The shape of one input example the network declares with <c>[InputShape]</c>, e.g. <c>[1, 28, 28]</c>.</summary>
    public long[] InputShape => PlainType.GetCustomAttributes(typeof(InputShapeAttribute), false).OfType<InputShapeAttribute>().Single()
        .Dimensions.Select(d => (long)d).ToArray();
}

/// <summary>The catalogue of sample networks.</summary>
public static class ModelCatalog
{
    /// <summary>Every model and prior combination.</summary>
    public static IReadOnlyList<ModelEntry> All { get; } = new[]
    {
        new ModelEntry("lenet300", "gnj", "LeNet-300-100 (784-300-100-10), group Normal-Jeffreys",
            () => new LeNet300(), (p, o) => new LeNet300.Bayesian((LeNet300)p, o), LeNet300.Compressed.From, typeof(LeNet300)),
        new ModelEntry("lenet300", "ghs", "LeNet-300-100 (784-300-100-10), group horseshoe (tau0 = 1e-5)",
            () => new LeNet300Horseshoe(), (p, o) => new LeNet300Horseshoe.Bayesian((LeNet300Horseshoe)p, o), LeNet300Horseshoe.Compressed.From, typeof(LeNet300Horseshoe)),
        new ModelEntry("lenet5", "gnj", "LeNet-5-Caffe (conv 20, conv 50, 800-500-10), group Normal-Jeffreys",
            () => new LeNet5(), (p, o) => new LeNet5.Bayesian((LeNet5)p, o), LeNet5.Compressed.From, typeof(LeNet5)),
        new ModelEntry("lenet5", "ghs", "LeNet-5-Caffe (conv 20, conv 50, 800-500-10), group horseshoe (tau0 = 1e-5)",
            () => new LeNet5Horseshoe(), (p, o) => new LeNet5Horseshoe.Bayesian((LeNet5Horseshoe)p, o), LeNet5Horseshoe.Compressed.From, typeof(LeNet5Horseshoe)),
        // The networks below declare [GroupNJ]; their horseshoe entries replace the prior through the options.
        new ModelEntry("vgg", "gnj", "VGG-style (conv 16-32-64 with BatchNorm from a configuration loop, 576-128-10), group Normal-Jeffreys",
            () => new VggNet(), (p, o) => new VggNet.Bayesian((VggNet)p, o), VggNet.Compressed.From, typeof(VggNet)),
        new ModelEntry("vgg", "ghs", "VGG-style (conv 16-32-64 with BatchNorm from a configuration loop, 576-128-10), group horseshoe (tau0 = 1e-5)",
            () => new VggNet(), (p, o) => new VggNet.Bayesian((VggNet)p, Horseshoe(o)), VggNet.Compressed.From, typeof(VggNet)),
        new ModelEntry("resnet", "gnj", "ResNet (stem 8, stages of 8, 16, 32 channels with skip connections), group Normal-Jeffreys",
            () => new ResNet(), (p, o) => new ResNet.Bayesian((ResNet)p, o), ResNet.Compressed.From, typeof(ResNet)),
        new ModelEntry("resnet", "ghs", "ResNet (stem 8, stages of 8, 16, 32 channels with skip connections), group horseshoe (tau0 = 1e-5)",
            () => new ResNet(), (p, o) => new ResNet.Bayesian((ResNet)p, Horseshoe(o)), ResNet.Compressed.From, typeof(ResNet)),
        new ModelEntry("resnet-wide", "gnj", "ResNet, twice as wide (stem 16, stages of 16, 32, 64 channels, as CIFAR ResNets), group Normal-Jeffreys",
            () => new ResNet(new[] { 1, 1, 1 }, width: 16), (p, o) => new ResNet.Bayesian((ResNet)p, o), ResNet.Compressed.From, typeof(ResNet)),
        new ModelEntry("resnet-wide", "ghs", "ResNet, twice as wide (stem 16, stages of 16, 32, 64 channels, as CIFAR ResNets), group horseshoe (tau0 = 1e-5)",
            () => new ResNet(new[] { 1, 1, 1 }, width: 16), (p, o) => new ResNet.Bayesian((ResNet)p, Horseshoe(o)), ResNet.Compressed.From, typeof(ResNet)),
        new ModelEntry("mobilenet", "gnj", "MobileNet (stem 16, depthwise-separable blocks to 32, 64, 64 channels), group Normal-Jeffreys",
            () => new MobileNet(), (p, o) => new MobileNet.Bayesian((MobileNet)p, o), MobileNet.Compressed.From, typeof(MobileNet)),
        new ModelEntry("mobilenet", "ghs", "MobileNet (stem 16, depthwise-separable blocks to 32, 64, 64 channels), group horseshoe (tau0 = 1e-5)",
            () => new MobileNet(), (p, o) => new MobileNet.Bayesian((MobileNet)p, Horseshoe(o)), MobileNet.Compressed.From, typeof(MobileNet)),
        new ModelEntry("vgg-cifar", "gnj", "VGG-like for CIFAR-10 (13 convolutions 64-…-512 with BatchNorm, 512-512-10), group Normal-Jeffreys",
            () => new VggCifar(), (p, o) => new VggCifar.Bayesian((VggCifar)p, o), VggCifar.Compressed.From, typeof(VggCifar)),
        new ModelEntry("vgg-cifar", "ghs", "VGG-like for CIFAR-10 (13 convolutions 64-…-512 with BatchNorm, 512-512-10), group horseshoe (tau0 = 1e-5)",
            () => new VggCifar(), (p, o) => new VggCifar.Bayesian((VggCifar)p, Horseshoe(o)), VggCifar.Compressed.From, typeof(VggCifar)),
    };

    /// <summary>The options with the prior replaced by the group horseshoe at the paper's τ0 = 1e-5.</summary>
    private static BayesianOptions Horseshoe(BayesianOptions options)
        => options with { Prior = new PriorSettings(Layers.PriorKind.Horseshoe, options.HorseshoeTau0 ?? 1e-5) };

    /// <summary>The model names, for option validation.</summary>
    public static string[] Names => All.Select(e => e.Name).Distinct().ToArray();

    /// <summary>
    /// Refuses a network whose declared input is not the data set's image shape (LeNet-5 on CIFAR-10), naming both
    /// shapes and the models that fit, before any data is read.
    /// </summary>
    public static void RequireFits(ModelEntry entry, string dataset, long[] imageShape)
    {
        if (entry.InputShape.SequenceEqual(imageShape)) return;
        var fitting = All.Where(e => e.InputShape.SequenceEqual(imageShape)).Select(e => e.Name).Distinct().ToArray();
        throw new ArgumentException($"--model {entry.Name} reads {string.Join("×", entry.InputShape)} images, but {dataset}'s are {string.Join("×", imageShape)}: " +
            (fitting.Length > 0 ? $"use --model {string.Join("|", fitting)} with {dataset}." : $"no sample network reads {dataset}."));
    }

    /// <summary>The entry for a model and prior; an <see cref="ArgumentException"/> lists the valid choices otherwise.</summary>
    public static ModelEntry Find(string model, string prior)
        => All.FirstOrDefault(e => e.Name == model.ToLowerInvariant() && e.Prior == prior.ToLowerInvariant())
           ?? throw new ArgumentException($"No model '{model}' with prior '{prior}'. Choose --model {string.Join("|", Names)} and --prior gnj|ghs.");

    /// <summary>
    /// The entry whose compressed class fits an artifact: by the model class name stored in it and, where one class
    /// makes several samples (ResNet at two widths), the first whose layers the artifact was made from; null when no
    /// sample has that class name. A name match that no variant's layers fit is returned as it is, for the caller's
    /// <see cref="ArtifactConformance.CheckMadeFrom"/> to name the difference.
    /// </summary>
    public static ModelEntry? ForArtifact(CompressedModel model)
    {
        var prior = model.Prior == "Horseshoe" ? "ghs" : "gnj";
        var named = PlainTypeNames.Value.Where(e => e.TypeName == model.Model && e.Entry.Prior == prior).Select(e => e.Entry).ToArray();
        if (named.Length <= 1) return named.FirstOrDefault();
        return named.FirstOrDefault(entry => MadeFrom(model, entry)) ?? named[0];
    }

    private static bool MadeFrom(CompressedModel model, ModelEntry entry)
    {
        using var plain = entry.CreatePlain();
        try
        {
            model.CheckMadeFrom(plain);
            return true;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>Each entry's plain network class name, made once (a network is built to learn it).</summary>
    private static readonly Lazy<(ModelEntry Entry, string? TypeName)[]> PlainTypeNames = new(() => All.Select(entry =>
    {
        using var plain = entry.CreatePlain();
        return (entry, plain.GetType().FullName);
    }).ToArray());
}
