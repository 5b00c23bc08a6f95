using System.Collections.Generic;
using System.Linq;
using System.Threading;
using BayesGen.Generator.Diagnostics;
using BayesGen.Generator.Model;
using BayesGen.Shared;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BayesGen.Generator.Parsing;

/// <summary>
/// Checks at compile time that sizes chain along forward, as far as the source says them: it follows shapes (one
/// example, no batch) from [InputShape] through calls of members whose layer is created with constant sizes,
/// through the contents of a <c>Sequential(...)</c> written out in place, and through functional operations with
/// constant arguments. Where a value is only known at run time (a Sequential built in a loop, a block, a size from
/// a constructor parameter) it stops following that value without a word: the run-time conversion checks it then.
/// A mismatch is reported on the size argument to change (BG0009).
/// </summary>
internal sealed class StaticShapes
{
    /// <summary>An abstract shape: every dimension (null where unknown), or only the last one when the rank is unknown.</summary>
    private sealed record Shape(long?[]? Dims, long? Last, long? FlattenedChannels = null)
    {
        public long? LastDim => Dims is { Length: > 0 } d ? d[d.Length - 1] : Last;
        public long? Channels => Dims is { Length: > 1 } d ? d[0] : null;
        public static Shape Of(params long?[] dims) => new(dims, null);
        public override string ToString() => Dims is null ? $"[…, {Last?.ToString() ?? "?"}]" : "[" + string.Join(", ", Dims.Select(d => d?.ToString() ?? "?")) + "]";
    }

    private readonly INamedTypeSymbol type;
    private readonly SemanticIndex index;
    private readonly List<DiagnosticInfo> diagnostics;
    private readonly CancellationToken cancellationToken;
    private readonly Dictionary<ISymbol, Shape?> locals = new(SymbolEqualityComparer.Default);
    private IParameterSymbol parameter = null!;
    private Shape? parameterShape;

    private StaticShapes(INamedTypeSymbol type, SemanticIndex index, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        this.type = type;
        this.index = index;
        this.diagnostics = diagnostics;
        this.cancellationToken = cancellationToken;
    }

    /// <summary>Checks <paramref name="body"/> (forward of <paramref name="type"/>) for an input of <paramref name="inputShape"/> (empty: unknown).</summary>
    public static void Check(INamedTypeSymbol type, IMethodSymbol forward, IOperation body, IReadOnlyList<int> inputShape, SemanticIndex index,
        List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        var checker = new StaticShapes(type, index, diagnostics, cancellationToken)
        {
            parameter = forward.Parameters[0],
            parameterShape = inputShape.Count > 0 ? Shape.Of(inputShape.Select(d => (long?)d).ToArray()) : null,
        };
        checker.Statements(body);
    }

    // ---- statements: straight-line code only --------------------------------------------------------------

    private bool Statements(IOperation operation)
    {
        switch (operation)
        {
            case IMethodBodyOperation m:
                return m.BlockBody is not null ? Statements(m.BlockBody) : m.ExpressionBody is null || Statements(m.ExpressionBody);
            case IBlockOperation block:
                foreach (var statement in block.Operations)
                    if (!Statements(statement)) return false;
                return true;
            case IVariableDeclarationGroupOperation group:
                foreach (var declarator in group.Declarations.SelectMany(d => d.Declarators))
                    if (declarator.Initializer is { } init) locals[declarator.Symbol] = Eval(init.Value);
                return true;
            case IUsingDeclarationOperation usingDeclaration:
                return Statements(usingDeclaration.DeclarationGroup);
            case IUsingOperation usingBlock:
                if (usingBlock.Resources is IVariableDeclarationGroupOperation resources) Statements(resources);
                return Statements(usingBlock.Body);
            case IExpressionStatementOperation { Operation: ISimpleAssignmentOperation assignment }:
                Assign(assignment.Target, Eval(assignment.Value));
                return true;
            case IExpressionStatementOperation expression:
                Eval(expression.Operation);
                return true;
            case IReturnOperation ret:
                if (ret.ReturnedValue is not null) Eval(ret.ReturnedValue);
                return true;
            case IEmptyOperation:
                return true;
            default:
                if (operation.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionSyntax)
                {
                    Eval(operation);
                    return true;
                }
                return false;   // control flow: the sizes after it are the run time's business
        }
    }

