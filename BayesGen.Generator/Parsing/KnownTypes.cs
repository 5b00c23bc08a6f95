using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace BayesGen.Generator.Parsing;

/// <summary>
/// Recognises the TorchSharp and BayesGen types the parser cares about by their names. Comparing a symbol's
/// name and namespace is much cheaper than resolving each known type in every new compilation (which walks all
/// referenced assemblies), and the generator runs on every edit.
/// </summary>
internal static class KnownTypes
{
    public const string GroupNJAttribute = "BayesGen.GroupNJAttribute";
    public const string HorseshoeAttribute = "BayesGen.HorseshoeAttribute";
    public const string ClipVarianceAttribute = "BayesGen.ClipVarianceAttribute";
    public const string PruneThresholdAttribute = "BayesGen.PruneThresholdAttribute";
    public const string InputShapeAttribute = "BayesGen.InputShapeAttribute";

    private const string ModulesNamespace = "TorchSharp.Modules";

    /// <summary>What BayesGen does with each TorchSharp module type it knows (by name in TorchSharp.Modules).</summary>
    private static readonly Dictionary<string, ModuleRole> Roles = new()
    {
        ["Linear"] = ModuleRole.Layer,
        ["Conv1d"] = ModuleRole.Layer,
        ["Conv2d"] = ModuleRole.Layer,
        ["BatchNorm1d"] = ModuleRole.Norm,
        ["BatchNorm2d"] = ModuleRole.Norm,
        ["Sequential"] = ModuleRole.Container,
        ["ModuleList"] = ModuleRole.Container,
        ["ReLU"] = ModuleRole.Function, ["ReLU6"] = ModuleRole.Function, ["LeakyReLU"] = ModuleRole.Function,
        ["ELU"] = ModuleRole.Function, ["GELU"] = ModuleRole.Function, ["SiLU"] = ModuleRole.Function,
        ["Softplus"] = ModuleRole.Function, ["Hardswish"] = ModuleRole.Function, ["Hardsigmoid"] = ModuleRole.Function,
        ["Hardtanh"] = ModuleRole.Function, ["Mish"] = ModuleRole.Function, ["Tanh"] = ModuleRole.Function,
        ["Sigmoid"] = ModuleRole.Function, ["Dropout"] = ModuleRole.Function, ["Dropout1d"] = ModuleRole.Function,
        ["Dropout2d"] = ModuleRole.Function, ["AlphaDropout"] = ModuleRole.Function, ["Identity"] = ModuleRole.Function,
        ["MaxPool1d"] = ModuleRole.Function, ["MaxPool2d"] = ModuleRole.Function, ["AvgPool1d"] = ModuleRole.Function,
        ["AvgPool2d"] = ModuleRole.Function, ["AdaptiveAvgPool1d"] = ModuleRole.Function, ["AdaptiveAvgPool2d"] = ModuleRole.Function,
        ["Flatten"] = ModuleRole.Function, ["Softmax"] = ModuleRole.Function, ["LogSoftmax"] = ModuleRole.Function,
        ["ChannelShuffle"] = ModuleRole.Function, ["AdaptiveMaxPool1d"] = ModuleRole.Function, ["AdaptiveMaxPool2d"] = ModuleRole.Function,
        ["SELU"] = ModuleRole.Function, ["CELU"] = ModuleRole.Function, ["GLU"] = ModuleRole.Function,
        ["ZeroPad2d"] = ModuleRole.Function, ["ConstantPad1d"] = ModuleRole.Function, ["ConstantPad2d"] = ModuleRole.Function,
        ["ReflectionPad1d"] = ModuleRole.Function, ["ReflectionPad2d"] = ModuleRole.Function, ["ReplicationPad1d"] = ModuleRole.Function,
        ["ReplicationPad2d"] = ModuleRole.Function, ["Upsample"] = ModuleRole.Function,
        ["LocalResponseNorm"] = ModuleRole.Function, ["Softmax2d"] = ModuleRole.Function, ["PixelShuffle"] = ModuleRole.Function,
    };

