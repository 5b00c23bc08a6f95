using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BayesGen.Generator.Parsing;

/// <summary>
/// The table of TorchSharp tensor operations BayesGen records: for a call in forward (a Tensor method, a
/// <c>torch</c> or <c>torch.nn.functional</c> function) it gives the call of <c>BayesGen.Tracing.Ops</c> that
/// computes the same thing and records it, built from the call's (already rewritten) argument texts. A call the
/// table does not know, or knows but with an argument it cannot record (an <c>alpha</c> on <c>add</c>, a dtype
/// on <c>softmax</c>), gets null and a reason.
/// </summary>
internal static class TensorOperations
{
    private const string Ops = "global::BayesGen.Tracing.Ops";
    private const string Sizes = "global::BayesGen.Tracing.Sizes";
    private const string Activation = "global::BayesGen.Graph.ActivationKind";

    /// <summary>The operations, for messages.</summary>
    public const string Supported =
        "relu, relu6, leaky_relu, elu, gelu, silu, softplus, hardswish, hardsigmoid, hardtanh, mish, selu, celu, tanh, sigmoid, clamp, clamp_min, clamp_max, clip (and their in-place forms), glu, " +
        "dropout, dropout1d, dropout2d, alpha_dropout, max_pool1d/2d, avg_pool1d/2d, adaptive_avg_pool1d/2d, adaptive_max_pool1d/2d, flatten, view, reshape, permute, " +
        "transpose, squeeze, unsqueeze, contiguous, to_type, to, @float and the other changes of type or device, softmax, log_softmax, cat, chunk, split, narrow, channel_shuffle, +, −, ·, / (between tensors or with a number), " +
        "add, sub, mul, div, mean, sum and amax over dimensions, pad, interpolate, upsample, upsample_nearest, upsample_bilinear, local_response_norm, pixel_shuffle";

    /// <summary>Tensor methods that change a tensor's type or device, not its values or shape.</summary>
    public static bool IsConversion(string method)
        => method is "to_type" or "type" or "to" or "float" or "double" or "half" or "bfloat16" or "cpu" or "cuda";

    private static readonly Dictionary<string, string> ActivationKinds = new()
    {
        ["relu"] = "Relu", ["relu6"] = "Hardtanh", ["leaky_relu"] = "LeakyRelu", ["elu"] = "Elu", ["gelu"] = "Gelu", ["silu"] = "Silu",
        ["softplus"] = "Softplus", ["hardswish"] = "Hardswish", ["hardsigmoid"] = "Hardsigmoid", ["hardtanh"] = "Hardtanh",
        ["mish"] = "Mish", ["tanh"] = "Tanh", ["sigmoid"] = "Sigmoid", ["selu"] = "Selu", ["celu"] = "Celu",
    };

