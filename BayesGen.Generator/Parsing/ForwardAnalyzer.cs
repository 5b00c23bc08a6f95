using System.Collections.Generic;
using System.Linq;
using BayesGen.Generator.Diagnostics;
using BayesGen.Generator.Helpers;
using BayesGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BayesGen.Generator.Parsing;

/// <summary>
/// Follows the data flow of a network's forward method through its operations (IOperation), the way a
/// careful reader would: each statement either passes the current tensor through one known step (a layer
/// call, an element-wise function, pooling, flatten) or is bookkeeping (dispose scopes). Anything else —
/// a residual add, a branch, control flow, an unknown call — ends the chain, and the reason is reported.
/// It also checks which members forward touches, since the body is carried into the generated classes.
/// </summary>
internal sealed class ForwardAnalyzer
{
    private readonly INamedTypeSymbol network;
    private readonly KnownTypes known;
    private readonly IReadOnlyDictionary<string, LayerKindModel> layers;
    private readonly IReadOnlyDictionary<string, ModuleKind> modules;
    private readonly IParameterSymbol parameter;
    private readonly List<DiagnosticInfo> diagnostics;

    private readonly Dictionary<ILocalSymbol, int> locals = new(SymbolEqualityComparer.Default);
    private readonly List<FlowStep> steps = new();
    private readonly List<LocationInfo?> stepLocations = new();
    private int current;
    private int nextNode = 1;
    private string? failure;
    private LocationInfo? failureLocation;

    public ForwardAnalyzer(INamedTypeSymbol network, KnownTypes known, IReadOnlyDictionary<string, LayerKindModel> layers,
        IReadOnlyDictionary<string, ModuleKind> modules, IParameterSymbol parameter, List<DiagnosticInfo> diagnostics)
    {
        this.network = network;
        this.known = known;
        this.layers = layers;
        this.modules = modules;
        this.parameter = parameter;
        this.diagnostics = diagnostics;
    }

    /// <summary>Fields forward calls, with where (in order of appearance).</summary>
    public Dictionary<string, List<LocationInfo?>> Uses { get; } = new();

    /// <summary>Layer and module fields forward mentions in any way (called or not).</summary>
    public HashSet<string> Referenced { get; } = new();

    /// <summary>The location of each step of a followed chain.</summary>
    public IReadOnlyList<LocationInfo?> StepLocations => stepLocations;

