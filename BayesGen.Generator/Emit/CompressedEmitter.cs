using System.Collections.Generic;
using System.Linq;
using BayesGen.Generator.Model;

namespace BayesGen.Generator.Emit;

/// <summary>
/// Emits the nested <c>Compressed</c> class: the deployment model. An ordinary deterministic TorchSharp module
/// with one statement per step of the followed chain, physically smaller layers built from a compressed
/// model (artifact file), and a check that the artifact belongs to this network.
/// </summary>
internal static class CompressedEmitter
{
    private const string Deployment = "global::BayesGen.Deployment";
    private const string Module = "global::TorchSharp.torch.nn.Module<global::TorchSharp.torch.Tensor, global::TorchSharp.torch.Tensor>";

    public static void Emit(SourceWriter w, NetworkModel model)
    {
        var modules = model.Modules.ToDictionary(m => m.Name);
        var steps = model.Flow.Steps;
        var name = model.ClassName;
        w.Summary($"The compressed deployment model of {name}: pruned groups removed for good (smaller layers), weights at the\n" +
                  "precision the posterior allows. Load it from an artifact file written by the compression step.");
        w.Line(NetworkEmitter.GeneratedCode);
        w.Open($"{model.Accessibility} sealed partial class Compressed : {Module}");
        w.Line("private static readonly string[] ExpectedOps =");
        w.Line("{");
        foreach (var step in steps) w.Line($"    {Literals.String(NetworkEmitter.OpName(step, modules))},");
        w.Line("};");
        w.Line();

        // Fields: one per layer, BatchNorm and parameterised step, plus gathers for Linear layers that may need one.
        var gatherLayers = GatherCandidates(model);
        for (int i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            switch (step.Kind)
            {
                case FlowStepKind.Layer:
                    bool linear = model.Layers.First(l => l.Name == step.Field).Kind == LayerKindModel.Linear;
                    w.Line($"private readonly global::TorchSharp.Modules.{(linear ? "Linear" : "Conv2d")} {NetworkEmitter.Id(step.Field!)};");
                    if (gatherLayers.Contains(step.Field!)) w.Line($"private readonly {NetworkEmitter.Tensor}? {step.Field}Inputs;");
                    break;
                case FlowStepKind.Norm:
                    w.Line($"private readonly {Module} {NetworkEmitter.Id(step.Field!)};");
                    break;
                case FlowStepKind.MaxPool:
                case FlowStepKind.AvgPool:
                    w.Line($"private readonly {Module} pool{i};");
                    break;
                case FlowStepKind.Module when modules[step.Field!].Kind is ModuleKind.MaxPool2d or ModuleKind.AvgPool2d:
                    w.Line($"private readonly {Module} {NetworkEmitter.Id(step.Field!)};");
                    break;
                case FlowStepKind.Module when modules[step.Field!].Kind == ModuleKind.LeakyReLU:
                    w.Line($"private readonly double {step.Field}Slope;");
                    break;
            }
        }
        w.Line();

        w.Open($"private Compressed({Deployment}.CompressedModel model) : base(\"{name}.Compressed\")");
        w.Line($"model.CheckOps(ExpectedOps, \"{name}.Compressed\");");
        w.Line("Model = model;");
        for (int i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            switch (step.Kind)
            {
                case FlowStepKind.Layer:
                    bool linear = model.Layers.First(l => l.Name == step.Field).Kind == LayerKindModel.Linear;
                    w.Line($"{NetworkEmitter.This(step.Field!)} = model.{(linear ? "CreateLinear" : "CreateConv2d")}(\"{step.Field}\");");
                    if (gatherLayers.Contains(step.Field!)) w.Line($"this.{step.Field}Inputs = model.GatherIndices(\"{step.Field}\");");
                    break;
                case FlowStepKind.Norm:
                    w.Line($"{NetworkEmitter.This(step.Field!)} = model.CreateBatchNorm(\"{step.Field}\");");
                    break;
                case FlowStepKind.MaxPool:
                case FlowStepKind.AvgPool:
                    w.Line($"this.pool{i} = {Deployment}.GraphOps.PoolModule(model.Op<global::BayesGen.PoolOp>({i}));");
                    break;
                case FlowStepKind.Module when modules[step.Field!].Kind is ModuleKind.MaxPool2d or ModuleKind.AvgPool2d:
                    w.Line($"{NetworkEmitter.This(step.Field!)} = {Deployment}.GraphOps.PoolModule(model.Op<global::BayesGen.PoolOp>({i}));");
                    break;
                case FlowStepKind.Module when modules[step.Field!].Kind == ModuleKind.LeakyReLU:
                    w.Line($"this.{step.Field}Slope = model.Op<global::BayesGen.ActivationOp>({i}).Parameter;");
                    break;
            }
        }
        w.Line($"ChunkRows = {Deployment}.BatchChunks.DefaultRows(model);");
        w.Line("RegisterComponents();");
        w.Line("eval();");
        w.Close();
        w.Line();

        w.Summary("The compressed model this network runs: kept units, bits per layer, quantised weights.");
        w.Line($"public {Deployment}.CompressedModel Model {{ get; }}");
        w.Line();
        w.Summary($"Loads an artifact file written for {name} (throws InvalidDataException for a damaged file or another network's).");
        w.Line($"public static Compressed Load(string path) => new({Deployment}.CompressedModel.Load(path));");
        w.Line();
        w.Summary($"Builds the network from a compressed model of {name} held in memory.");
        w.Line($"public static Compressed From({Deployment}.CompressedModel model) => new(model ?? throw new global::System.ArgumentNullException(nameof(model)));");
        w.Line();

        w.Summary("Inputs per step of a large batch (0: the whole batch at once). Networks with convolutions start at as many\n" +
                  "as keep a chunk's largest convolution output in the CPU's cache (BatchChunks.DefaultRows); the outputs do not change.");
        w.Line("public int ChunkRows { get; set; }");
        w.Line();
        w.Summary($"The forward pass of {name} with the pruned layers: deterministic, as in evaluation.");
        w.Line($"public override {NetworkEmitter.Tensor} forward({NetworkEmitter.Tensor} input) => {Deployment}.BatchChunks.Forward(input, ChunkRows, ForwardChunk);");
        w.Line();
        w.Open($"private {NetworkEmitter.Tensor} ForwardChunk({NetworkEmitter.Tensor} input)");
        w.Line("using var scope = global::TorchSharp.torch.NewDisposeScope();");
        w.Line("var x = input;");
        for (int i = 0; i < steps.Count; i++)
        {
            if (i + 1 < steps.Count && IsRelu(steps[i], modules) && IsMaxPool(steps[i + 1], modules))
            {
                // max(relu(a), relu(b)) = relu(max(a, b)): pooling first gives the activation a quarter of the work.
                w.Line("// pool before the ReLU: the same values, the ReLU on the smaller tensor");
                foreach (var line in Statement(steps[i + 1], i + 1, modules, gatherLayers)) w.Line(line);
                foreach (var line in Statement(steps[i], i, modules, gatherLayers)) w.Line(line);
                i++;
                continue;
            }
            foreach (var line in Statement(steps[i], i, modules, gatherLayers)) w.Line(line);
        }
        w.Line("return x.MoveToOuterDisposeScope();");
        w.Close();
        w.Close();
    }