    /// <summary>
    /// The replacement of a call, or null with <paramref name="reason"/> saying why it cannot be recorded
    /// (null reason: not a tensor operation at all).
    /// </summary>
    public static string? Rewrite(IInvocationOperation call, CallArguments a, out string? reason)
    {
        reason = null;
        var method = call.TargetMethod;
        bool onTensor = call.Instance is not null && KnownTypes.IsTensor(call.Instance.Type);
        bool isStatic = method.IsStatic && method.ContainingType is { } owner && KnownTypes.IsTorchSharp(owner) && InTorch(owner);
        if (!onTensor && !isStatic) return null;
        string name = method.Name;
        bool inPlace = name.EndsWith("_", System.StringComparison.Ordinal);
        string baseName = inPlace ? name.Substring(0, name.Length - 1) : name;
        string? x = onTensor ? a.Receiver : a.Get("input", "x", "left", "tensor");

        if (ActivationKinds.TryGetValue(baseName, out var kind))
        {
            if (x is null) return Unknown(out reason, name);
            string place = inPlace ? "true" : a.Get("inplace") ?? "false";
            switch (baseName)
            {
                case "relu6":
                    return $"{Ops}.Activation({x}, {Activation}.Hardtanh, 0d, 6d, inplace: {place})";
                case "leaky_relu":
                    return $"{Ops}.Activation({x}, {Activation}.LeakyRelu, {a.Number("negative_slope") ?? "0.01d"}, inplace: {place})";
                case "elu":
                    if (a.IsExplicit("scale") || a.IsExplicit("input_scale")) return Refuse(out reason, "elu with a scale");
                    return $"{Ops}.Activation({x}, {Activation}.Elu, {a.Number("alpha") ?? "1d"}, inplace: {place})";
                case "gelu":
                {
                    var approximate = a.Get("approximate");
                    var geluKind = approximate is null ? $"{Activation}.Gelu"
                        : $"(({approximate}) == global::TorchSharp.Modules.GELU.Approximate.tanh ? {Activation}.GeluTanh : {Activation}.Gelu)";
                    return $"{Ops}.Activation({x}, {geluKind}, inplace: {place})";
                }
                case "softplus":
                    return $"{Ops}.Activation({x}, {Activation}.Softplus, {a.Number("beta") ?? "1d"}, {a.Number("threshold") ?? "20d"}, inplace: {place})";
                case "celu":
                    return $"{Ops}.Activation({x}, {Activation}.Celu, {a.Number("alpha") ?? "1d"}, inplace: {place})";
                case "hardtanh":
                    return $"{Ops}.Activation({x}, {Activation}.Hardtanh, {a.Number("min_val", "min") ?? "-1d"}, {a.Number("max_val", "max") ?? "1d"}, inplace: {place})";
                default:
                    return $"{Ops}.Activation({x}, {Activation}.{kind}, inplace: {place})";
            }
        }

        switch (baseName)
        {
            case "clamp" or "clip" or "clamp_min" or "clamp_max":
            {
                // hardtanh with the bounds given; a bound not given is the largest float (LibTorch refuses a bound no float can hold), which clamps no finite value.
                if (x is null) return Unknown(out reason, name);
                if (a.IsTensor("min", "max")) return Refuse(out reason, $"{name} with tensor bounds");
                string low = a.Get("min") is null or "null" ? "-(double)global::System.Single.MaxValue" : a.Number("min")!;
                string high = a.Get("max") is null or "null" ? "(double)global::System.Single.MaxValue" : a.Number("max")!;
                return $"{Ops}.Activation({x}, {Activation}.Hardtanh, {low}, {high}, inplace: {Bool(inPlace)})";
            }
            case "dropout" or "dropout1d" or "dropout2d" or "alpha_dropout" when !onTensor:
            {
                string dropoutKind = baseName switch { "alpha_dropout" => "Alpha", "dropout" => "Element", _ => "Channel" };
                return $"{Ops}.Dropout({x}, {a.Number("p") ?? "0.5d"}, {a.Get("training") ?? "true"}, global::BayesGen.Graph.DropoutKind.{dropoutKind}, {a.Get("inplace") ?? "false"})";
            }
            case "max_pool1d" or "max_pool2d" or "avg_pool1d" or "avg_pool2d" when !onTensor:
            {
                bool max = baseName.StartsWith("max", System.StringComparison.Ordinal);
                int dims = baseName.EndsWith("1d", System.StringComparison.Ordinal) ? 1 : 2;
                if (a.IsExplicit("divisor_override") && a.Get("divisor_override") != "null") return Refuse(out reason, "average pooling with a divisor override");
                var kernel = a.Get("kernel_size", "kernelSize");
                if (x is null || kernel is null) return Unknown(out reason, name);
                return $"{Ops}.Pool({x}, global::BayesGen.Graph.PoolKind.{(max ? "Max" : "Average")}, {dims}, {SizeList(kernel)}!, {SizeList(a.Get("stride", "strides"))}, " +
                       $"{SizeList(a.Get("padding", "paddings"))}, {a.Get("ceil_mode") ?? "false"}, {a.Get("count_include_pad") ?? "true"}, {SizeList(a.Get("dilation"))})";
            }
            case "adaptive_avg_pool1d" or "adaptive_avg_pool2d" or "adaptive_max_pool1d" or "adaptive_max_pool2d" when !onTensor:
            {
                var size = a.Get("output_size", "outputSize");
                if (x is null || size is null) return Unknown(out reason, name);
                string pool = baseName.Contains("max") ? "AdaptiveMaxPool" : "AdaptiveAvgPool";
                return $"{Ops}.{pool}({x}, {(baseName.EndsWith("1d", System.StringComparison.Ordinal) ? 1 : 2)}, {SizeList(size)}!)";
            }
            case "pad" when !onTensor:
            {
                var pads = a.Get("pad");
                if (x is null || pads is null) return Unknown(out reason, name);
                if (a.IsSpan("pad")) pads = $"({pads}).ToArray()";
                return $"{Ops}.Pad({x}, {pads}, {a.Get("mode") ?? "global::TorchSharp.PaddingModes.Constant"}, {a.Number("value") ?? "0d"})";
            }
            case "pixel_shuffle" when !onTensor:
            {
                var factor = a.Get("upscale_factor");
                if (x is null || factor is null) return Unknown(out reason, name);
                return $"{Ops}.PixelShuffle({x}, {factor})";
            }
            case "local_response_norm" when !onTensor:
            {
                var size = a.Get("size");
                if (x is null || size is null) return Unknown(out reason, name);
                return $"{Ops}.LocalResponseNorm({x}, {size}, {a.Number("alpha") ?? "1e-4d"}, {a.Number("beta") ?? "0.75d"}, {a.Number("k") ?? "1d"})";
            }
            case "interpolate" when !onTensor:
            {
                if (a.IsExplicit("antialias") && a.Get("antialias") != "false") return Refuse(out reason, "interpolate with antialiasing");
                if (x is null) return Unknown(out reason, name);
                return $"{Ops}.Interpolate({x}, {a.Get("size") ?? "null"}, {a.Get("scale_factor") ?? "null"}, {a.Get("mode") ?? "global::TorchSharp.torch.InterpolationMode.Nearest"}, " +
                       $"{a.Get("align_corners") ?? "null"}, {a.Get("recompute_scale_factor") ?? "false"})";
            }
            case "upsample" or "upsample_nearest" or "upsample_bilinear" when !onTensor:
            {
                if (x is null) return Unknown(out reason, name);
                string mode = baseName switch
                {
                    "upsample" => a.Get("mode") ?? "global::TorchSharp.torch.UpsampleMode.Nearest",
                    "upsample_nearest" => "global::TorchSharp.torch.UpsampleMode.Nearest",
                    _ => "global::TorchSharp.torch.UpsampleMode.Bilinear",
                };
                return $"{Ops}.Upsample({x}, {a.Get("size") ?? "null"}, {a.Get("scale_factor") ?? "null"}, {mode}, {a.Get("align_corners") ?? "false"})";
            }
            case "glu":
                return x is null ? Unknown(out reason, name) : $"{Ops}.Glu({x}, {a.Get("dim") ?? "-1L"})";
            case "flatten":
                if (x is null || a.Has("out_dim")) return Refuse(out reason, "flatten with named dimensions");
                return $"{Ops}.Flatten({x}, {a.Get("start_dim") ?? "0L"}, {a.Get("end_dim") ?? "-1L"})";
            case "view" or "reshape":
            {
                var shape = a.Get("shape");
                if (x is null || shape is null) return Unknown(out reason, name);
                return $"{Ops}.Reshape({x}, {shape}, view: {(baseName == "view" ? "true" : "false")})";
            }
            case "permute":
            {
                var dims = a.Get("permutation", "dims");
                if (x is null || dims is null) return Unknown(out reason, name);
                if (!a.IsArray("permutation", "dims")) dims = $"global::System.Linq.Enumerable.ToArray({dims})";
                return $"{Ops}.Permute({x}, {dims})";
            }
            case "transpose" or "swapaxes" or "swapdims":
            {
                var d0 = a.Get("dim0", "axis0");
                var d1 = a.Get("dim1", "axis1");
                if (x is null || d0 is null || d1 is null) return Unknown(out reason, name);
                return $"{Ops}.Transpose({x}, {d0}, {d1})";
            }
            case "unsqueeze":
                return x is null || a.Get("dim") is not { } ud ? Unknown(out reason, name) : $"{Ops}.Unsqueeze({x}, {ud})";
            case "squeeze":
                return x is null ? Unknown(out reason, name) : $"{Ops}.Squeeze({x}, {a.Get("dim") ?? "null"})";
            case var conversion when onTensor && IsConversion(conversion) && KnownTypes.IsTensor(call.Type):
            {
                // Re-issued inside a lambda with its own arguments, named, so the receiver is computed once.
                var given = call.Arguments.Where(g => g.ArgumentKind != ArgumentKind.DefaultValue && g.Parameter is not null)
                    .Select(g => $"{g.Parameter!.Name}: {a.Get(g.Parameter.Name)}");
                return $"{Ops}.Converted({x}, __converted => __converted.@{name}({string.Join(", ", given)}))";
            }
            case "contiguous" when onTensor:
                return $"{Ops}.Contiguous({x})";
            case "alias" when onTensor:
                return $"{Ops}.Alias({x})";
            case "clone":
                return x is null ? Unknown(out reason, name) : $"{Ops}.Clone({x})";
            case "detach":
                return x is null ? Unknown(out reason, name) : $"{Ops}.Detach({x})";
            case "softmax" or "log_softmax":
            {
                if (a.IsExplicit("dtype") && a.Get("dtype") != "null") return Refuse(out reason, $"{name} with a dtype");
                var dim = a.Get("dim");
                if (x is null || dim is null) return Unknown(out reason, name);
                return $"{Ops}.Softmax({x}, {dim}, log: {(baseName == "log_softmax" ? "true" : "false")})";
            }
            case "cat" or "concat" or "concatenate" when !onTensor:
            {
                var tensors = a.Get("tensors");
                if (tensors is null) return Unknown(out reason, name);
                return $"{Ops}.Concat({tensors}, {a.Get("dim", "axis") ?? "0L"})";
            }
            case "add" or "sub" or "mul" or "div":
            {
                if (a.IsExplicit("alpha")) return Refuse(out reason, $"{name} with alpha");
                if (a.IsExplicit("rounding_mode")) return Refuse(out reason, $"{name} with a rounding mode");
                var other = onTensor ? a.Get("target", "scalar", "other") : a.Get("right", "other");
                if (x is null || other is null) return Unknown(out reason, name);
                string op = baseName switch { "add" => "Add", "sub" => "Subtract", "mul" => "Multiply", _ => "Divide" };
                return a.IsTensor("target", "scalar", "other", "right")
                    ? $"{Ops}.Binary({x}, {other}, global::BayesGen.Graph.BinaryKind.{op}, inplace: {Bool(inPlace)})"
                    : $"{Ops}.Scalar({x}, {other}, global::BayesGen.Graph.BinaryKind.{op}, inplace: {Bool(inPlace)})";
            }
            case "chunk":
            {
                var chunks = a.Get("chunks");
                if (x is null || chunks is null) return Unknown(out reason, name);
                return $"{Ops}.Chunk({x}, {chunks}, {a.Get("dim") ?? "0L"})";
            }
            case "split":
            {
                var sizes = a.Get("split_size_or_sections", "sizes", "size");
                if (x is null || sizes is null) return Unknown(out reason, name);
                if (a.IsSpan("split_size_or_sections", "sizes", "size")) sizes = $"({sizes}).ToArray()";
                return $"{Ops}.Split({x}, {sizes}, {a.Get("dim") ?? "0L"})";
            }
            case "narrow":
            {
                var (dim, start, length) = (a.Get("dim"), a.Get("start"), a.Get("length"));
                if (x is null || dim is null || start is null || length is null) return Unknown(out reason, name);
                if (a.IsTensor("start")) return Refuse(out reason, "narrow with a tensor start");
                return $"{Ops}.Narrow({x}, {dim}, {start}, {length})";
            }
            case "channel_shuffle":
            {
                var groups = a.Get("groups");
                if (x is null || groups is null) return Unknown(out reason, name);
                return $"{Ops}.ChannelShuffle({x}, {groups})";
            }
            case "mean" or "sum" or "amax":
            {
                if (a.IsExplicit("type") && a.Get("type") != "null") return Refuse(out reason, $"{name} with a type");
                if (a.IsExplicit("out") && a.Get("out") != "null") return Refuse(out reason, $"{name} into an out tensor");
                var dims = ReductionDims(a);
                if (x is null) return Unknown(out reason, name);
                if (dims is null) return Refuse(out reason, $"{name} over every dimension (the batch included)");
                return $"{Ops}.Reduce({x}, global::BayesGen.Graph.ReduceKind.{baseName switch { "mean" => "Mean", "amax" => "Max", _ => "Sum" }}, {dims}, {a.Get("keepdim") ?? "false"})";
            }
        }
        return KnownTypes.HoldsTensors(call.Type) ? Unknown(out reason, name) : null;
    }

