using System.Collections.Generic;
using System.Linq;
using BayesGen.Generator.Model;

namespace BayesGen.Generator.Emit;

/// <summary>
/// Emits the nested <c>Bayesian</c> class: the training model. Each Linear/Conv2d field becomes the runtime's
/// Bayesian layer with the declared prior; BatchNorm and parameter-free modules are copied; forward is the
/// user's own body; KL, clipping and mask propagation are wired explicitly for this network.
/// </summary>
internal static class BayesianEmitter
{
    private const string Runtime = "global::BayesGen";
    private const string Layers = "global::BayesGen.Layers";

    public static void Emit(SourceWriter w, NetworkModel model)
    {
        var modules = model.Modules.ToDictionary(m => m.Name);
        var name = model.ClassName;
        w.Summary($"The Bayesian training model of {name}: its {string.Join(", ", model.Layers.Select(l => l.Name))} layers under the\n" +
                  $"{NetworkEmitter.PriorProse(model.Prior)} prior, trained by variational inference with the local reparameterisation trick.\n" +
                  "Train it with BayesGen.Training.BayesianTrainer, then prune and compress it (see BayesGen.Compression).");
        w.Line(NetworkEmitter.GeneratedCode);
        w.Open($"{model.Accessibility} sealed partial class Bayesian : {Runtime}.BayesianNetwork");

        foreach (var layer in model.Layers)
            w.Line($"private readonly {Layers}.{(layer.Kind == LayerKindModel.Linear ? "BayesianLinear" : "BayesianConv2d")} {NetworkEmitter.Id(layer.Name)};");
        foreach (var module in model.Modules)
            w.Line($"private readonly {ModuleFieldType(module)} {NetworkEmitter.Id(module.Name)};");
        w.Line($"private readonly (string Name, {Layers}.BayesianLayer Layer)[] bayesGenLayers;");
        w.Line();

        if (model.HasParameterlessConstructor)
        {
            w.Summary($"Creates the model with fresh weights: the posterior means start at the initial weights of a new {name}.");
            w.Line($"public Bayesian() : this(new {model.SelfType}()) {{ }}");
            w.Line();
        }

        w.Summary($"Creates the model of a plain {name}: its weights become the posterior means (a pretrained start when it was trained).");
        w.Open($"public Bayesian({model.SelfType} source, {Runtime}.BayesianOptions? options = null) : base(\"{name}.Bayesian\")");
        w.Line("if (source is null) throw new global::System.ArgumentNullException(nameof(source));");
        w.Line($"options ??= {Runtime}.BayesianOptions.Default;");
        foreach (var layer in model.Layers) EmitLayerConstruction(w, layer);
        foreach (var module in model.Modules)
        {
            w.Line(module.Kind is ModuleKind.BatchNorm1d or ModuleKind.BatchNorm2d
                ? $"{NetworkEmitter.This(module.Name)} = new {Layers}.MaskedBatchNorm(source.{NetworkEmitter.Id(module.Name)});"
                : $"{NetworkEmitter.This(module.Name)} = {Layers}.ModuleCopies.Copy(source.{NetworkEmitter.Id(module.Name)});");
        }
        w.Line($"this.bayesGenLayers = new (string, {Layers}.BayesianLayer)[] {{ {string.Join(", ", model.Layers.Select(l => $"(\"{l.Name}\", {NetworkEmitter.This(l.Name)})"))} }};");
        w.Line("RegisterComponents();");
        w.Close();
        w.Line();

        w.Line("/// <inheritdoc/>");
        w.Line($"public override global::System.Collections.Generic.IReadOnlyList<(string Name, {Layers}.BayesianLayer Layer)> BayesianLayers => this.bayesGenLayers;");
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public override {Layers}.PriorKind Prior => {Layers}.PriorKind.{model.Prior.Kind};");
        if (model.InputShape.Count > 0)
        {
            w.Line();
            w.Line("/// <inheritdoc/>");
            w.Line($"public override long[]? InputShape => new long[] {{ {string.Join(", ", model.InputShape.Select(d => Literals.Long(d)))} }};");
        }
        if (model.Flow.Followable)
        {
            w.Line();
            EmitGraph(w, model, modules);
        }
        w.Line();
        EmitKL(w, model);
        w.Line();
        EmitClip(w, model);
        if (model.Flow.Followable)
        {
            w.Line();
            EmitMasks(w, model, modules);
        }
        w.Line();
        w.Summary($"The forward pass of {name}, carried over unchanged; here every layer is Bayesian: it samples in training mode\n" +
                  "and uses posterior means (with the pruning masks, when set) in evaluation mode.");
        var parameter = model.Forward.ParameterName;
        if (model.Forward.IsExpressionBody)
        {
            w.Line($"public override {NetworkEmitter.Tensor} forward({NetworkEmitter.Tensor} {parameter})");
            w.Line($"    => {model.Forward.Body};");
        }
        else
        {
            w.Line($"public override {NetworkEmitter.Tensor} forward({NetworkEmitter.Tensor} {parameter})");
            w.Lines(model.Forward.Body);
        }
        w.Close();
    }

    private static string ModuleFieldType(ModuleFieldModel module)
        => module.Kind is ModuleKind.BatchNorm1d or ModuleKind.BatchNorm2d ? $"{Layers}.MaskedBatchNorm" : module.TypeName;

    private static void EmitLayerConstruction(SourceWriter w, LayerModel layer)
    {
        bool linear = layer.Kind == LayerKindModel.Linear;
        var source = "source." + NetworkEmitter.Id(layer.Name);
        var groups = linear ? $"{source}.in_features" : $"{source}.out_channels";
        var scale = layer.Prior.Kind == PriorKindModel.GroupNJ
            ? $"{Layers}.GroupScales.GroupNJ({groups}, options)"
            : $"{Layers}.GroupScales.Horseshoe({groups}, {Literals.Double(layer.Prior.Tau0)}, {GlobalScale(layer.Prior.GlobalScale)}, {Statistic(layer.Prior.Statistic)}, {Initialization(layer.Prior.Initialization)}, options)";
        var settings = new List<string>();
        if (layer.MaxVariance is double clip) settings.Add($"MaxVariance = {Literals.Double(clip)}");
        if (layer.Threshold is double threshold) settings.Add($"Threshold = {Literals.Double(threshold)}");
        settings.Add("InitialLogVariance = options.InitialLogVariance");
        settings.Add("InitGenerator = options.InitGenerator");
        var factory = linear ? "BayesianLinear.FromLinear" : "BayesianConv2d.FromConv2d";
        w.Line($"{NetworkEmitter.This(layer.Name)} = {Layers}.{factory}({source}, {scale},");
        w.Line($"    new {Layers}.LayerOptions {{ {string.Join(", ", settings)} }});");
    }

    private static string GlobalScale(int value) => "global::BayesGen.HorseshoeGlobalScale." + (value == 1 ? "Exact" : "Published");

    private static string Initialization(int value) => "global::BayesGen.HorseshoeInitialization." + (value == 1 ? "PriorScale" : "UnitScale");

    private static string Statistic(int value) => "global::BayesGen.HorseshoeStatistic." + (value == 1 ? "LogNoiseToSignal" : "MeanLogScale");

    private static void EmitGraph(SourceWriter w, NetworkModel model, IReadOnlyDictionary<string, ModuleFieldModel> modules)
    {
        w.Line("/// <inheritdoc/>");
        w.Line($"public override {Runtime}.NetworkGraph Graph => new(new {Runtime}.GraphOp[]");
        w.Line("{");
        foreach (var step in model.Flow.Steps)
            w.Line($"    {GraphOp(step, modules)},");
        w.Line("});");
    }

    private static string GraphOp(FlowStep step, IReadOnlyDictionary<string, ModuleFieldModel> modules) => step.Kind switch
    {
        FlowStepKind.Layer => $"new {Runtime}.LayerOp(\"{step.Field}\")",
        FlowStepKind.Norm => $"new {Runtime}.BatchNormOp(\"{step.Field}\", {(modules[step.Field!].Kind == ModuleKind.BatchNorm1d ? 1 : 2)})",
        FlowStepKind.Module => $"{Layers}.ModuleCopies.Describe({NetworkEmitter.This(step.Field!)})",
        FlowStepKind.Relu => $"new {Runtime}.ActivationOp({Runtime}.ActivationKind.Relu)",
        FlowStepKind.Tanh => $"new {Runtime}.ActivationOp({Runtime}.ActivationKind.Tanh)",
        FlowStepKind.Sigmoid => $"new {Runtime}.ActivationOp({Runtime}.ActivationKind.Sigmoid)",
        FlowStepKind.LeakyRelu => $"new {Runtime}.ActivationOp({Runtime}.ActivationKind.LeakyRelu, {Literals.Double(step.Parameter)})",
        FlowStepKind.MaxPool or FlowStepKind.AvgPool =>
            $"new {Runtime}.PoolOp({Runtime}.PoolKind.{(step.Kind == FlowStepKind.MaxPool ? "Max" : "Average")}, {string.Join(", ", step.Pool.Take(6).Select(Literals.Long))}, {Literals.Bool(step.Pool[6] != 0)})",
        FlowStepKind.Flatten => $"new {Runtime}.FlattenOp()",
        FlowStepKind.Dropout => $"new {Runtime}.DropoutOp({Literals.Double(step.Parameter)})",
        FlowStepKind.LogSoftmax => $"new {Runtime}.SoftmaxOp(true)",
        FlowStepKind.Softmax => $"new {Runtime}.SoftmaxOp(false)",
        _ => throw new System.InvalidOperationException(step.Kind.ToString()),
    };

    private static void EmitKL(SourceWriter w, NetworkModel model)
    {
        var names = model.Layers.Select(l => l.Name).ToList();
        w.Summary($"KL(q ‖ p) of the whole network: the sum over {string.Join(", ", names)}.");
        w.Open($"public override {NetworkEmitter.Tensor} KL()");
        w.Line("using var scope = global::TorchSharp.torch.NewDisposeScope();");
        w.Line($"var kl = {string.Join(" + ", names.Select(n => NetworkEmitter.This(n) + ".KL()"))};");
        w.Line("return kl.MoveToOuterDisposeScope();");
        w.Close();
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Open($"public override {NetworkEmitter.Tensor} ScaleKL()");
        w.Line("using var scope = global::TorchSharp.torch.NewDisposeScope();");
        w.Line($"var kl = {string.Join(" + ", names.Select(n => NetworkEmitter.This(n) + ".Scale.KL()"))};");
        w.Line("return kl.MoveToOuterDisposeScope();");
        w.Close();
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Open("public override void AddWeightKLGradients(double scale)");
        foreach (var n in names) w.Line($"{NetworkEmitter.This(n)}.AddWeightKLGradient(scale);");
        w.Close();
    }

    private static void EmitClip(SourceWriter w, NetworkModel model)
    {
        var clipped = model.Layers.Where(l => l.MaxVariance is not null).Select(l => $"{l.Name} (≤ {Literals.Double(l.MaxVariance!.Value).TrimEnd('d')})").ToList();
        w.Summary(clipped.Count == 0
            ? "Applies every layer's post-step constraints (no [ClipVariance] layer in this network)."
            : $"Applies every layer's post-step constraints: the weight variances of {string.Join(", ", clipped)} are clipped.");
        w.Open("public override void ClipVariances()");
        foreach (var l in model.Layers) w.Line($"{NetworkEmitter.This(l.Name)}.ClipVariances();");
        w.Close();
    }

    private static void EmitMasks(SourceWriter w, NetworkModel model, IReadOnlyDictionary<string, ModuleFieldModel> modules)
    {
        w.Summary("Each layer's groups kept at its threshold, propagated along forward's data flow so that a removed unit is\n" +
                  "removed on both sides of every connection.");
        w.Open($"public override {Runtime}.NetworkMasks ComputeMasks({Runtime}.Compression.PruningThresholds? thresholds = null)");
        foreach (var l in model.Layers) w.Line($"var {l.Name}Masks = OwnMasks(\"{l.Name}\", thresholds);");
        var layerKinds = model.Layers.ToDictionary(l => l.Name, l => l.Kind);
        string? previous = null;
        var between = new List<string>();
        foreach (var step in model.Flow.Steps)
        {
            if (step.Kind != FlowStepKind.Layer)
            {
                between.Add(NetworkEmitter.Describe(step, modules));
                continue;
            }
            var current = step.Field!;
            if (previous is not null)
            {
                var path = string.Join(" → ", new[] { previous }.Concat(between).Concat(new[] { current }));
                bool flatten = step.Kind == FlowStepKind.Layer && layerKinds[previous] == LayerKindModel.Conv2d && layerKinds[current] == LayerKindModel.Linear;
                if (flatten)
                {
                    w.Line($"// {path}: {current}'s input feature f comes from channel f / (H·W) of {previous}.");
                    w.Line($"{Runtime}.Compression.MaskPropagation.Flatten({previous}Masks, {current}Masks, {NetworkEmitter.This(current)}.InFeatures / {NetworkEmitter.This(previous)}.OutChannels);");
                }
                else
                {
                    w.Line($"// {path}: unit for unit.");
                    w.Line($"{Runtime}.Compression.MaskPropagation.Direct({previous}Masks, {current}Masks);");
                }
            }
            previous = current;
            between.Clear();
        }
        w.Line($"var masks = new {Runtime}.NetworkMasks();");
        foreach (var l in model.Layers) w.Line($"masks.Add(\"{l.Name}\", {l.Name}Masks);");
        w.Line("return masks;");
        w.Close();

        var norms = NormProducers(model);
        if (norms.Count == 0) return;
        w.Line();
        w.Summary("Applies the masks; each BatchNorm follows the channels of the layer before it.");
        w.Open($"public override void ApplyMasks({Runtime}.NetworkMasks masks)");
        w.Line("base.ApplyMasks(masks);");
        foreach (var (norm, producer) in norms)
            w.Line(producer is null ? $"{NetworkEmitter.This(norm)}.ChannelMask = null;" : $"{NetworkEmitter.This(norm)}.ChannelMask = masks[\"{producer}\"].Output;");
        w.Close();
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Open("public override void ClearMasks()");
        w.Line("base.ClearMasks();");
        foreach (var (norm, _) in norms) w.Line($"{NetworkEmitter.This(norm)}.ChannelMask = null;");
        w.Close();
    }

    private static List<(string Norm, string? Producer)> NormProducers(NetworkModel model)
    {
        var result = new List<(string, string?)>();
        string? producer = null;
        foreach (var step in model.Flow.Steps)
        {
            if (step.Kind == FlowStepKind.Layer) producer = step.Field;
            if (step.Kind == FlowStepKind.Norm) result.Add((step.Field!, producer));
        }
        return result;
    }
}