    /// <summary>Analyses the body; returns the flow and reports member-use diagnostics.</summary>
    public FlowModel Analyze(IOperation body)
    {
        CheckMembers(body);
        CheckReshapes(body);
        Block(body);
        if (failure is null && steps.Count == 0) Fail("forward does not apply any layer", body);
        if (failure is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.FlowNotFollowed, failureLocation, network.Name, failure));
            return FlowModel.NotFollowable(failure);
        }
        return new FlowModel(true, steps.ToEquatableArray(), null);
    }

    // ---- member checks -------------------------------------------------------------------------------

    private void CheckMembers(IOperation body)
    {
        foreach (var op in body.DescendantsAndSelf())
        {
            switch (op)
            {
                case IFieldReferenceOperation f when IsOwnInstanceMember(f.Field):
                    CheckFieldUse(f);
                    break;
                case IPropertyReferenceOperation p when IsOwnInstanceMember(p.Property):
                    Report(DiagnosticDescriptors.MemberNotCopyable, p.Syntax, p.Property.Name);
                    break;
                case IInvocationOperation i when i.Instance is IInstanceReferenceOperation && IsOwnInstanceMember(i.TargetMethod):
                    Report(DiagnosticDescriptors.MemberNotCopyable, i.Syntax, i.TargetMethod.Name);
                    break;
                case IEventReferenceOperation e when IsOwnInstanceMember(e.Event):
                    Report(DiagnosticDescriptors.MemberNotCopyable, e.Syntax, e.Event.Name);
                    break;
                case IInstanceReferenceOperation { Parent: not IFieldReferenceOperation and not IPropertyReferenceOperation and not IInvocationOperation and not IEventReferenceOperation } self:
                    // 'this' passed along (e.g. Helper(this)): the generated class is another type.
                    Report(DiagnosticDescriptors.MemberNotCopyable, self.Syntax, "this");
                    break;
            }
        }
    }

    private bool IsOwnInstanceMember(ISymbol member)
        => !member.IsStatic && SymbolEqualityComparer.Default.Equals(member.ContainingType, network);

    private void CheckFieldUse(IFieldReferenceOperation f)
    {
        var name = f.Field.Name;
        bool isLayer = layers.ContainsKey(name) || modules.ContainsKey(name);
        if (isLayer) Referenced.Add(name);
        if (!isLayer)
        {
            if (known.IsModule(f.Field.Type))
                Report(DiagnosticDescriptors.UnsupportedLayer, f.Syntax, name, f.Field.Type.ToDisplayString(), KnownTypes.SupportedList);
            else
                Report(DiagnosticDescriptors.MemberNotCopyable, f.Syntax, name);
            return;
        }
        if (f.Parent is IInvocationOperation inv && ReferenceEquals(inv.Instance, f) && IsModuleCall(inv.TargetMethod))
        {
            if (!Uses.TryGetValue(name, out var list)) Uses[name] = list = new List<LocationInfo?>();
            list.Add(LocationInfo.From(inv.Syntax));
            return;
        }
        var member = f.Parent switch
        {
            IInvocationOperation i => i.TargetMethod.Name,
            IPropertyReferenceOperation p => p.Property.Name,
            IFieldReferenceOperation q => q.Field.Name,
            _ => null,
        };
        if (member is not null)
            Report(DiagnosticDescriptors.LayerMemberAccess, f.Parent!.Syntax, name, member);
        else
            Report(DiagnosticDescriptors.LayerMemberAccess, f.Syntax, name, "(passed as a value)");
    }

    /// <summary>
    /// view/reshape with a fixed size in any dimension but the batch one: pruning changes that size, so the
    /// compressed network would fail there. Reported wherever it occurs, followed or not.
    /// </summary>
    private void CheckReshapes(IOperation body)
    {
        foreach (var invocation in body.DescendantsAndSelf().OfType<IInvocationOperation>())
        {
            if (invocation.TargetMethod.Name is not ("view" or "reshape") || !known.IsTensor(invocation.TargetMethod.ContainingType)) continue;
            var elements = ShapeElements(invocation);
            if (elements is null) continue;
            if (elements.Skip(1).Any(e => Constants.Long(e) is > 0))
                Report(DiagnosticDescriptors.HardCodedReshape, invocation.Syntax, invocation.Syntax.ToString());
        }
    }

    private static IOperation[]? ShapeElements(IInvocationOperation invocation)
    {
        // view/reshape(params long[] shape): the arguments arrive as one array.
        var shapeArgument = invocation.Arguments.FirstOrDefault()?.Value;
        return shapeArgument is IArrayCreationOperation { Initializer: { } init } ? init.ElementValues.ToArray() : null;
    }

    private static bool IsModuleCall(IMethodSymbol method)
        => (method.Name is "forward" or "call") && method.Parameters.Length == 1;

    private void Report(DiagnosticDescriptor descriptor, SyntaxNode syntax, params object?[] args)
        => diagnostics.Add(DiagnosticInfo.Create(descriptor, LocationInfo.From(syntax), args));

    // ---- data flow -----------------------------------------------------------------------------------

    private void Fail(string reason, IOperation at)
    {
        if (failure is not null) return;
        failure = reason;
        failureLocation = LocationInfo.From(at.Syntax);
    }

    private void Block(IOperation operation)
    {
        switch (operation)
        {
            case IMethodBodyOperation body:
                if (body.BlockBody is not null) Block(body.BlockBody);
                else if (body.ExpressionBody is not null) Block(body.ExpressionBody);
                return;
            case IBlockOperation block:
                foreach (var statement in block.Operations)
                {
                    if (failure is not null) return;
                    Statement(statement);
                }
                return;
            default:
                Statement(operation);
                return;
        }
    }

    private void Statement(IOperation statement)
    {
        switch (statement)
        {
            case IVariableDeclarationGroupOperation group:
                foreach (var declaration in group.Declarations)
                    foreach (var declarator in declaration.Declarators)
                        Declare(declarator);
                return;
            case IUsingDeclarationOperation usingDeclaration:
                foreach (var declaration in usingDeclaration.DeclarationGroup.Declarations)
                    foreach (var declarator in declaration.Declarators)
                        Declare(declarator);
                return;
            case IUsingOperation usingBlock:
                if (usingBlock.Resources is IVariableDeclarationGroupOperation resources)
                    Statement(resources);
                else if (!IsDisposeScope(usingBlock.Resources))
                    Fail("it uses a resource other than a dispose scope", usingBlock);
                Block(usingBlock.Body);
                return;
            case IExpressionStatementOperation { Operation: ISimpleAssignmentOperation assignment }:
                Assign(assignment);
                return;
            case IExpressionStatementOperation { Operation: IInvocationOperation invocation } expression:
                // An in-place call on the current tensor (x.relu_()) continues the chain; anything else is opaque.
                var value = Evaluate(invocation);
                if (value is int node && node != current) Fail("a call's result is discarded", expression);
                return;
            case IReturnOperation ret:
                if (ret.ReturnedValue is null) { Fail("it returns no tensor", ret); return; }
                var returned = Evaluate(ret.ReturnedValue);
                if (failure is null && returned != current)
                    Fail("it returns a tensor other than the end of the chain", ret);
                return;
            case IBlockOperation block:
                Block(block);
                return;
            case IEmptyOperation:
                return;
            case IConditionalOperation:
                Fail("it contains an if statement", statement);
                return;
            case ILoopOperation:
                Fail("it contains a loop", statement);
                return;
            default:
                if (statement.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionSyntax)
                {
                    // An expression-bodied forward: the expression is the result.
                    var result = Evaluate(statement);
                    if (failure is null && result != current) Fail("it returns a tensor other than the end of the chain", statement);
                    return;
                }
                Fail($"it contains a statement BayesGen does not follow ({statement.Kind})", statement);
                return;
        }
    }

    private void Declare(IVariableDeclaratorOperation declarator)
    {
        var init = declarator.Initializer?.Value;
        if (init is null) return;
        if (!known.IsTensor(declarator.Symbol.Type))
        {
            if (InvolvesTrackedTensor(init) && !IsShapeRead(init))
                Fail($"it computes '{declarator.Symbol.Name}' from a tensor in a way BayesGen does not follow", init);
            return;
        }
        var value = Evaluate(init);
        if (value is int node) locals[declarator.Symbol] = node;
    }

    private void Assign(ISimpleAssignmentOperation assignment)
    {
        var value = Evaluate(assignment.Value);
        if (failure is not null) return;
        switch (assignment.Target)
        {
            case ILocalReferenceOperation local:
                if (value is int node) locals[local.Local] = node;
                return;
            case IParameterReferenceOperation p when SymbolEqualityComparer.Default.Equals(p.Parameter, parameter):
                if (value is int n) parameterNode = n;
                return;
            default:
                Fail("it assigns a tensor to something other than a local variable", assignment);
                return;
        }
    }

    private int parameterNode;

    private int? Evaluate(IOperation operation)
    {
        if (failure is not null) return null;
        operation = Constants.Unwrap(operation);
        switch (operation)
        {
            case IParameterReferenceOperation p when SymbolEqualityComparer.Default.Equals(p.Parameter, parameter):
                return parameterNode;
            case ILocalReferenceOperation l:
                if (locals.TryGetValue(l.Local, out var node)) return node;
                Fail($"it reads '{l.Local.Name}', which is not a tensor of the chain", operation);
                return null;
            case IInvocationOperation invocation:
                return Invocation(invocation);
            case IBinaryOperation binary:
                Fail($"it combines tensors with '{binary.OperatorKind}' (a residual connection or arithmetic on activations)", operation);
                return null;
            default:
                Fail($"it computes a tensor with an expression BayesGen does not follow ({operation.Syntax})", operation);
                return null;
        }
    }

    private int? Invocation(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;

        // A field call: layer.forward(x) / layer.call(x).
        if (invocation.Instance is IFieldReferenceOperation field && IsModuleCall(method) && SymbolEqualityComparer.Default.Equals(field.Field.ContainingType, network))
        {
            var input = Evaluate(invocation.Arguments[0].Value);
            if (input is null) return null;
            var name = field.Field.Name;
            if (layers.ContainsKey(name)) return Step(new FlowStep(FlowStepKind.Layer, name, 0, EquatableArray<long>.Empty), input.Value, invocation);
            if (modules.TryGetValue(name, out var kind))
            {
                var stepKind = kind is ModuleKind.BatchNorm1d or ModuleKind.BatchNorm2d ? FlowStepKind.Norm : FlowStepKind.Module;
                return Step(new FlowStep(stepKind, name, 0, EquatableArray<long>.Empty), input.Value, invocation);
            }
            Fail($"it calls '{name}', which BayesGen does not follow", invocation);
            return null;
        }

        if (IsDisposeScope(invocation)) return null;

        bool onTensor = method.ContainingType is not null && known.IsTensor(method.ContainingType) && invocation.Instance is not null;
        bool isStatic = method.IsStatic && (known.IsFunctional(method.ContainingType) || known.IsTorch(method.ContainingType));
        if (!onTensor && !isStatic)
        {
            Fail($"it calls '{method.ContainingType?.Name}.{method.Name}', which BayesGen does not follow", invocation);
            return null;
        }
        IOperation? tensorArgument = onTensor ? invocation.Instance : invocation.Arguments.FirstOrDefault()?.Value;
        if (tensorArgument is null) { Fail($"'{method.Name}' has no tensor input", invocation); return null; }
        var source = Evaluate(tensorArgument);
        if (source is null) return null;
        string name2 = method.Name;
        bool inPlace = name2.EndsWith("_", System.StringComparison.Ordinal);
        string baseName = inPlace ? name2.Substring(0, name2.Length - 1) : name2;
        switch (baseName)
        {
            case "MoveToOuterDisposeScope":
            case "DetachFromDisposeScope":
            case "contiguous":
            case "alias":
                return source;
            case "relu":
                return Step(Simple(FlowStepKind.Relu), source.Value, invocation);
            case "tanh":
                return Step(Simple(FlowStepKind.Tanh), source.Value, invocation);
            case "sigmoid":
                return Step(Simple(FlowStepKind.Sigmoid), source.Value, invocation);
            case "leaky_relu":
            {
                var slope = Constants.Double(Constants.Argument(invocation, "negative_slope"));
                if (slope is null) { Fail("leaky_relu's slope is not a constant", invocation); return null; }
                return Step(new FlowStep(FlowStepKind.LeakyRelu, null, slope.Value, EquatableArray<long>.Empty), source.Value, invocation);
            }
            case "dropout":
            {
                var p = Constants.Double(Constants.Argument(invocation, "p")) ?? 0.5;
                return Step(new FlowStep(FlowStepKind.Dropout, null, p, EquatableArray<long>.Empty), source.Value, invocation);
            }
            case "max_pool2d":
            case "avg_pool2d":
                return Pool(invocation, baseName == "max_pool2d" ? FlowStepKind.MaxPool : FlowStepKind.AvgPool, source.Value);
            case "flatten":
            {
                var start = Constants.Long(Constants.Argument(invocation, "start_dim"));
                var end = Constants.Long(Constants.Argument(invocation, "end_dim"));
                if (start != 1 || (end is not null && end != -1))
                {
                    Fail("it flattens other dimensions than flatten(1)", invocation);
                    return null;
                }
                return Step(Simple(FlowStepKind.Flatten), source.Value, invocation);
            }
            case "view":
            case "reshape":
                return Reshape(invocation, source.Value);
            case "log_softmax":
            case "softmax":
            {
                var dim = Constants.Long(Constants.Argument(invocation, "dim"));
                if (dim is not (1 or -1)) { Fail($"{baseName} is not over dimension 1", invocation); return null; }
                return Step(Simple(baseName == "log_softmax" ? FlowStepKind.LogSoftmax : FlowStepKind.Softmax), source.Value, invocation);
            }
            default:
                Fail($"it calls '{method.Name}', which BayesGen does not follow", invocation);
                return null;
        }
    }

    private int? Pool(IInvocationOperation invocation, FlowStepKind kind, int source)
    {
        var kernel = Constants.Pair(Constants.Argument(invocation, "kernel_size"));
        var strideArg = Constants.Argument(invocation, "stride", "strides");
        var paddingArg = Constants.Argument(invocation, "padding");
        var stride = Constants.IsNull(strideArg) ? kernel : Constants.Pair(strideArg);
        var padding = Constants.IsNull(paddingArg) ? new long[] { 0, 0 } : Constants.Pair(paddingArg);
        var dilationArg = Constants.Argument(invocation, "dilation");
        var dilation = Constants.IsNull(dilationArg) ? new long[] { 1, 1 } : Constants.Pair(dilationArg);
        var ceil = Constants.Argument(invocation, "ceil_mode");
        bool? ceilMode = ceil is null ? false : ceil.ConstantValue is { HasValue: true, Value: bool b } ? b : null;
        if (kernel is null || stride is null || padding is null || dilation is null || ceilMode is null)
        {
            Fail("its pooling sizes are not compile-time constants", invocation);
            return null;
        }
        if (dilation[0] != 1 || dilation[1] != 1) { Fail("it pools with dilation", invocation); return null; }
        var countIncludePad = Constants.Argument(invocation, "count_include_pad");
        if (kind == FlowStepKind.AvgPool && countIncludePad is not null && countIncludePad.ConstantValue is { HasValue: true, Value: false })
        {
            Fail("it averages without counting padding", invocation);
            return null;
        }
        var numbers = new long[] { kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], ceilMode.Value ? 1 : 0 };
        return Step(new FlowStep(kind, null, 0, numbers.ToEquatableArray()), source, invocation);
    }

    private int? Reshape(IInvocationOperation invocation, int source)
    {
        var elements = ShapeElements(invocation);
        if (elements is { Length: 2 } && Constants.Long(elements[1]) == -1 && Constants.Long(elements[0]) is null or -1)
            return Step(Simple(FlowStepKind.Flatten), source, invocation);   // view(x.shape[0], -1), view(-1, ...) on 2-D
        Fail($"it calls {invocation.TargetMethod.Name} with a shape BayesGen does not follow", invocation);
        return null;
    }

    private static FlowStep Simple(FlowStepKind kind) => new(kind, null, 0, EquatableArray<long>.Empty);

    private int? Step(FlowStep step, int input, IOperation at)
    {
        if (failure is not null) return null;
        if (input != current)
        {
            Fail("it uses a tensor computed earlier again (a residual connection or a branch)", at);
            return null;
        }
        steps.Add(step);
        stepLocations.Add(LocationInfo.From(at.Syntax));
        int produced = nextNode++;
        // In-place calls change the tensor every name refers to.
        foreach (var key in locals.Where(p => p.Value == current).Select(p => p.Key).ToList()) locals[key] = produced;
        if (parameterNode == current) parameterNode = produced;
        current = produced;
        return produced;
    }

    private bool IsDisposeScope(IOperation? operation)
    {
        operation = operation is null ? null : Constants.Unwrap(operation);
        return operation is IInvocationOperation i && i.TargetMethod.Name == "NewDisposeScope";
    }

    private bool InvolvesTrackedTensor(IOperation operation)
        => operation.DescendantsAndSelf().Any(o => o is IParameterReferenceOperation p && SymbolEqualityComparer.Default.Equals(p.Parameter, parameter)
                                               || o is ILocalReferenceOperation l && locals.ContainsKey(l.Local));

    private static bool IsShapeRead(IOperation operation)
        => operation.DescendantsAndSelf().Any(o => o is IPropertyReferenceOperation { Property.Name: "shape" } || o is IInvocationOperation { TargetMethod.Name: "size" });
}