    private void Assign(IOperation target, Shape? value)
    {
        switch (target)
        {
            case ILocalReferenceOperation l: locals[l.Local] = value; break;
            case IParameterReferenceOperation p when SymbolEqualityComparer.Default.Equals(p.Parameter, parameter): parameterShape = value; break;
        }
    }

    // ---- expressions ----------------------------------------------------------------------------------------

    private Shape? Eval(IOperation operation)
    {
        cancellationToken.ThrowIfCancellationRequested();
        operation = Constants.Unwrap(operation);
        switch (operation)
        {
            case IParameterReferenceOperation p when SymbolEqualityComparer.Default.Equals(p.Parameter, parameter):
                return parameterShape;
            case ILocalReferenceOperation l:
                return locals.TryGetValue(l.Local, out var s) ? s : null;
            case IInvocationOperation call:
                return Invocation(call);
            case IBinaryOperation { OperatorMethod: not null } binary when KnownTypes.IsTensor(binary.Type):
                return Join(Eval(binary.LeftOperand), Eval(binary.RightOperand), binary);
            case ISimpleAssignmentOperation assignment:
            {
                var value = Eval(assignment.Value);
                Assign(assignment.Target, value);
                return value;
            }
            default:
                return null;
        }
    }

    private Shape? Invocation(IInvocationOperation call)
    {
        var method = call.TargetMethod;
        if (method.Name is "forward" or "call" && call.Instance is { } receiver && KnownTypes.IsModule(receiver.Type) && call.Arguments.Length == 1)
        {
            var input = Eval(call.Arguments[0].Value);
            return MemberOf(Constants.Unwrap(receiver)) is { } member ? Module(member, input) : null;
        }
        if (method.Name is "MoveToOuterDisposeScope" or "DetachFromDisposeScope" or "contiguous" or "alias" or "clone" or "detach"
            || TensorOperations.IsConversion(method.Name))
            return call.Instance is { } self ? Eval(self) : null;
        bool onTensor = call.Instance is not null && KnownTypes.IsTensor(call.Instance.Type);
        var x = onTensor ? Eval(call.Instance!) : Constants.Argument(call, "input", "x", "left") is { } a ? Eval(a) : null;
        string name = method.Name.TrimEnd('_');
        switch (name)
        {
            case "relu" or "relu6" or "leaky_relu" or "elu" or "gelu" or "silu" or "softplus" or "hardswish" or "hardsigmoid" or "hardtanh" or "mish"
                or "tanh" or "sigmoid" or "clamp" or "clip" or "clamp_min" or "clamp_max" or "dropout" or "dropout1d" or "dropout2d" or "alpha_dropout" or "softmax" or "log_softmax" or "channel_shuffle" or "selu" or "celu" or "local_response_norm":
                return x;
            case "flatten":
                return Flatten(x, Constants.Long(Constants.Argument(call, "start_dim")) ?? 0, Constants.Long(Constants.Argument(call, "end_dim")) ?? -1);
            case "view" or "reshape":
                return Reshape(x, call);
            case "max_pool1d" or "max_pool2d" or "avg_pool1d" or "avg_pool2d":
                return Pool(x, call, name.EndsWith("1d", System.StringComparison.Ordinal) ? 1 : 2);
            case "adaptive_avg_pool1d" or "adaptive_avg_pool2d" or "adaptive_max_pool1d" or "adaptive_max_pool2d":
                return Adaptive(x, Constants.Argument(call, "output_size"), name.EndsWith("1d", System.StringComparison.Ordinal) ? 1 : 2);
            case "add" or "sub" or "mul" or "div":
                return Constants.Argument(call, "target", "other", "right") is { } other && KnownTypes.IsTensor(Constants.Unwrap(other).Type)
                    ? Join(x, Eval(other), call) : x;
            case "cat" or "concat" or "concatenate":
                return Concat(call);
            case "pad" or "interpolate" or "upsample" or "upsample_nearest" or "upsample_bilinear" when !onTensor:
                return ChannelsOnly(x);
            default:
                return null;
        }
    }

    private ISymbol? MemberOf(IOperation receiver) => receiver switch
    {
        IFieldReferenceOperation { Instance: IInstanceReferenceOperation } f => f.Field,
        IPropertyReferenceOperation { Instance: IInstanceReferenceOperation } p => p.Property,
        _ => null,
    };