    /// <summary>The supported module types, for messages.</summary>
    public const string SupportedList =
        "Linear, Conv1d and Conv2d (made Bayesian), BatchNorm1d, BatchNorm2d, Sequential, ModuleList, ReLU, ReLU6, LeakyReLU, ELU, GELU, SiLU, " +
        "Softplus, Hardswish, Hardsigmoid, Hardtanh, Mish, Tanh, Sigmoid, Dropout, Dropout1d, Dropout2d, AlphaDropout, Identity, MaxPool1d, MaxPool2d, " +
        "AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, Flatten, Softmax, LogSoftmax, ChannelShuffle, SELU, CELU, GLU, " +
        "ZeroPad2d, ConstantPad1d, ConstantPad2d, ReflectionPad1d, ReflectionPad2d, ReplicationPad1d, ReplicationPad2d, Upsample, LocalResponseNorm, Softmax2d, PixelShuffle, and your own Module<Tensor, Tensor> blocks";

    /// <summary>Whether the namespace of <paramref name="symbol"/> is exactly the dotted <paramref name="name"/>.</summary>
    public static bool InNamespace(ISymbol symbol, string name)
    {
        var ns = symbol.ContainingNamespace;
        int end = name.Length;
        while (ns is not null && !ns.IsGlobalNamespace)
        {
            int dot = name.LastIndexOf('.', end - 1);
            string part = name.Substring(dot + 1, end - dot - 1);
            if (ns.Name != part) return false;
            end = dot;
            ns = ns.ContainingNamespace;
            if (end < 0) return ns is null || ns.IsGlobalNamespace;
        }
        return end < 0;
    }

    /// <summary>Whether a symbol belongs to TorchSharp (its namespace starts with TorchSharp).</summary>
    public static bool IsTorchSharp(ISymbol symbol)
    {
        var ns = symbol.ContainingNamespace;
        while (ns is not null && !ns.IsGlobalNamespace && !ns.ContainingNamespace.IsGlobalNamespace) ns = ns.ContainingNamespace;
        return ns is { Name: "TorchSharp" };
    }

    /// <summary>TorchSharp.torch (a static class) and types nested in it, by their path of names.</summary>
    private static bool IsTorchNested(ITypeSymbol? type, params string[] path)
    {
        ISymbol? current = type;
        for (int i = path.Length - 1; i >= 0; i--)
        {
            if (current is not INamedTypeSymbol named || named.Name != path[i]) return false;
            current = named.ContainingType is { } outer ? outer : null;
            if (i == 0) return named.ContainingType is null && InNamespace(named, "TorchSharp");
        }
        return false;
    }

    public static bool IsTensor(ITypeSymbol? type) => IsTorchNested(type, "torch", "Tensor");

    public static bool IsTorch(ITypeSymbol? type) => IsTorchNested(type, "torch");

    /// <summary>
    /// A tensor, or a value holding tensors that forward goes on to use: an array or collection of them (<c>chunk</c>,
    /// <c>unbind</c>), a tuple with one (<c>max(dim)</c>'s values and indices).
    /// </summary>
    public static bool HoldsTensors(ITypeSymbol? type) => type switch
    {
        null => false,
        IArrayTypeSymbol array => HoldsTensors(array.ElementType),
        INamedTypeSymbol { IsTupleType: true } tuple => tuple.TupleElements.Any(e => HoldsTensors(e.Type)),
        INamedTypeSymbol { IsGenericType: true } generic when generic.ContainingNamespace?.ToDisplayString() is "System.Collections.Generic"
            => generic.TypeArguments.Any(HoldsTensors),
        _ => IsTensor(type),
    };

    /// <summary>
    /// Whether <paramref name="type"/> is not a module but holds modules: a plain collection (an array, a tuple, a
    /// System.Collections.Generic type) or a class or struct of the user's with module fields. Neither TorchSharp's
    /// RegisterComponents nor BayesGen looks into one, unlike a ModuleList, a Sequential or a block.
    /// </summary>
    public static bool IsPlainModuleHolder(ITypeSymbol? type) => !IsModule(type) && HoldsModules(type, depth: 0);

