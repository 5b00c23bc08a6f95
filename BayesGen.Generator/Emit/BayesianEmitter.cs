using System.Collections.Generic;
using System.Linq;
using BayesGen.Generator.Model;

namespace BayesGen.Generator.Emit;

/// <summary>
/// Emits the nested <c>Bayesian</c> class, the training model: a field for every module member forward uses,
/// filled at construction by converting what the plain network holds (layers become Bayesian, containers are
/// rebuilt, blocks get their own generated counterparts), the values forward reads, and forward itself, carried
/// over with its tensor operations recorded. KL, clipping and masks come from the base class.
/// </summary>
internal static class BayesianEmitter
{
    private const string Conversion = "global::BayesGen.Conversion";
    private const string Module = "global::TorchSharp.torch.nn.Module<global::TorchSharp.torch.Tensor, global::TorchSharp.torch.Tensor>";

    public static void Emit(SourceWriter w, NetworkModel model)
    {
        var name = model.ClassName;
        var root = model.Root;
        w.Summary($"The Bayesian training model of {name} under the {NetworkEmitter.PriorProse(model.Prior)} prior: every Linear and\n" +
                  "convolution it holds is Bayesian, trained by variational inference with the local reparameterisation trick.\n" +
                  "Train it with BayesGen.Training.BayesianTrainer (or your own loop: add KL() / N to the loss and call\n" +
                  "ClipVariances() after each step), then prune it with ComputeMasks() and compress it (BayesGen.Compression).");
        w.Line(NetworkEmitter.GeneratedCode);
        w.Open($"{model.Accessibility} sealed partial class Bayesian : global::BayesGen.BayesianNetwork");
        EmitFields(w, root);

        if (model.HasParameterlessConstructor)
        {
            w.Summary($"Creates the model with fresh weights: the posterior means start at the initial weights of a new {name}.");
            w.Line($"public Bayesian() : this(new {model.SelfType}()) {{ }}");
            w.Line();
        }
        w.Summary($"Creates the model of a plain {name}: its weights become the posterior means (a pretrained start when it was trained).");
        w.Open($"public Bayesian({model.SelfType} source, global::BayesGen.BayesianOptions? options = null) : base(\"{name}.Bayesian\")");
        w.Line("if (source is null) throw new global::System.ArgumentNullException(nameof(source));");
        w.Line($"var convert = new {Conversion}.ModuleConverter({PriorSettings(model.Prior)}, options);");
        foreach (var block in model.Blocks)
            w.Line($"convert.Block(\"{block.MetadataName}\", static (module, converter, path) => new {block.CounterpartName}(module, converter, path));");
        EmitMemberInitialization(w, root, block: false);
        w.Line("Initialize(convert.Prior.Kind);");
        w.Close();
        if (model.InputShape.Count > 0)
        {
            w.Line();
            w.Line("/// <inheritdoc/>");
            w.Line($"public override long[]? InputShape => new long[] {{ {string.Join(", ", model.InputShape.Select(d => Literals.Long(d)))} }};");
        }
        w.Line();
        w.Summary($"The forward pass of {name}, carried over: every module is its Bayesian counterpart (sampling in training mode,\n" +
                  "posterior means with the pruning masks in evaluation mode) and every tensor operation is recorded when the\n" +
                  "graph is (see BayesianNetwork.Graph).");
        EmitForward(w, root.Forward, observe: true);

        foreach (var block in model.Blocks)
        {
            w.Line();
            EmitBlock(w, block);
        }
        w.Close();
    }

    private static void EmitFields(SourceWriter w, ModuleClassModel cls)
    {
        foreach (var member in cls.Members)
            w.Line($"private readonly {member.FieldType}{(member.MayBeNull && member.Kind != MemberKind.Value ? "?" : "")} {NetworkEmitter.Id(member.Name)};");
        if (cls.Members.Count > 0) w.Line();
    }

    private static void EmitMemberInitialization(SourceWriter w, ModuleClassModel cls, bool block)
    {
        foreach (var member in cls.Members)
        {
            var path = block ? $"path + \".{member.Name}\"" : Literals.String(member.Name);
            if (member.Settings is { } settings)
                w.Line($"convert.Configure({path}, {LayerSettings(settings)});");
            var source = Read(member, member.Kind == MemberKind.Value ? member.FieldType : "global::TorchSharp.torch.nn.Module");
            var value = member.Kind switch
            {
                MemberKind.Module => $"convert.{Optional(member)}Module({source}, {path})",
                MemberKind.Sequential => $"convert.{Optional(member)}Sequential({source}, {path})",
                MemberKind.ModuleList => $"convert.{Optional(member)}ModuleList<{member.ElementType}>({source}, {path})",
                _ => source,
            };
            w.Line($"{NetworkEmitter.This(member.Name)} = {value};");
        }
    }

