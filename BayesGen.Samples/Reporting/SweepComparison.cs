using System.Text.Json;

namespace BayesGen.Samples.Reporting;

/// <summary>
/// One setting of a threshold sweep: how much it compresses (pruning accounting) and how much it errs, pruned and
/// quantised (<paramref name="ErrorPercent"/>) and, where the sweep measured it, pruned with unrounded weights.
/// </summary>
public readonly record struct SweepPoint(double CompressionPruning, double ErrorPercent, double? PrunedErrorPercent = null);

/// <summary>Our error at another curve's compression, and how it was found.</summary>
/// <param name="Theirs">The other curve's point.</param>
/// <param name="Ours">Our error at that compression; null where our curve does not compress that much.</param>
/// <param name="How">"interpolated", "measured" (a point of ours at that compression), "more compressed (…x)" when
/// every point of ours compresses more, so that our least compressed point is the fair comparison, or "not reached".</param>
public sealed record ComparedPoint(SweepPoint Theirs, double? Ours, string How)
{
    /// <summary>True when our error at this compression is no higher than theirs.</summary>
    public bool AtOrBelow => Ours is double ours && ours <= Theirs.ErrorPercent;
}

/// <summary>
/// Compares two error-against-compression curves, e.g. a BayesGen sweep with one from the reference code: for every
/// compression the other curve reaches, our error there. Between two of our settings the error is interpolated linearly
/// in log compression (the sweeps' natural axis); beyond our most compressed setting there is nothing to compare with.
/// </summary>
public static class SweepComparison
{
    /// <summary>A sweep is a few hundred bytes a point; a larger file is not one.</summary>
    public const long MaxBytes = 16L << 20;

    /// <summary>Our error at each of their compressions; <paramref name="value"/> picks which error (default: pruned and quantised).</summary>
    public static IReadOnlyList<ComparedPoint> Compare(IReadOnlyList<SweepPoint> ours, IReadOnlyList<SweepPoint> theirs, Func<SweepPoint, double?>? value = null)
    {
        value ??= p => p.ErrorPercent;
        var measured = ours.Where(p => value(p) is not null).ToArray();
        if (measured.Length == 0) throw new ArgumentException("Our sweep has no point to compare (every setting lost a layer's last unit, or the error compared was not measured).");
        // Several settings can compress equally (e.g. nothing pruned); the best of them stands for that compression.
        var curve = measured.GroupBy(p => p.CompressionPruning).Select(g => new SweepPoint(g.Key, g.Min(p => value(p)!.Value)))
            .OrderBy(p => p.CompressionPruning).ToArray();
        return theirs.Where(p => value(p) is not null).Select(p => AtCompression(curve, new SweepPoint(p.CompressionPruning, value(p)!.Value))).ToArray();
    }

    /// <summary>
    /// Both comparisons two sweeps allow: pruned and quantised, and pruned with unrounded weights where both measured it
    /// (every point of theirs; then the two lists are point for point the same compressions).
    /// </summary>
    public static (IReadOnlyList<ComparedPoint> Compressed, IReadOnlyList<ComparedPoint> Pruned) CompareBoth(IReadOnlyList<SweepPoint> ours, IReadOnlyList<SweepPoint> theirs)
    {
        var pruned = ours.Any(p => p.PrunedErrorPercent is not null) && theirs.All(p => p.PrunedErrorPercent is not null)
            ? Compare(ours, theirs, p => p.PrunedErrorPercent) : [];
        return (Compare(ours, theirs), pruned);
    }

    private static ComparedPoint AtCompression(SweepPoint[] curve, SweepPoint theirs)
    {
        double c = theirs.CompressionPruning;
        if (c > curve[^1].CompressionPruning) return new ComparedPoint(theirs, null, "not reached");
        if (c < curve[0].CompressionPruning)
            return new ComparedPoint(theirs, curve[0].ErrorPercent, $"more compressed ({curve[0].CompressionPruning:F1}x)");
        for (int i = 0; i < curve.Length; i++)
        {
            if (curve[i].CompressionPruning == c) return new ComparedPoint(theirs, curve[i].ErrorPercent, "measured");
            if (curve[i + 1].CompressionPruning < c) continue;
            var (a, b) = (curve[i], curve[i + 1]);
            double t = Math.Log(c / a.CompressionPruning) / Math.Log(b.CompressionPruning / a.CompressionPruning);
            return new ComparedPoint(theirs, a.ErrorPercent + t * (b.ErrorPercent - a.ErrorPercent), "interpolated");
        }
        throw new InvalidOperationException("unreachable: c lies within the curve's range");
    }

    /// <summary>
    /// Reads a curve written by <c>bayesgen sweep</c> (sweep.json) or by <c>tools/reference/train_reference.py --sweep</c>:
    /// a JSON array of objects with <c>compression_pruning</c> (≥ 1) and <c>compressed_test_error_pct</c> (0–100), and
    /// optionally <c>pruned_test_error_pct</c> (the error with unrounded weights).
    /// </summary>
    public static IReadOnlyList<SweepPoint> Read(string path)
    {
        JsonDocument document;
        try
        {
            using var stream = IO.InputFiles.Open(path, 2, MaxBytes, "a sweep");
            document = JsonDocument.Parse(stream);
        }
        catch (FileNotFoundException) { throw new ArgumentException($"{path} does not exist: give --against a sweep.json written by `bayesgen sweep` or by train_reference.py --sweep."); }
        catch (InvalidDataException e) { throw new ArgumentException($"{path}: {e.Message}"); }
        catch (JsonException e) { throw new ArgumentException($"{path} is not JSON ({e.Message}): give --against a sweep.json."); }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array || document.RootElement.GetArrayLength() == 0)
                throw new ArgumentException($"{path} is not a sweep: expected a non-empty JSON array of {{\"compression_pruning\": …, \"compressed_test_error_pct\": …}}.");
            var points = new List<SweepPoint>();
            int index = 0;
            foreach (var item in document.RootElement.EnumerateArray())
            {
                double compression = Number(path, item, index, "compression_pruning");
                double error = Percentage(path, index, "compressed_test_error_pct", Number(path, item, index, "compressed_test_error_pct"));
                double? pruned = item.TryGetProperty("pruned_test_error_pct", out var p) && p.ValueKind != JsonValueKind.Null
                    ? Percentage(path, index, "pruned_test_error_pct", Number(path, item, index, "pruned_test_error_pct")) : null;
                if (!(compression >= 1)) throw new ArgumentException($"{path}, point {index}: compression_pruning {compression} is below 1 (a rate is all weights over kept weights).");
                points.Add(new SweepPoint(compression, error, pruned));
                index++;
            }
            return points;
        }
    }

    private static double Percentage(string path, int index, string name, double value)
        => value is >= 0 and <= 100 ? value : throw new ArgumentException($"{path}, point {index}: {name} {value} is not a percentage.");

    private static double Number(string path, JsonElement item, int index, string name)
    {
        if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Number
            || !value.TryGetDouble(out var number) || !double.IsFinite(number))
            throw new ArgumentException($"{path}, point {index}: no number \"{name}\"; each point needs compression_pruning and compressed_test_error_pct.");
        return number;
    }
}
