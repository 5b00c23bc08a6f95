using System.ComponentModel;
using BayesGen.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BayesGen.Conversion;

/// <summary>
/// Builds the Bayesian counterpart of a plain network's modules, whatever they are at run time: Linear and
/// convolutions become Bayesian layers with their prior, BatchNorms become <see cref="MaskedBatchNorm"/>s,
/// parameter-free modules become <see cref="OpModule"/>s, containers (<see cref="Sequential"/>,
/// <see cref="ModuleList{T}"/>) are rebuilt child by child under the same names, and the user's own blocks go to
/// the counterparts the generator wrote for them. This is how a Sequential built in a loop, or a field declared as
/// <c>Module&lt;Tensor, Tensor&gt;</c>, is resolved: by what it holds, not by how it is declared.
/// </summary>
/// <remarks>
/// A module that occurs twice in the plain network (shared weights) is converted once and occurs twice in the
/// Bayesian model. Layer paths are the dotted names of <c>named_modules()</c>, as in a state dict.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ModuleConverter
{
    private readonly PriorSettings prior;
    private readonly BayesianOptions options;
    private readonly Dictionary<string, BlockFactory> blocks = new(StringComparer.Ordinal);
    private readonly List<(string Path, LayerSettings Settings)> settings = new();
    private readonly Dictionary<nn.Module, nn.Module> converted = new(ReferenceEqualityComparer.Instance);

    /// <summary>A converter for a network whose class-level prior is <paramref name="prior"/>.</summary>
    public ModuleConverter(PriorSettings prior, BayesianOptions? options = null)
    {
        this.options = options ?? BayesianOptions.Default;
        this.prior = this.options.Prior ?? prior;
    }

    /// <summary>The class-level prior in force: the attribute's, or the one <see cref="BayesianOptions.Prior"/> puts in its place.</summary>
    public PriorSettings Prior => prior;

    /// <summary>Registers the counterpart factory of a user block type (by <see cref="Type.FullName"/>).</summary>
    public ModuleConverter Block(string typeFullName, BlockFactory factory)
    {
        blocks[typeFullName] = factory;
        return this;
    }

    /// <summary>Settings from attributes on the member at <paramref name="path"/>; they apply to every layer under it.</summary>
    public ModuleConverter Configure(string path, LayerSettings layerSettings)
    {
        settings.Add((path, layerSettings));
        return this;
    }

    /// <summary>The counterpart of any module.</summary>
    public nn.Module<Tensor, Tensor> Module(nn.Module? source, string path)
        => Convert(source, path) as nn.Module<Tensor, Tensor>
           ?? throw new NotSupportedException($"'{path}' is a {source!.GetType().Name}, which does not map a tensor to a tensor.");

    /// <summary>The counterpart of a module held in a field declared as <see cref="Sequential"/>.</summary>
    public Sequential Sequential(nn.Module? source, string path)
        => Convert(source, path) as Sequential
           ?? throw new NotSupportedException($"'{path}' is declared as a Sequential but holds a {source!.GetType().Name}.");

    /// <summary>The counterpart of a <see cref="ModuleList{T}"/>: its converted elements, in order.</summary>
    public ModuleList<T> ModuleList<T>(nn.Module? source, string path) where T : nn.Module
    {
        Require(source, path);
        if (converted.TryGetValue(source!, out var done)) return (ModuleList<T>)done;
        // A ModuleList names its elements 0, 1, … only once its owner registers it; its own order is the truth.
        var elements = (source as System.Collections.IEnumerable ?? throw new NotSupportedException($"'{path}' is a {source!.GetType().Name}, not a ModuleList."))
            .Cast<nn.Module>().ToList();
        var list = new ModuleList<T>();
        for (int i = 0; i < elements.Count; i++)
        {
            var element = Convert(elements[i], $"{path}.{i}");
            list.Add(element as T ?? throw new NotSupportedException($"'{path}.{i}' becomes a {element.GetType().Name}, which the list's element type {typeof(T).Name} cannot hold."));
        }
        converted[source!] = list;
        return list;
    }

    /// <summary>The counterpart of a module held in a member that may be null (null for null).</summary>
    public nn.Module<Tensor, Tensor>? OptionalModule(nn.Module? source, string path) => source is null ? null : Module(source, path);

    /// <summary>The counterpart of a Sequential held in a member that may be null (null for null).</summary>
    public Sequential? OptionalSequential(nn.Module? source, string path) => source is null ? null : Sequential(source, path);

    /// <summary>The counterpart of a ModuleList held in a member that may be null (null for null).</summary>
    public ModuleList<T>? OptionalModuleList<T>(nn.Module? source, string path) where T : nn.Module
        => source is null ? null : ModuleList<T>(source, path);

    private nn.Module Convert(nn.Module? source, string path)
    {
        Require(source, path);
        if (converted.TryGetValue(source!, out var done)) return done;
        var result = Create(source!, path);
        converted[source!] = result;
        return result;
    }

    private nn.Module Create(nn.Module source, string path)
    {
        switch (source)
        {
            case Linear linear:
                return BayesianLinear.FromLinear(linear, Scale(path, linear.in_features), LayerOptions(path));
            case Conv1d conv:
                return BayesianConv1d.FromConv1d(conv, Scale(path, conv.out_channels), LayerOptions(path));
            case Conv2d conv:
                return BayesianConv2d.FromConv2d(conv, Scale(path, conv.out_channels), LayerOptions(path));
            case BatchNorm1d norm:
                return new MaskedBatchNorm(norm);
            case BatchNorm2d norm:
                return new MaskedBatchNorm(norm);
            case Sequential sequential:
                return new BayesSequential(sequential.named_children().Select(c => (c.name, (nn.Module<Tensor, Tensor>)Module(c.module, $"{path}.{c.name}"))).ToList());
        }
        var type = source.GetType();
        if (type.FullName is { } fullName && blocks.TryGetValue(fullName, out var factory))
            return factory(source, this, path);
        if (ModuleOps.Describe(source) is var (op, inPlace))
            return new OpModule(op, inPlace);
        throw new NotSupportedException(
            $"'{path}' is a {type.Name}, which BayesGen cannot make Bayesian. It converts Linear, Conv1d, Conv2d, BatchNorm1d, BatchNorm2d, " +
            $"Sequential, ModuleList, {ModuleOps.Supported}" +
            (blocks.Count > 0 ? $", and the blocks the generator saw in the network's source ({string.Join(", ", blocks.Keys.Select(k => k.Substring(k.LastIndexOfAny(new[] { '.', '+' }) + 1)))})." : ".") +
            (type.IsSubclassOf(typeof(nn.Module<Tensor, Tensor>)) && type.Assembly != typeof(nn.Module).Assembly
                ? $" If {type.Name} is a block of yours, create it in the network's class (or in a block it creates) so the generator sees it."
                : ""));
    }

    private static void Require(nn.Module? source, string path)
    {
        if (source is null)
            throw new ArgumentNullException(nameof(source), $"The network's module '{path}' is null: create it in the constructor before making the Bayesian model, or declare the member nullable (with ?) if the network runs without it.");
    }

    private GroupScale Scale(string path, long groups)
    {
        var p = PriorAt(path);
        return p.Kind == PriorKind.GroupNJ
            ? GroupScales.GroupNJ(groups, options)
            : GroupScales.Horseshoe(groups, p.Tau0, p.GlobalScale, p.Statistic, p.Initialization, options);
    }

    private LayerOptions LayerOptions(string path)
    {
        var s = Resolve(path);
        var p = PriorAt(path);
        double? threshold = s.Threshold ?? (double.IsNaN(p.Threshold) ? null : p.Threshold);
        return new LayerOptions
        {
            MaxVariance = s.MaxVariance,
            ClipBiasVariance = options.ClipBiasVariances,
            Threshold = threshold,
            InitialLogVariance = options.InitialLogVariance,
            InitGenerator = options.InitGenerator,
        };
    }

    /// <summary>A member's own prior attribute, unless the options replace every prior.</summary>
    private PriorSettings PriorAt(string path) => options.Prior is not null ? prior : Resolve(path).Prior ?? prior;

    /// <summary>The settings that apply at <paramref name="path"/>: for each, the one of the closest configured member.</summary>
    private LayerSettings Resolve(string path)
    {
        var applicable = settings
            .Where(s => path == s.Path || path.StartsWith(s.Path + ".", StringComparison.Ordinal))
            .OrderByDescending(s => s.Path.Length)
            .Select(s => s.Settings)
            .ToList();
        return new LayerSettings
        {
            Prior = applicable.Select(s => s.Prior).FirstOrDefault(p => p is not null),
            MaxVariance = applicable.Select(s => s.MaxVariance).FirstOrDefault(v => v is not null),
            Threshold = applicable.Select(s => s.Threshold).FirstOrDefault(v => v is not null),
        };
    }
}

/// <summary>Builds the counterpart of one user block; generated for every block class a network uses.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate nn.Module<Tensor, Tensor> BlockFactory(nn.Module source, ModuleConverter convert, string path);


/// <summary>What attributes on one member say about the layers under it (null: not said there).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record LayerSettings
{
    /// <summary>A prior attribute on the member.</summary>
    public PriorSettings? Prior { get; init; }

    /// <summary><see cref="ClipVarianceAttribute"/>.</summary>
    public double? MaxVariance { get; init; }

    /// <summary><see cref="PruneThresholdAttribute"/>.</summary>
    public double? Threshold { get; init; }
}
