using System.Collections.Generic;
using BayesGen.Generator.Model;
using Microsoft.CodeAnalysis;

namespace BayesGen.Generator.Parsing;

/// <summary>
/// Recognises the TorchSharp and BayesGen types the parser cares about by their names. Comparing a symbol's
/// name and namespace is much cheaper than resolving each known type in every new compilation (which walks all
/// referenced assemblies), and the generator runs on every edit.
/// </summary>
internal sealed class KnownTypes
{
    public const string GroupNJAttribute = "BayesGen.GroupNJAttribute";
    public const string HorseshoeAttribute = "BayesGen.HorseshoeAttribute";
    public const string ClipVarianceAttribute = "BayesGen.ClipVarianceAttribute";
    public const string PruneThresholdAttribute = "BayesGen.PruneThresholdAttribute";
    public const string InputShapeAttribute = "BayesGen.InputShapeAttribute";

    private const string ModulesNamespace = "TorchSharp.Modules";

    private static readonly Dictionary<string, ModuleKind> ModuleNames = new()
    {
        ["BatchNorm1d"] = ModuleKind.BatchNorm1d,
        ["BatchNorm2d"] = ModuleKind.BatchNorm2d,
        ["ReLU"] = ModuleKind.ReLU,
        ["Tanh"] = ModuleKind.Tanh,
        ["Sigmoid"] = ModuleKind.Sigmoid,
        ["LeakyReLU"] = ModuleKind.LeakyReLU,
        ["Dropout"] = ModuleKind.Dropout,
        ["Identity"] = ModuleKind.Identity,
        ["MaxPool2d"] = ModuleKind.MaxPool2d,
        ["AvgPool2d"] = ModuleKind.AvgPool2d,
        ["Flatten"] = ModuleKind.Flatten,
        ["LogSoftmax"] = ModuleKind.LogSoftmax,
        ["Softmax"] = ModuleKind.Softmax,
    };

    /// <summary>One instance serves every compilation: it holds no symbols.</summary>
    public static KnownTypes Instance { get; } = new();

    /// <summary>The supported field types, for messages.</summary>
    public const string SupportedList =
        "Linear and Conv2d (made Bayesian), BatchNorm1d, BatchNorm2d, ReLU, Tanh, Sigmoid, LeakyReLU, Dropout, Identity, MaxPool2d, AvgPool2d, Flatten, LogSoftmax and Softmax";

    /// <summary>Whether the namespace of <paramref name="symbol"/> is exactly the dotted <paramref name="name"/>.</summary>
    private static bool InNamespace(ISymbol symbol, string name)
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

    public bool IsTensor(ITypeSymbol? type) => IsTorchNested(type, "torch", "Tensor");

    public bool IsTorch(ITypeSymbol? type) => IsTorchNested(type, "torch");

    public bool IsFunctional(ITypeSymbol? type) => IsTorchNested(type, "torch", "nn", "functional");

    private static bool IsModulesType(ITypeSymbol? type, string name)
        => type is INamedTypeSymbol { Name: var n, ContainingType: null } t && n == name && InNamespace(t, ModulesNamespace);

    public bool IsLinear(ITypeSymbol? type) => IsModulesType(type, "Linear");

    public bool IsConv2d(ITypeSymbol? type) => IsModulesType(type, "Conv2d");

    public ModuleKind? ModuleKindOf(ITypeSymbol? type)
        => type is INamedTypeSymbol { ContainingType: null } t && ModuleNames.TryGetValue(t.Name, out var kind) && InNamespace(t, ModulesNamespace) ? kind : null;

    /// <summary>Whether <paramref name="type"/> is a TorchSharp module (derives from torch.nn.Module).</summary>
    public bool IsModule(ITypeSymbol? type)
    {
        for (var t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
            if (IsTorchNested(t.OriginalDefinition, "torch", "nn", "Module")) return true;
        return false;
    }

    /// <summary>Whether <paramref name="type"/> derives from torch.nn.Module&lt;Tensor, Tensor&gt;.</summary>
    public bool IsTensorModule(INamedTypeSymbol type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (t.Arity == 2 && IsTorchNested(t.OriginalDefinition, "torch", "nn", "Module")
                && IsTensor(t.TypeArguments[0]) && IsTensor(t.TypeArguments[1]))
                return true;
        }
        return false;
    }
}
