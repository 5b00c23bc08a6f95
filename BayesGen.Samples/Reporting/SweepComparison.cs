using System.Text.Json;

namespace BayesGen.Samples.Reporting;

/// <summary>One setting of a threshold sweep: how much it compresses (pruning accounting) and how much it errs.</summary>
public readonly record struct SweepPoint(double CompressionPruning, double ErrorPercent);

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

    public static IReadOnlyList<ComparedPoint> Compare(IReadOnlyList<SweepPoint> ours, IReadOnlyList<SweepPoint> theirs)
    {
        if (ours.Count == 0) throw new ArgumentException("Our sweep has no point to compare (every setting lost a layer's last unit).");
        // Several settings can compress equally (e.g. nothing pruned); the best of them stands for that compression.
        var curve = ours.GroupBy(p => p.CompressionPruning).Select(g => new SweepPoint(g.Key, g.Min(p => p.ErrorPercent)))
            .OrderBy(p => p.CompressionPruning).ToArray();
        return theirs.Select(point => AtCompression(curve, point)).ToArray();
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
    /// a JSON array of objects with <c>compression_pruning</c> (≥ 1) and <c>compressed_test_error_pct</c> (0–100).
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
                double error = Number(path, item, index, "compressed_test_error_pct");
                if (!(compression >= 1)) throw new ArgumentException($"{path}, point {index}: compression_pruning {compression} is below 1 (a rate is all weights over kept weights).");
                if (!(error is >= 0 and <= 100)) throw new ArgumentException($"{path}, point {index}: compressed_test_error_pct {error} is not a percentage.");
                points.Add(new SweepPoint(compression, error));
                index++;
            }
            return points;
        }
    }

    private static double Number(string path, JsonElement item, int index, string name)
    {
        if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Number
            || !value.TryGetDouble(out var number) || !double.IsFinite(number))
            throw new ArgumentException($"{path}, point {index}: no number \"{name}\"; each point needs compression_pruning and compressed_test_error_pct.");
        return number;
    }
}
