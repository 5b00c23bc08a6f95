using System.Collections.Generic;
using BayesGen.Generator.Model;
using Microsoft.CodeAnalysis;

namespace BayesGen.Generator.Parsing;

/// <summary>The TorchSharp and BayesGen types the parser recognises, resolved once per compilation.</summary>
internal sealed class KnownTypes
{
    public const string GroupNJAttribute = "BayesGen.GroupNJAttribute";
    public const string HorseshoeAttribute = "BayesGen.HorseshoeAttribute";
    public const string ClipVarianceAttribute = "BayesGen.ClipVarianceAttribute";
    public const string PruneThresholdAttribute = "BayesGen.PruneThresholdAttribute";
    public const string InputShapeAttribute = "BayesGen.InputShapeAttribute";

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Compilation, KnownTypes> Cache = new();

    /// <summary>The known types of a compilation, resolved once however many networks it holds.</summary>
    public static KnownTypes For(Compilation compilation) => Cache.GetValue(compilation, c => new KnownTypes(c));

    private KnownTypes(Compilation compilation)
    {
        Tensor = compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
        ModuleOfT = compilation.GetTypeByMetadataName("TorchSharp.torch+nn+Module`2");
        ModuleBase = compilation.GetTypeByMetadataName("TorchSharp.torch+nn+Module");
        Torch = compilation.GetTypeByMetadataName("TorchSharp.torch");
        Functional = compilation.GetTypeByMetadataName("TorchSharp.torch+nn+functional");
        Linear = compilation.GetTypeByMetadataName("TorchSharp.Modules.Linear");
        Conv2d = compilation.GetTypeByMetadataName("TorchSharp.Modules.Conv2d");
        ModuleKinds = new Dictionary<ModuleKind, INamedTypeSymbol?>
        {
            [ModuleKind.BatchNorm1d] = compilation.GetTypeByMetadataName("TorchSharp.Modules.BatchNorm1d"),
            [ModuleKind.BatchNorm2d] = compilation.GetTypeByMetadataName("TorchSharp.Modules.BatchNorm2d"),
            [ModuleKind.ReLU] = compilation.GetTypeByMetadataName("TorchSharp.Modules.ReLU"),
            [ModuleKind.Tanh] = compilation.GetTypeByMetadataName("TorchSharp.Modules.Tanh"),
            [ModuleKind.Sigmoid] = compilation.GetTypeByMetadataName("TorchSharp.Modules.Sigmoid"),
            [ModuleKind.LeakyReLU] = compilation.GetTypeByMetadataName("TorchSharp.Modules.LeakyReLU"),
            [ModuleKind.Dropout] = compilation.GetTypeByMetadataName("TorchSharp.Modules.Dropout"),
            [ModuleKind.Identity] = compilation.GetTypeByMetadataName("TorchSharp.Modules.Identity"),
            [ModuleKind.MaxPool2d] = compilation.GetTypeByMetadataName("TorchSharp.Modules.MaxPool2d"),
            [ModuleKind.AvgPool2d] = compilation.GetTypeByMetadataName("TorchSharp.Modules.AvgPool2d"),
            [ModuleKind.Flatten] = compilation.GetTypeByMetadataName("TorchSharp.Modules.Flatten"),
            [ModuleKind.LogSoftmax] = compilation.GetTypeByMetadataName("TorchSharp.Modules.LogSoftmax"),
            [ModuleKind.Softmax] = compilation.GetTypeByMetadataName("TorchSharp.Modules.Softmax"),
        };
    }

    public INamedTypeSymbol? Tensor { get; }
    public INamedTypeSymbol? ModuleOfT { get; }
    public INamedTypeSymbol? ModuleBase { get; }
    public INamedTypeSymbol? Torch { get; }
    public INamedTypeSymbol? Functional { get; }
    public INamedTypeSymbol? Linear { get; }
    public INamedTypeSymbol? Conv2d { get; }
    public IReadOnlyDictionary<ModuleKind, INamedTypeSymbol?> ModuleKinds { get; }

    /// <summary>The supported field types, for messages.</summary>
    public const string SupportedList =
        "Linear and Conv2d (made Bayesian), BatchNorm1d, BatchNorm2d, ReLU, Tanh, Sigmoid, LeakyReLU, Dropout, Identity, MaxPool2d, AvgPool2d, Flatten, LogSoftmax and Softmax";

    public bool IsTensor(ITypeSymbol? type) => type is not null && SymbolEqualityComparer.Default.Equals(type, Tensor);

    public bool Is(ITypeSymbol? type, INamedTypeSymbol? known) => type is not null && known is not null && SymbolEqualityComparer.Default.Equals(type, known);

    public ModuleKind? ModuleKindOf(ITypeSymbol? type)
    {
        foreach (var pair in ModuleKinds)
            if (Is(type, pair.Value)) return pair.Key;
        return null;
    }

    /// <summary>Whether <paramref name="type"/> is a TorchSharp module (derives from torch.nn.Module).</summary>
    public bool IsModule(ITypeSymbol? type)
    {
        for (var t = type as INamedTypeSymbol; t is not null; t = t.BaseType)
            if (SymbolEqualityComparer.Default.Equals(t, ModuleBase)) return true;
        return false;
    }

    /// <summary>Whether <paramref name="type"/> derives from torch.nn.Module&lt;Tensor, Tensor&gt;.</summary>
    public bool IsTensorModule(INamedTypeSymbol type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, ModuleOfT)
                && t.TypeArguments.Length == 2 && IsTensor(t.TypeArguments[0]) && IsTensor(t.TypeArguments[1]))
                return true;
        }
        return false;
    }
}