    private static string Optional(MemberModel member) => member.MayBeNull ? "Optional" : "";

    private static string Read(MemberModel member, string type)
        => member.DirectAccess
            ? $"source.{NetworkEmitter.Id(member.Name)}"
            : $"{Conversion}.Members.Read<{type}>(source, {Literals.String(member.Name)})";

    private static void EmitBlock(SourceWriter w, ModuleClassModel block)
    {
        w.Summary($"The Bayesian counterpart of the block {block.DisplayName}: its modules converted, its forward carried over.");
        w.Line(NetworkEmitter.GeneratedCode);
        w.Open($"private sealed class {block.CounterpartName} : {Module}");
        EmitFields(w, block);
        w.Summary($"Converts a {block.DisplayName} found at the given path of the network.");
        w.Open($"public {block.CounterpartName}(global::TorchSharp.torch.nn.Module source, {Conversion}.ModuleConverter convert, string path) : base(source.GetName())");
        EmitMemberInitialization(w, block, block: true);
        w.Line("RegisterComponents();");
        w.Close();
        w.Line();
        w.Summary($"The forward pass of {block.DisplayName}, carried over.");
        EmitForward(w, block.Forward, observe: false);
        w.Close();
    }

    private static void EmitForward(SourceWriter w, ForwardModel forward, bool observe)
    {
        var parameter = forward.ParameterName;
        w.Line($"public override {NetworkEmitter.Tensor} forward({NetworkEmitter.Tensor} {NetworkEmitter.Id(parameter)})");
        w.Line($"#nullable {forward.NullableDirective}");
        var observeLine = $"this.ObserveInput({NetworkEmitter.Id(parameter)});";
        if (forward.IsExpressionBody)
        {
            if (observe)
            {
                w.Line("{");
                w.Line("    " + observeLine);
                w.Lines("    return " + forward.Body.Replace("\n", "\n    ") + ";");
                w.Line("}");
            }
            else w.Line($"    => {forward.Body};");
        }
        else
        {
            var lines = forward.Body.Replace("\r\n", "\n").Split('\n').ToList();
            if (observe && lines.Count > 0 && lines[0].Trim() == "{") lines.Insert(1, "    " + observeLine);
            w.Lines(string.Join("\n", lines));
        }
        foreach (var helper in forward.Helpers)
        {
            w.Line();
            w.Lines(helper);
        }
        w.Line("#nullable restore");
    }

    private static string PriorSettings(PriorModel prior) => prior.Kind == PriorKindModel.GroupNJ
        ? $"new global::BayesGen.PriorSettings(global::BayesGen.Layers.PriorKind.GroupNJ, Threshold: {Literals.Double(prior.Threshold)})"
        : $"new global::BayesGen.PriorSettings(global::BayesGen.Layers.PriorKind.Horseshoe, {Literals.Double(prior.Tau0)}, " +
          $"global::BayesGen.Priors.HorseshoeGlobalScale.{(prior.GlobalScale == 1 ? "Exact" : "Published")}, " +
          $"global::BayesGen.Priors.HorseshoeStatistic.{(prior.Statistic == 1 ? "LogNoiseToSignal" : "MeanLogScale")}, " +
          $"global::BayesGen.Priors.HorseshoeInitialization.{(prior.Initialization == 1 ? "PriorScale" : "UnitScale")}, {Literals.Double(prior.Threshold)})";

    private static string LayerSettings(LayerSettingsModel settings)
    {
        var parts = new List<string>();
        if (settings.Prior is { } prior) parts.Add("Prior = " + PriorSettings(prior));
        if (settings.MaxVariance is double clip) parts.Add("MaxVariance = " + Literals.Double(clip));
        if (settings.Threshold is double threshold) parts.Add("Threshold = " + Literals.Double(threshold));
        return $"new {Conversion}.LayerSettings {{ {string.Join(", ", parts)} }}";
    }
}
