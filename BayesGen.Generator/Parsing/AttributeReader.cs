using System.Collections.Generic;
using System.Linq;
using BayesGen.Generator.Diagnostics;
using BayesGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BayesGen.Generator.Parsing;

/// <summary>Reads BayesGen's attributes and reports invalid arguments on the argument itself.</summary>
internal static class AttributeReader
{
    public static AttributeData? Find(ISymbol symbol, string metadataName)
        => symbol.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == metadataName);

    public static LocationInfo? LocationOf(AttributeData attribute)
        => LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax());

    /// <summary>The syntax of the attribute's argument at <paramref name="position"/> or named <paramref name="name"/>.</summary>
    public static LocationInfo? ArgumentLocation(AttributeData attribute, int position = -1, string? name = null)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax() is not AttributeSyntax syntax || syntax.ArgumentList is null)
            return LocationOf(attribute);
        var arguments = syntax.ArgumentList.Arguments;
        if (name is not null)
        {
            var named = arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.Text == name || a.NameColon?.Name.Identifier.Text == name);
            if (named is not null) return LocationInfo.From(named);
        }
        var positional = arguments.Where(a => a.NameEquals is null).ToList();
        return position >= 0 && position < positional.Count ? LocationInfo.From(positional[position]) : LocationOf(attribute);
    }

    /// <summary>
    /// The prior declared on <paramref name="symbol"/> ([GroupNJ] or [Horseshoe]), or null. Both at once, an
    /// invalid tau0 or an invalid threshold are reported; <paramref name="valid"/> is false then.
    /// </summary>
    public static PriorModel? ReadPrior(ISymbol symbol, List<DiagnosticInfo> diagnostics, out bool valid)
    {
        valid = true;
        var gnj = Find(symbol, KnownTypes.GroupNJAttribute);
        var horseshoe = Find(symbol, KnownTypes.HorseshoeAttribute);
        if (gnj is not null && horseshoe is not null)
        {
            var second = gnj.ApplicationSyntaxReference!.Span.Start > horseshoe.ApplicationSyntaxReference!.Span.Start ? gnj : horseshoe;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConflictingPriors, LocationOf(second), symbol.Name));
            valid = false;
            return null;
        }
        if (gnj is not null)
        {
            var threshold = NamedDouble(gnj, "Threshold", double.NaN, symbol, diagnostics, ref valid);
            return new PriorModel(PriorKindModel.GroupNJ, 0, 0, 0, threshold);
        }
        if (horseshoe is not null)
        {
            double tau0 = horseshoe.ConstructorArguments.Length == 1 && horseshoe.ConstructorArguments[0].Value is double t ? t : double.NaN;
            if (!(tau0 > 0) || double.IsInfinity(tau0))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidTau0, ArgumentLocation(horseshoe, 0), symbol.Name, Format(tau0)));
                valid = false;
            }
            int globalScale = NamedInt(horseshoe, "GlobalScale");
            int statistic = NamedInt(horseshoe, "Statistic");
            int initialization = NamedInt(horseshoe, "Initialization");
            var threshold = NamedDouble(horseshoe, "Threshold", double.NaN, symbol, diagnostics, ref valid);
            return new PriorModel(PriorKindModel.Horseshoe, tau0, globalScale, statistic, threshold, initialization);
        }
        return null;
    }

    private static double NamedDouble(AttributeData attribute, string name, double fallback, ISymbol symbol, List<DiagnosticInfo> diagnostics, ref bool valid)
    {
        foreach (var pair in attribute.NamedArguments)
        {
            if (pair.Key != name || pair.Value.Value is not double value) continue;
            if (double.IsNaN(value) || double.IsInfinity(value))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidThreshold, ArgumentLocation(attribute, name: name), symbol.Name, Format(value)));
                valid = false;
                return fallback;
            }
            return value;
        }
        return fallback;
    }

    private static int NamedInt(AttributeData attribute, string name)
    {
        foreach (var pair in attribute.NamedArguments)
            if (pair.Key == name && pair.Value.Value is int value) return value;
        return 0;
    }

    /// <summary>A number as a message shows it (invariant culture, NaN and infinities spelled out).</summary>
    public static string Format(double value)
        => double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "+infinity" : double.IsNegativeInfinity(value) ? "-infinity"
            : value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