    // ---- modules --------------------------------------------------------------------------------------------

    /// <summary>The shape after the module a member holds, when its one creation in the class is known.</summary>
    private Shape? Module(ISymbol member, Shape? input)
    {
        var created = Creations(member).ToList();
        // A container the class appends to holds more than its creation says.
        if (created.Count != 1 || index.IsGrown(member)) return null;
        return Created(created[0], input, member.Name);
    }

    private IEnumerable<IOperation> Creations(ISymbol member) => index.AssignedValues(member);

    /// <summary>The shape after a module created by <paramref name="creation"/> (a TorchSharp factory call, a literal Sequential).</summary>
    private Shape? Created(IOperation creation, Shape? x, string label)
    {
        if (Constants.Unwrap(creation) is not IInvocationOperation factory || !factory.TargetMethod.IsStatic || !KnownTypes.IsTorchSharp(factory.TargetMethod.ContainingType))
            return null;
        switch (factory.TargetMethod.Name)
        {
            case "Linear":
                return Linear(factory, x, label);
            case "Conv1d" or "Conv2d":
                return Convolution(factory, x, label, factory.TargetMethod.Name == "Conv1d" ? 1 : 2);
            case "BatchNorm1d" or "BatchNorm2d":
            {
                if (Constants.Long(Constants.Argument(factory, "num_features", "features")) is long n && x?.Channels is long c && n != c)
                    Mismatch(factory, "num_features", label, $"{n} channels", $"it receives {c}");
                return x;
            }
            case "ReLU" or "ReLU6" or "LeakyReLU" or "ELU" or "GELU" or "SiLU" or "Softplus" or "Hardswish" or "Hardsigmoid" or "Hardtanh" or "Mish"
                or "Tanh" or "Sigmoid" or "Dropout" or "Dropout1d" or "Dropout2d" or "AlphaDropout" or "Identity" or "Softmax" or "LogSoftmax" or "ChannelShuffle" or "SELU" or "CELU"
                or "LocalResponseNorm" or "Softmax2d":
                return x;
            case "MaxPool1d" or "AvgPool1d":
                return Pool(x, factory, 1);
            case "MaxPool2d" or "AvgPool2d":
                return Pool(x, factory, 2);
            case "AdaptiveAvgPool1d" or "AdaptiveAvgPool2d" or "AdaptiveMaxPool1d" or "AdaptiveMaxPool2d":
                return Adaptive(x, Constants.Argument(factory, "output_size", "outputSize"), factory.TargetMethod.Name.EndsWith("1d", System.StringComparison.Ordinal) ? 1 : 2);
            case "Flatten":
                return Flatten(x, Constants.Long(Constants.Argument(factory, "start_dim", "startDim")) ?? 1, Constants.Long(Constants.Argument(factory, "end_dim", "endDim")) ?? -1);
            case "Sequential":
                return Sequential(factory, x, label);
            case "ZeroPad2d" or "ConstantPad1d" or "ConstantPad2d" or "ReflectionPad1d" or "ReflectionPad2d" or "ReplicationPad1d" or "ReplicationPad2d" or "Upsample":
                return ChannelsOnly(x);
            default:
                return null;
        }
    }

    /// <summary>
    /// After padding or resizing: the channels and the rank stay, the positions change (followed no further; the
    /// run-time conversion checks them).
    /// </summary>
    private static Shape? ChannelsOnly(Shape? x)
        => x?.Dims is { Length: > 1 } dims ? new Shape(new[] { dims[0] }.Concat(Enumerable.Repeat((long?)null, dims.Length - 1)).ToArray(), null) : null;

    private Shape? Sequential(IInvocationOperation factory, Shape? x, string label)
    {
        var elements = factory.Arguments.SelectMany(a => Constants.Unwrap(a.Value) is IArrayCreationOperation { Initializer: { } init }
            ? (IEnumerable<IOperation>)init.ElementValues : new[] { a.Value }).ToList();
        int index = 0;
        foreach (var element in elements)
        {
            var value = Constants.Unwrap(element);
            var (name, module) = value is ITupleOperation { Elements.Length: 2 } tuple
                ? (tuple.Elements[0].ConstantValue.Value as string ?? index.ToString(), tuple.Elements[1])
                : (index.ToString(), value);
            x = Created(module, x, $"{label}.{name}");
            if (x is null) return null;
            index++;
        }
        return x;
    }