    private static bool HoldsModules(ITypeSymbol? type, int depth) => depth <= 3 && type switch
    {
        null => false,
        IArrayTypeSymbol array => HoldsModules(array.ElementType, depth + 1),
        INamedTypeSymbol { IsTupleType: true } tuple => tuple.TupleElements.Any(e => HoldsModules(e.Type, depth + 1)),
        INamedTypeSymbol { IsGenericType: true } generic when generic.ContainingNamespace?.ToDisplayString() is "System.Collections.Generic"
            => generic.TypeArguments.Any(t => HoldsModules(t, depth + 1)),
        INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct } named when !IsModule(named) && named.Locations.Any(l => l.IsInSource)
            => named.GetMembers().Any(m => !m.IsStatic && m switch
            {
                IFieldSymbol f => HoldsModules(f.Type, depth + 1),
                IPropertySymbol p => HoldsModules(p.Type, depth + 1),
                _ => false,
            }),
        _ => IsModule(type),
    };

    public static bool IsFunctional(ITypeSymbol? type) => IsTorchNested(type, "torch", "nn", "functional");

    /// <summary>A TorchSharp Parameter (a tensor a module trains).</summary>
    public static bool IsParameter(ITypeSymbol? type)
    {
        for (var t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
            if (t.Name == "Parameter" && InNamespace(t, ModulesNamespace)) return true;
        return false;
    }

    /// <summary>Whether <paramref name="type"/> is a TorchSharp module (derives from torch.nn.Module).</summary>
    public static bool IsModule(ITypeSymbol? type)
    {
        for (var t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
            if (IsTorchNested(t.OriginalDefinition, "torch", "nn", "Module")) return true;
        return false;
    }

    /// <summary>Whether <paramref name="type"/> derives from (or is) torch.nn.Module&lt;Tensor, Tensor&gt;.</summary>
    public static bool IsTensorModule(ITypeSymbol? type)
    {
        for (var t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
        {
            if (t.Arity == 2 && IsTorchNested(t.OriginalDefinition, "torch", "nn", "Module")
                && IsTensor(t.TypeArguments[0]) && IsTensor(t.TypeArguments[1]))
                return true;
        }
        return false;
    }

    /// <summary>A type of TorchSharp.Modules with this name, or derived from it.</summary>
    public static bool DerivesFromModules(ITypeSymbol? type, string name)
    {
        for (var t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
            if (t.Name == name && InNamespace(t, ModulesNamespace)) return true;
        return false;
    }

    /// <summary>The element type of a TorchSharp ModuleList&lt;T&gt; (or a class derived from one), else null.</summary>
    public static ITypeSymbol? ModuleListElement(ITypeSymbol? type)
    {
        for (var t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
            if (t.Name == "ModuleList" && t.Arity == 1 && InNamespace(t, ModulesNamespace)) return t.TypeArguments[0];
        return null;
    }

    /// <summary>
    /// What BayesGen does with a module of this static type: a TorchSharp type it knows, one it does not
    /// (<see cref="ModuleRole.Unsupported"/>), the user's own block, or null when the type says too little
    /// (Module&lt;Tensor, Tensor&gt; itself, an interface).
    /// </summary>
    public static ModuleRole? RoleOf(ITypeSymbol? type)
    {
        if (type is not INamedTypeSymbol named || !IsModule(named)) return null;
        if (named.TypeKind == TypeKind.Interface) return null;
        if (IsTorchSharp(named))
        {
            if (InNamespace(named, ModulesNamespace) && Roles.TryGetValue(named.Name, out var role)) return role;
            if (DerivesFromModules(named, "Sequential")) return ModuleRole.Container;
            // Module<Tensor, Tensor> itself, or Module: the declared type says nothing about what it holds.
            if (IsTorchNested(named.OriginalDefinition, "torch", "nn", "Module")) return null;
            return ModuleRole.Unsupported;
        }
        return named.IsAbstract ? null : ModuleRole.Block;
    }
}

/// <summary>What a module is to BayesGen.</summary>
internal enum ModuleRole
{
    /// <summary>Linear or a convolution: made Bayesian.</summary>
    Layer,
    /// <summary>BatchNorm: kept, its channels following the layers around it.</summary>
    Norm,
    /// <summary>A parameter-free module: an operation of the graph.</summary>
    Function,
    /// <summary>Sequential or ModuleList: converted child by child.</summary>
    Container,
    /// <summary>A module class of the user's: its forward is carried into a generated counterpart.</summary>
    Block,
    /// <summary>A TorchSharp module BayesGen cannot convert (LSTM, Embedding, LayerNorm, …).</summary>
    Unsupported,
}