    private static string? ReductionDims(CallArguments a)
    {
        if (a.Get("dim0") is { } d0)
            return a.Get("dim2") is { } d2 ? $"new long[] {{ {d0}, {a.Get("dim1")}, {d2} }}" : $"new long[] {{ {d0}, {a.Get("dim1")} }}";
        var dims = a.Get("dimensions", "dim", "dims");
        if (dims is null) return null;
        if (a.IsArray("dimensions", "dim", "dims")) return dims;
        if (a.IsSpan("dimensions", "dim", "dims")) return $"({dims}).ToArray()";
        return $"new long[] {{ {dims} }}";
    }

    private static bool InTorch(INamedTypeSymbol type)
    {
        for (var t = type; t is not null; t = t.ContainingType)
            if (t.Name == "torch" && t.ContainingType is null) return true;
        return false;
    }

    private static string SizeList(string? text) => text is null or "null" ? "null" : $"{Sizes}.Of({text})";

    private static string Bool(bool value) => value ? "true" : "false";

    private static string? Unknown(out string? reason, string name)
    {
        reason = $"'{name}'";
        return null;
    }

    private static string? Refuse(out string? reason, string what)
    {
        reason = what;
        return null;
    }
}

/// <summary>The arguments of one call as text, by parameter name: written ones as rewritten, omitted ones as their default.</summary>
internal sealed class CallArguments
{
    private readonly Dictionary<string, (string Text, IArgumentOperation Argument)> byName = new();