    private Shape? Linear(IInvocationOperation factory, Shape? x, string label)
    {
        var input = Constants.Long(Constants.Argument(factory, "inputSize", "in_features"));
        var output = Constants.Long(Constants.Argument(factory, "outputSize", "out_features"));
        if (input is long n && x is not null)
        {
            if (x.LastDim is long got && got != n)
                Mismatch(factory, "inputSize", label, $"{n} input features", x.FlattenedChannels is null ? $"it receives {got}" : $"the flatten before it gives {got}");
            else if (x.LastDim is null && x.FlattenedChannels is long channels && n % channels != 0)
                Mismatch(factory, "inputSize", label, $"{n} input features", $"{n} is not a whole number of positions for the {channels} channels flattened before it");
        }
        if (output is null) return null;
        return x?.Dims is { } dims ? new Shape(dims.Take(dims.Length - 1).Append(output).ToArray(), null) : new Shape(null, output);
    }

    private Shape? Convolution(IInvocationOperation factory, Shape? x, string label, int dims)
    {
        var inChannels = Constants.Long(Constants.Argument(factory, "in_channels", "inputChannel"));
        var outChannels = Constants.Long(Constants.Argument(factory, "out_channels", "outputChannel"));
        if (inChannels is long n && x?.Channels is long c && n != c)
            Mismatch(factory, "in_channels", label, $"{n} input channels", x == parameterShape ? $"the input has {c} ([InputShape])" : $"it receives {c}");
        if (outChannels is null) return null;
        var result = new long?[dims + 1];
        result[0] = outChannels;
        if (x?.Dims is { } input && input.Length == dims + 1)
        {
            var kernel = Sizes(Constants.Argument(factory, "kernel_size", "kernelSize"), dims);
            var stride = Sizes(Constants.Argument(factory, "stride", "strides"), dims, 1);
            var dilation = Sizes(Constants.Argument(factory, "dilation", "dilations"), dims, 1);
            var padArgument = Constants.Argument(factory, "padding");
            bool same = padArgument is not null && Constants.Unwrap(padArgument).Type?.Name == "Padding";
            var padding = same ? null : Sizes(padArgument, dims, 0);
            for (int d = 0; d < dims; d++)
            {
                if (input[d + 1] is not long size || kernel is null || stride is null || dilation is null) continue;
                if (same) { result[d + 1] = Constants.Long(padArgument) == 1 ? size : SlidingWindow.OutputSize(size, kernel[d], stride[d], 0, dilation[d]); continue; }
                if (padding is null) continue;
                result[d + 1] = SlidingWindow.OutputSize(size, kernel[d], stride[d], padding[d], dilation[d]);
            }
        }
        return Shape.Of(result);
    }

    // ---- shape arithmetic -------------------------------------------------------------------------------------

    private static Shape? Flatten(Shape? x, long start, long end)
    {
        if (x?.Dims is not { } dims) return start == 1 && end == -1 && x is not null ? new Shape(null, null) : null;
        // Per-example dimensions: absolute dimension d is dims[d - 1].
        int rank = dims.Length + 1;
        int s = (int)(start < 0 ? start + rank : start), e = (int)(end < 0 ? end + rank : end);
        if (s < 1 || e >= rank || e < s) return null;
        long? product = 1;
        for (int d = s; d <= e; d++) product = product is long p && dims[d - 1] is long n ? p * n : null;
        var result = dims.Take(s - 1).Append(product).Concat(dims.Skip(e)).ToArray();
        return new Shape(result, null, s == 1 && e == rank - 1 ? dims[0] : null);
    }

    private Shape? Reshape(Shape? x, IInvocationOperation call)
    {
        var shape = Constants.Argument(call, "shape");
        var elements = shape is IArrayCreationOperation { Initializer: { } init } ? init.ElementValues.ToArray() : null;
        if (elements is null || elements.Length < 2) return null;
        // The first dimension is the batch (-1, x.shape[0], x.size(0)); the others must be constants.
        var rest = elements.Skip(1).Select(Constants.Long).ToArray();
        if (rest.Any(r => r is null)) return null;
        var dims = rest.Select(r => r == -1 ? null : r).ToArray();
        if (x?.Dims is { } known && known.All(d => d is not null) && dims.Count(d => d is null) == 1)
        {
            long total = known.Aggregate(1L, (a, d) => a * d!.Value);
            long other = dims.Where(d => d is not null).Aggregate(1L, (a, d) => a * d!.Value);
            if (other != 0 && total % other == 0) dims = dims.Select(d => (long?)(d ?? total / other)).ToArray();
        }
        var flat = x?.Dims is { Length: > 1 } k && dims.Length == 1 ? k[0] : null;
        return new Shape(dims, null, flat);
    }

