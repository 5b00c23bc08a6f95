using BayesGen.Graph;
namespace BayesGen.Tracing;

/// <summary>
/// Expresses a <c>view</c>/<c>reshape</c> as the structural steps it amounts to: size-1 dimensions removed
/// (<see cref="SqueezeOp"/>), neighbouring dimensions merged (<see cref="FlattenOp"/>), size-1 dimensions added
/// (<see cref="UnsqueezeOp"/>). Those steps mean the same thing whatever the channel counts, so the pruned network
/// can replay them where a shape written as numbers (<c>view(-1, 800)</c>) would be wrong. A reshape that splits
/// a dimension, moves data across the batch or reorders it has no such form.
/// </summary>
internal static class ReshapeSteps
{
    /// <summary>The steps turning <paramref name="from"/> into <paramref name="to"/> (batch included), or null.</summary>
    public static IReadOnlyList<GraphOp>? Find(long[] from, long[] to)
    {
        if (from.Length == 0 || to.Length == 0 || from[0] != to[0]) return null;
        if (from.AsSpan().SequenceEqual(to)) return Array.Empty<GraphOp>();
        var steps = new List<GraphOp>();

        // 1. Remove the input's size-1 dimensions (last first, so earlier positions stay valid).
        for (int d = from.Length - 1; d >= 1; d--)
            if (from[d] == 1) steps.Add(new SqueezeOp(d));
        var a = new[] { from[0] }.Concat(from.Skip(1).Where(n => n != 1)).ToList();
        var bPositions = Enumerable.Range(1, to.Length - 1).Where(d => to[d] != 1).ToList();
        var b = bPositions.Select(d => to[d]).ToList();

        // 2. Each remaining output dimension is the product of consecutive remaining input dimensions.
        var groups = new List<(int Start, int End)>();
        int i = 1;
        foreach (var target in b)
        {
            if (i >= a.Count) return null;
            long product = a[i];
            int start = i;
            while (product < target && i + 1 < a.Count) product *= a[++i];
            if (product != target) return null;
            groups.Add((start, i));
            i++;
        }
        if (i != a.Count) return null;
        foreach (var (start, end) in Enumerable.Reverse(groups))
            if (end > start) steps.Add(new FlattenOp(start, end));

        // 3. Add the output's size-1 dimensions in ascending order.
        for (int d = 1; d < to.Length; d++)
            if (to[d] == 1) steps.Add(new UnsqueezeOp(d));
        return steps;
    }
}
