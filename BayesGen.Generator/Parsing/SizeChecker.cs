using System.Collections.Generic;
using BayesGen.Generator.Diagnostics;
using BayesGen.Generator.Model;

namespace BayesGen.Generator.Parsing;

/// <summary>
/// Walks a followed chain with the sizes known at compile time and reports every layer whose input size does
/// not match what reaches it. Without [InputShape] only what the layers themselves say is checked (Linear →
/// Linear, conv → conv channels, that a flatten's features split evenly into channels); with it, also the
/// first layer and the exact number of features a flatten produces.
/// </summary>
internal sealed class SizeChecker
{
    private readonly IReadOnlyDictionary<string, LayerSizes?> layerSizes;
    private readonly IReadOnlyDictionary<string, LayerKindModel> layerKinds;
    private readonly IReadOnlyDictionary<string, long?> normFeatures;
    private readonly IReadOnlyDictionary<string, long[]?> modulePools;
    private readonly IReadOnlyDictionary<string, ModuleKind> moduleKinds;
    private readonly IReadOnlyDictionary<string, LocationInfo?> inSizeLocations;
    private readonly List<DiagnosticInfo> diagnostics;

    public SizeChecker(IReadOnlyDictionary<string, LayerSizes?> layerSizes, IReadOnlyDictionary<string, LayerKindModel> layerKinds,
        IReadOnlyDictionary<string, long?> normFeatures, IReadOnlyDictionary<string, ModuleKind> moduleKinds,
        IReadOnlyDictionary<string, long[]?> modulePools, IReadOnlyDictionary<string, LocationInfo?> inSizeLocations, List<DiagnosticInfo> diagnostics)
    {
        this.layerSizes = layerSizes;
        this.layerKinds = layerKinds;
        this.normFeatures = normFeatures;
        this.moduleKinds = moduleKinds;
        this.modulePools = modulePools;
        this.inSizeLocations = inSizeLocations;
        this.diagnostics = diagnostics;
    }

    private enum Form { Unknown, Features, Channels, Flattened }

    /// <summary>What flows between two steps: features (n), channels (c × h × w, sizes possibly unknown), or a flatten of c channels.</summary>
    private readonly record struct State(Form Form, long N, long C, long? H, long? W, string Source)
    {
        public static State Unknown => new(Form.Unknown, 0, 0, null, null, "");
    }

    public void Check(FlowModel flow, IReadOnlyList<int> inputShape)
    {
        var state = inputShape.Count switch
        {
            1 => new State(Form.Features, inputShape[0], 0, null, null, "[InputShape]"),
            3 => new State(Form.Channels, 0, inputShape[0], inputShape[1], inputShape[2], "[InputShape]"),
            _ => State.Unknown,
        };
        foreach (var step in flow.Steps)
        {
            state = step.Kind switch
            {
                FlowStepKind.Layer => Layer(step.Field!, state),
                FlowStepKind.Norm => Norm(step.Field!, state),
                FlowStepKind.Module => Module(step.Field!, state),
                FlowStepKind.Flatten => Flatten(state),
                FlowStepKind.MaxPool or FlowStepKind.AvgPool => Pool(state, step.Pool[0], step.Pool[1], step.Pool[2], step.Pool[3], step.Pool[4], step.Pool[5], step.Pool[6] != 0),
                _ => state,
            };
        }
    }

    private State Layer(string name, State state)
    {
        var sizes = layerSizes[name];
        if (sizes is null) return State.Unknown;
        var kind = layerKinds[name];
        if (kind == LayerKindModel.Linear)
        {
            switch (state.Form)
            {
                case Form.Features when state.N != sizes.In:
                    Mismatch(name, $"{sizes.In} input features", $"{From(state)} produces {state.N}");
                    break;
                case Form.Flattened when state.H is long h && state.W is long w && state.C * h * w != sizes.In:
                    Mismatch(name, $"{sizes.In} input features", $"flatten(1) of the {state.C} channels of {h}×{w} from {state.Source} gives {state.C * h * w}");
                    break;
                case Form.Flattened when state.H is null && sizes.In % state.C != 0:
                    Mismatch(name, $"{sizes.In} input features", $"flattening the {state.C} channels of {state.Source} gives a multiple of {state.C}");
                    break;
            }
            return new State(Form.Features, sizes.Out, 0, null, null, $"'{name}'");
        }

        var c = sizes.Conv;   // kH, kW, sH, sW, pH, pW, dH, dW
        if (state.Form == Form.Channels && state.C != sizes.In)
            Mismatch(name, $"{sizes.In} input channels", $"{From(state)} produces {state.C}");
        long? outH = null, outW = null;
        if (state.Form == Form.Channels && state.H is long inH && state.W is long inW)
        {
            outH = (inH + 2 * c[4] - c[6] * (c[0] - 1) - 1) / c[2] + 1;
            outW = (inW + 2 * c[5] - c[7] * (c[1] - 1) - 1) / c[3] + 1;
            if (outH <= 0 || outW <= 0)
            {
                Mismatch(name, $"an input of at least {c[6] * (c[0] - 1) + 1 - 2 * c[4]}×{c[7] * (c[1] - 1) + 1 - 2 * c[5]}", $"{From(state)} gives {inH}×{inW}");
                return State.Unknown;
            }
        }
        return new State(Form.Channels, 0, sizes.Out, outH, outW, $"'{name}'");
    }

    private State Norm(string name, State state)
    {
        if (!normFeatures.TryGetValue(name, out var features) || features is null) return state;
        long? arriving = state.Form switch { Form.Features => state.N, Form.Channels => state.C, _ => null };
        if (arriving is long n && n != features)
            Mismatch(name, $"{features} {(state.Form == Form.Features ? "features" : "channels")}", $"{From(state)} produces {n}");
        return state;
    }

    private State Module(string name, State state)
    {
        var kind = moduleKinds[name];
        if (kind == ModuleKind.Flatten) return Flatten(state);
        if (kind is ModuleKind.MaxPool2d or ModuleKind.AvgPool2d)
        {
            if (modulePools.TryGetValue(name, out var p) && p is not null)
                return Pool(state, p[0], p[1], p[2], p[3], p[4], p[5], p[6] != 0);
            return state.Form == Form.Channels ? state with { H = null, W = null } : State.Unknown;
        }
        return state;
    }

    private static State Flatten(State state) => state.Form switch
    {
        Form.Channels => new State(Form.Flattened, 0, state.C, state.H, state.W, state.Source),
        Form.Features => state,
        _ => State.Unknown,
    };

    private static State Pool(State state, long kh, long kw, long sh, long sw, long ph, long pw, bool ceil)
    {
        if (state.Form != Form.Channels) return state;
        if (state.H is not long h || state.W is not long w) return state;
        return state with { H = PoolSize(h, kh, sh, ph, ceil), W = PoolSize(w, kw, sw, pw, ceil) };
    }

    private static long PoolSize(long input, long kernel, long stride, long padding, bool ceil)
    {
        double size = (double)(input + 2 * padding - kernel) / stride + 1;
        long result = ceil ? (long)System.Math.Ceiling(size) : (long)System.Math.Floor(size);
        if (ceil && (result - 1) * stride >= input + padding) result--;
        return result;
    }

    private static string From(State state) => state.Source == "[InputShape]" ? "[InputShape]" : state.Source;

    private void Mismatch(string layer, string expected, string actual)
    {
        inSizeLocations.TryGetValue(layer, out var location);
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeMismatch, location, layer, expected, actual));
    }
}