    public CallArguments(string? receiver) => Receiver = receiver;

    /// <summary>The rewritten receiver of an instance call.</summary>
    public string? Receiver { get; }

    public void Add(string parameter, string text, IArgumentOperation argument) => byName[parameter] = (text, argument);

    /// <summary>Whether the method has a parameter of one of these names.</summary>
    public bool Has(params string[] names) => names.Any(byName.ContainsKey);

    /// <summary>The text for the first of these parameters the method has.</summary>
    public string? Get(params string[] names)
    {
        foreach (var n in names)
            if (byName.TryGetValue(n, out var v)) return v.Text;
        return null;
    }

    /// <summary>Whether the user wrote the argument (not a default).</summary>
    public bool IsExplicit(string name) => byName.TryGetValue(name, out var v) && v.Argument.ArgumentKind != ArgumentKind.DefaultValue;

    /// <summary>A number argument as a double expression (a Scalar is converted).</summary>
    public string? Number(params string[] names)
    {
        foreach (var n in names)
        {
            if (!byName.TryGetValue(n, out var v)) continue;
            var natural = Constants.Unwrap(v.Argument.Value).Type;
            return natural is not null && natural.Name == "Scalar" && KnownTypes.IsTorchSharp(natural)
                ? $"({v.Text}).ToDouble()"
                : $"(double)({v.Text})";
        }
        return null;
    }

