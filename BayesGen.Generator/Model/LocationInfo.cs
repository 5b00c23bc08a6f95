using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace BayesGen.Generator.Model;

/// <summary>
/// Where a diagnostic points, as plain values: pipeline state must not hold <see cref="Location"/> (it roots
/// a syntax tree and defeats caching).
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(SyntaxNode? node) => node is null ? null : From(node.GetLocation());

    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null) return null;
        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }
}
