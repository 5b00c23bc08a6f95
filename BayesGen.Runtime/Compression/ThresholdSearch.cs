using BayesGen.Layers;

namespace BayesGen.Compression;

/// <summary>
/// Chooses each layer's pruning threshold by the question users ask: the smallest network whose error on held-out
/// data stays within a bound. Each layer's candidates are the thresholds that change its kept groups (one between
/// every two neighbouring values of its statistic), ordered from keeping every group to keeping one; the search
/// moves one layer at a time to the most pruning candidate whose error stays within the bound, with the other layers
/// where they are, and repeats the round while any layer moves (at most <see cref="MaxRounds"/> rounds).
/// </summary>
/// <remarks>
/// Within a layer the error rises, by and large, as groups go, so each layer's step is a binary search over its
/// candidates (about log₂ of its groups evaluations); where the error is not monotone the search still ends on a
/// candidate that satisfies the bound, never on one that breaks it. Every evaluation is remembered, so a round that
/// moves nothing costs nothing new.
/// </remarks>
public static class ThresholdSearch
{
    /// <summary>Rounds over the layers at most (a round that moves no layer ends the search earlier).</summary>
    public const int MaxRounds = 3;

    /// <summary>One layer's pruning statistic and the direction it prunes in.</summary>
    public sealed record LayerStatistic(string Layer, float[] Values, PruneDirection Direction);

    /// <summary>What the search chose for one layer.</summary>
    public sealed record LayerChoice(string Layer, double Threshold, long KeptGroups, long Groups);

    /// <summary>The thresholds chosen, the error they give and the error of keeping everything, on the held-out data.</summary>
    public sealed record Result(IReadOnlyList<LayerChoice> Layers, double BaseErrorPct, double BoundPct, double ErrorPct, int Evaluations)
    {
        /// <summary>The chosen thresholds, ready for compression.</summary>
        public PruningThresholds Thresholds()
        {
            var t = new PruningThresholds();
            foreach (var l in Layers) t.Set(l.Layer, l.Threshold);
            return t;
        }
    }

    /// <summary>
    /// The thresholds that change which groups a layer keeps, from keeping all to keeping one: above the largest value
    /// and then between neighbours (for a statistic pruned above), or the mirror image for one pruned below.
    /// </summary>
    public static double[] Candidates(ReadOnlySpan<float> values, PruneDirection direction)
    {
        var finite = new List<double>(values.Length);
        foreach (var v in values) if (float.IsFinite(v)) finite.Add(v);
        if (finite.Count == 0) return [];
        var sorted = finite.Distinct().OrderBy(v => v).ToArray();
        var candidates = new List<double>(sorted.Length);
        if (direction == PruneDirection.Above)
        {
            // A group is kept while its statistic lies below the threshold.
            candidates.Add(sorted[^1] + 1.0);
            for (int i = sorted.Length - 1; i >= 1; i--) candidates.Add((sorted[i] + sorted[i - 1]) / 2);
        }
        else
        {
            candidates.Add(sorted[0] - 1.0);
            for (int i = 0; i + 1 < sorted.Length; i++) candidates.Add((sorted[i] + sorted[i + 1]) / 2);
        }
        return candidates.ToArray();
    }

    /// <summary>
    /// The most pruning thresholds whose error (<paramref name="errorPct"/>, on held-out data) stays within
    /// <paramref name="maxIncrease"/> points of keeping every group.
    /// </summary>
    /// <param name="layers">Each layer's statistic, in the order the search visits them (data-flow order).</param>
    /// <param name="errorPct">The held-out error in percent for a set of thresholds (one per layer).</param>
    /// <param name="maxIncrease">How many points above the unpruned error the result may err (≥ 0).</param>
    public static Result WithinErrorIncrease(IReadOnlyList<LayerStatistic> layers, Func<PruningThresholds, double> errorPct, double maxIncrease)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (!(maxIncrease >= 0) || double.IsInfinity(maxIncrease))
            throw new ArgumentOutOfRangeException(nameof(maxIncrease), maxIncrease, "The allowed error increase must be a finite number of points ≥ 0.");
        if (layers.Count == 0) throw new ArgumentException("There are no layers to choose thresholds for.", nameof(layers));
        var candidates = layers.Select(l => Candidates(l.Values, l.Direction)).ToArray();
        for (int i = 0; i < layers.Count; i++)
            if (candidates[i].Length == 0) throw new ArgumentException($"Layer '{layers[i].Layer}' has no finite statistic to choose a threshold from.", nameof(layers));

        var position = new int[layers.Count];   // index into each layer's candidates; 0 keeps every group
        var seen = new Dictionary<string, double>(StringComparer.Ordinal);
        double Evaluate(int[] at)
        {
            var key = string.Join(",", at);
            if (seen.TryGetValue(key, out var known)) return known;
            var thresholds = new PruningThresholds();
            for (int i = 0; i < layers.Count; i++) thresholds.Set(layers[i].Layer, candidates[i][at[i]]);
            double e = errorPct(thresholds);
            if (double.IsNaN(e)) throw new InvalidOperationException("The held-out error was not a number.");
            return seen[key] = e;
        }

        double baseError = Evaluate(position);
        double bound = baseError + maxIncrease;
        for (int round = 0; round < MaxRounds; round++)
        {
            bool moved = false;
            for (int layer = 0; layer < layers.Count; layer++)
            {
                // The last candidate keeps one group; keeping none would remove the layer.
                int low = position[layer], high = candidates[layer].Length - 1;
                while (low < high)
                {
                    int mid = (low + high + 1) / 2;
                    var trial = (int[])position.Clone();
                    trial[layer] = mid;
                    if (Evaluate(trial) <= bound) low = mid; else high = mid - 1;
                }
                if (low != position[layer]) { position[layer] = low; moved = true; }
            }
            if (!moved) break;
        }

        var choices = new List<LayerChoice>(layers.Count);
        for (int i = 0; i < layers.Count; i++)
        {
            double t = candidates[i][position[i]];
            long kept = layers[i].Values.LongCount(v => layers[i].Direction == PruneDirection.Above ? v < t : v > t);
            choices.Add(new LayerChoice(layers[i].Layer, t, kept, layers[i].Values.LongLength));
        }
        return new Result(choices, baseError, bound, Evaluate(position), seen.Count);
    }
}