    public bool IsTensor(params string[] names) => Type(names) is { } t && KnownTypes.IsTensor(t);

    public bool IsArray(params string[] names) => Type(names) is IArrayTypeSymbol;

    public bool IsSpan(params string[] names) => Type(names) is INamedTypeSymbol { Name: "ReadOnlySpan" or "Span" };

    private ITypeSymbol? Type(string[] names)
    {
        foreach (var n in names)
            if (byName.TryGetValue(n, out var v)) return Constants.Unwrap(v.Argument.Value).Type ?? v.Argument.Parameter?.Type;
        return null;
    }

    /// <summary>A parameter's default value as a C# literal.</summary>
    public static string DefaultText(IParameterSymbol parameter)
    {
        if (!parameter.HasExplicitDefaultValue) return "default";
        var value = parameter.ExplicitDefaultValue;
        var type = parameter.Type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable ? nullable.TypeArguments[0] : parameter.Type;
        return value switch
        {
            null => "null",
            bool b => b ? "true" : "false",
            double d => Emit.Literals.Double(d),
            float f => Emit.Literals.Double(f),
            long l => Emit.Literals.Long(l),
            int i when type.TypeKind == TypeKind.Enum => $"(({type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)}){i.ToString(CultureInfo.InvariantCulture)})",
            int i => i.ToString(CultureInfo.InvariantCulture),
            string s => Emit.Literals.String(s),
            _ => System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? "default",
        };
    }
}
