using BayesGen.Generator.Helpers;
using BayesGen.Generator.Model;
using Microsoft.CodeAnalysis;

namespace BayesGen.Generator.Diagnostics;

/// <summary>A diagnostic as plain, equatable values; turned into a <see cref="Diagnostic"/> when reported.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params object?[] arguments)
        => new(descriptor.Id, location, System.Linq.Enumerable.Select(arguments, a => a?.ToString() ?? "").ToEquatableArray());

    /// <summary>
    /// The diagnostic, located in the compilation's syntax tree of the same file (so that #pragma and
    /// SuppressMessage apply to it), or at the bare file position when the tree is gone.
    /// </summary>
    public Diagnostic ToDiagnostic(Compilation compilation)
    {
        Location? location = null;
        if (Location is not null)
        {
            var tree = System.Linq.Enumerable.FirstOrDefault(compilation.SyntaxTrees, t => t.FilePath == Location.FilePath);
            location = tree is not null && Location.Span.End <= tree.Length
                ? Microsoft.CodeAnalysis.Location.Create(tree, Location.Span)
                : Location.ToLocation();
        }
        return Diagnostic.Create(DiagnosticDescriptors.ById(Id), location, System.Linq.Enumerable.ToArray(Arguments));
    }
}