    private static Shape? Pool(Shape? x, IInvocationOperation call, int dims)
    {
        if (x?.Dims is not { } input || input.Length != dims + 1) return x is null ? null : new Shape(null, null);
        var kernel = Sizes(Constants.Argument(call, "kernel_size", "kernelSize"), dims);
        var strideArg = Constants.Argument(call, "stride", "strides");
        var stride = Constants.IsNull(strideArg) ? kernel : Sizes(strideArg, dims);
        var padArg = Constants.Argument(call, "padding", "paddings");
        var padding = Constants.IsNull(padArg) ? new long[dims] : Sizes(padArg, dims);
        bool ceil = Constants.Argument(call, "ceil_mode")?.ConstantValue is { HasValue: true, Value: true };
        var result = (long?[])input.Clone();
        for (int d = 0; d < dims; d++)
            result[d + 1] = input[d + 1] is long size && kernel is not null && stride is not null && padding is not null
                ? SlidingWindow.OutputSize(size, kernel[d], stride[d], padding[d], 1, ceil) : null;
        return Shape.Of(result);
    }

    private static Shape? Adaptive(Shape? x, IOperation? output, int dims)
    {
        if (x?.Dims is not { } input || input.Length != dims + 1) return null;
        var size = Sizes(output, dims);
        var result = (long?[])input.Clone();
        for (int d = 0; d < dims; d++) result[d + 1] = size?[d];
        return Shape.Of(result);
    }

    private Shape? Join(Shape? a, Shape? b, IOperation at)
    {
        if (a?.Dims is { } x && b?.Dims is { } y && x.Length == y.Length)
        {
            for (int d = 0; d < x.Length; d++)
            {
                if (x[d] is long p && y[d] is long q && p != q && p != 1 && q != 1)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeMismatch, LocationInfo.From(at.Syntax), at.Syntax.ToString(),
                        $"tensors of one shape", $"it combines {a} with {b}"));
                    return null;
                }
            }
        }
        return a?.Dims is not null ? a : b;
    }

    private Shape? Concat(IInvocationOperation call)
    {
        var tensors = Constants.Argument(call, "tensors");
        var dim = Constants.Long(Constants.Argument(call, "dim", "axis"));
        var items = tensors is not null && Constants.Unwrap(tensors) is IArrayCreationOperation { Initializer: { } init } ? init.ElementValues.Select(Eval).ToList() : null;
        if (items is null || dim != 1 || items.Any(i => i?.Dims is null)) return null;
        var first = items[0]!.Dims!;
        if (items.Any(i => i!.Dims!.Length != first.Length)) return null;
        long? channels = 0;
        foreach (var item in items) channels = channels is long c && item!.Dims![0] is long n ? c + n : null;
        var result = (long?[])first.Clone();
        result[0] = channels;
        return Shape.Of(result);
    }

    private static long[]? Sizes(IOperation? operation, int dims, long? fallback = null)
    {
        if (operation is null || Constants.IsNull(operation)) return fallback is long f ? Enumerable.Repeat(f, dims).ToArray() : (long[]?)null;
        var pair = Constants.Pair(operation);
        if (pair is null) return null;
        return dims == 1 ? new[] { pair[0] } : pair;
    }

    private void Mismatch(IInvocationOperation factory, string parameter, string label, string expects, string but)
    {
        var argument = factory.Arguments.FirstOrDefault(a => a.Parameter?.Name == parameter && a.ArgumentKind != ArgumentKind.DefaultValue)
                       ?? factory.Arguments.FirstOrDefault(a => a.ArgumentKind != ArgumentKind.DefaultValue);
        // On the value itself (5 in in_channels: 5), the smallest piece to edit.
        var at = argument?.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.ArgumentSyntax written ? written.Expression : argument?.Syntax ?? factory.Syntax;
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeMismatch, LocationInfo.From(at), label, expects, but));
    }
}