    private static bool IsRelu(FlowStep step, IReadOnlyDictionary<string, ModuleFieldModel> modules) =>
        step.Kind == FlowStepKind.Relu || (step.Kind == FlowStepKind.Module && modules[step.Field!].Kind == ModuleKind.ReLU);

    private static bool IsMaxPool(FlowStep step, IReadOnlyDictionary<string, ModuleFieldModel> modules) =>
        step.Kind == FlowStepKind.MaxPool || (step.Kind == FlowStepKind.Module && modules[step.Field!].Kind == ModuleKind.MaxPool2d);

    private static IEnumerable<string> Statement(FlowStep step, int index, IReadOnlyDictionary<string, ModuleFieldModel> modules, HashSet<string> gathers)
    {
        const string F = "global::TorchSharp.torch.nn.functional";
        switch (step.Kind)
        {
            case FlowStepKind.Layer:
                if (gathers.Contains(step.Field!))
                    yield return $"if (this.{step.Field}Inputs is not null) x = x.index_select(1, this.{step.Field}Inputs);   // the input features {step.Field} still reads";
                yield return $"x = {NetworkEmitter.This(step.Field!)}.forward(x);";
                break;
            case FlowStepKind.Norm:
                yield return $"x = {NetworkEmitter.This(step.Field!)}.forward(x);";
                break;
            case FlowStepKind.MaxPool:
            case FlowStepKind.AvgPool:
                yield return $"x = this.pool{index}.forward(x);";
                break;
            case FlowStepKind.Relu:
                yield return $"x = {F}.relu(x);";
                break;
            case FlowStepKind.Tanh:
                yield return "x = x.tanh();";
                break;
            case FlowStepKind.Sigmoid:
                yield return "x = x.sigmoid();";
                break;
            case FlowStepKind.LeakyRelu:
                yield return $"x = {F}.leaky_relu(x, {Literals.Double(step.Parameter)});";
                break;
            case FlowStepKind.Flatten:
                yield return "x = x.flatten(1);";
                break;
            case FlowStepKind.Dropout:
                yield return "// dropout: the identity in evaluation";
                break;
            case FlowStepKind.LogSoftmax:
                yield return $"x = {F}.log_softmax(x, 1);";
                break;
            case FlowStepKind.Softmax:
                yield return $"x = {F}.softmax(x, 1);";
                break;
            case FlowStepKind.Module:
                var field = step.Field!;
                switch (modules[field].Kind)
                {
                    case ModuleKind.ReLU: yield return $"x = {F}.relu(x);   // {field}"; break;
                    case ModuleKind.Tanh: yield return $"x = x.tanh();   // {field}"; break;
                    case ModuleKind.Sigmoid: yield return $"x = x.sigmoid();   // {field}"; break;
                    case ModuleKind.LeakyReLU: yield return $"x = {F}.leaky_relu(x, this.{field}Slope);"; break;
                    case ModuleKind.Dropout:
                    case ModuleKind.Identity: yield return $"// {field}: the identity in evaluation"; break;
                    case ModuleKind.MaxPool2d:
                    case ModuleKind.AvgPool2d: yield return $"x = {NetworkEmitter.This(field)}.forward(x);"; break;
                    case ModuleKind.Flatten: yield return $"x = x.flatten(1);   // {field}"; break;
                    case ModuleKind.LogSoftmax: yield return $"x = {F}.log_softmax(x, 1);   // {field}"; break;
                    case ModuleKind.Softmax: yield return $"x = {F}.softmax(x, 1);   // {field}"; break;
                }
                break;
        }
    }

    /// <summary>
    /// Linear layers whose input may need gathering: a first Linear layer (its kept input pixels or features) and a
    /// Linear layer after a flatten (the kept positions of the kept channels). A convolution's inputs never need it:
    /// its groups are its outputs, and its input channels are exactly the previous convolution's kept filters.
    /// </summary>
    private static HashSet<string> GatherCandidates(NetworkModel model)
    {
        var result = new HashSet<string>();
        var kinds = model.Layers.ToDictionary(l => l.Name, l => l.Kind);
        string? previous = null;
        foreach (var step in model.Flow.Steps.Where(s => s.Kind == FlowStepKind.Layer))
        {
            var current = step.Field!;
            if (kinds[current] == LayerKindModel.Linear && (previous is null || kinds[previous] == LayerKindModel.Conv2d)) result.Add(current);
            previous = current;
        }
        return result;
    }
}
