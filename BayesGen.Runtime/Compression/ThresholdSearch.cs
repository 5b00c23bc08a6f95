using BayesGen.Layers;

namespace BayesGen.Compression;

/// <summary>
/// Chooses each layer's pruning threshold by the question users ask: the smallest network whose error on held-out
/// data stays within a bound. Each layer's candidates are the thresholds that change its kept groups (one between
/// every two neighbouring values of its statistic), ordered from keeping every group to keeping one. The search is
/// greedy in what a move buys: from keeping everything, it tries to move each layer a step further (a share of the
/// groups it still keeps), measures each move's held-out error, and takes the move that removes the most weights (or
/// multiply-adds, <see cref="LayerStatistic.GainPerGroup"/>) per point of error it adds (moves that add none first,
/// the largest of them); a layer whose move would break the bound tries a smaller step, and stops when a single group
/// would break it. Given the network's kept cost (<c>keptCost</c>), what a move removes is how far that falls, which
/// counts the weights its masks take from other layers; without it, each removed group's own
/// <see cref="LayerStatistic.GainPerGroup"/>.
/// </summary>
/// <remarks>
/// Taking layers one at a time to their limit would spend the whole error budget on the first layer visited;
/// weighing weights removed against error added spends it where it buys most (a LeNet-300-100 input group
/// holds 300 weights, an fc3 one 10). The search never ends above the bound: a move is taken only when its measured
/// error is within it.
/// </remarks>
public static class ThresholdSearch
{
    /// <summary>The share of a layer's remaining candidates a first step tries (halved after each step that breaks the bound).</summary>
    public const int FirstStepDivisor = 8;

    /// <summary>
    /// One layer's pruning statistic, the direction it prunes in, and what removing one of its groups buys: the weights
    /// it holds when pruning for size (<see cref="GroupCosts.Weights"/>), the multiply-adds it costs an example when
    /// pruning for speed (<see cref="GroupCosts.MultiplyAdds"/>).
    /// </summary>
    public sealed record LayerStatistic(string Layer, float[] Values, PruneDirection Direction, long GainPerGroup = 1);

    /// <summary>What the search chose for one layer.</summary>
    public sealed record LayerChoice(string Layer, double Threshold, long KeptGroups, long Groups);

    /// <summary>
    /// Where the search stands after a move it took: the evaluations so far, the held-out error of the thresholds it holds,
    /// and each layer's kept groups (in the order of the layers given). A search over a large network evaluates hundreds of
    /// candidates, each a pass over the held-out images, and a caller can show that it is moving.
    /// </summary>
    public sealed record Progress(int Evaluations, double ErrorPct, double BoundPct, IReadOnlyList<long> KeptGroups);

    /// <summary>The thresholds chosen, the error they give and the error of keeping everything, on the held-out data.</summary>
    public sealed record Result(IReadOnlyList<LayerChoice> Layers, double BaseErrorPct, double BoundPct, double ErrorPct, int Evaluations)
    {
        /// <summary>
        /// The choices the search held after each move it took, from keeping every group (step 0) to its answer (the last
        /// step, <see cref="Layers"/>): each step prunes more than the one before. <see cref="SearchCheck"/> walks back
        /// along it.
        /// </summary>
        public IReadOnlyList<IReadOnlyList<LayerChoice>> Path { get; init; } = [];

        /// <summary>The chosen thresholds, ready for compression.</summary>
        public PruningThresholds Thresholds() => ThresholdsOf(Layers);
    }

    /// <summary>The thresholds of a set of layer choices, ready for compression.</summary>
    public static PruningThresholds ThresholdsOf(IEnumerable<LayerChoice> layers)
    {
        var t = new PruningThresholds();
        foreach (var l in layers) t.Set(l.Layer, l.Threshold);
        return t;
    }

    /// <summary>
    /// The thresholds that keep every group of every layer: the search's step 0, the network every rise is measured from.
    /// A layer without a finite statistic is left out (the search refuses it).
    /// </summary>
    public static PruningThresholds KeepingEverything(IEnumerable<LayerStatistic> layers)
    {
        var t = new PruningThresholds();
        foreach (var l in layers)
            if (Candidates(l.Values, l.Direction) is { Length: > 0 } c) t.Set(l.Layer, c[0]);
        return t;
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
    /// <param name="onMove">Told after every move the search takes (<see cref="Progress"/>).</param>
    /// <param name="keptCost">
    /// What the network a set of thresholds leaves still holds (its kept weights or multiply-adds,
    /// <see cref="GroupCosts.Kept"/>): a move removes the difference. Null: each removed group's own gain.
    /// </param>
    public static Result WithinErrorIncrease(IReadOnlyList<LayerStatistic> layers, Func<PruningThresholds, double> errorPct, double maxIncrease,
        Action<Progress>? onMove = null, Func<PruningThresholds, long>? keptCost = null)
    {
        RequireIncrease(maxIncrease);
        return Search(layers, errorPct, unpruned => unpruned + maxIncrease, onMove, keptCost);
    }

    /// <summary>
    /// The most pruning thresholds whose error (<paramref name="errorPct"/>, on held-out data) stays at or below
    /// <paramref name="targetPct"/> percent. Throws <see cref="ArgumentException"/> when keeping every group already errs more.
    /// </summary>
    public static Result WithinError(IReadOnlyList<LayerStatistic> layers, Func<PruningThresholds, double> errorPct, double targetPct,
        Action<Progress>? onMove = null, Func<PruningThresholds, long>? keptCost = null)
    {
        RequireTarget(targetPct);
        return Search(layers, errorPct, unpruned => unpruned <= targetPct ? targetPct
            : throw new ArgumentException($"The unpruned network already errs on {unpruned:F2} % of the held-out images, above the target of {targetPct:G4} %: nothing can be pruned within it. Aim higher, or train longer."),
            onMove, keptCost);
    }

    /// <summary>Refuses an allowed error increase that is not a finite number of points ≥ 0.</summary>
    internal static void RequireIncrease(double maxIncrease)
    {
        if (!(maxIncrease >= 0) || double.IsInfinity(maxIncrease))
            throw new ArgumentOutOfRangeException(nameof(maxIncrease), maxIncrease, "The allowed error increase must be a finite number of points ≥ 0.");
    }

    /// <summary>Refuses a target error that is not a percentage.</summary>
    internal static void RequireTarget(double targetPct)
    {
        if (!(targetPct >= 0 && targetPct <= 100))
            throw new ArgumentOutOfRangeException(nameof(targetPct), targetPct, "The target error must be a percentage between 0 and 100.");
    }

    private static Result Search(IReadOnlyList<LayerStatistic> layers, Func<PruningThresholds, double> errorPct, Func<double, double> boundFor,
        Action<Progress>? onMove, Func<PruningThresholds, long>? keptCost)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0) throw new ArgumentException("There are no layers to choose thresholds for.", nameof(layers));
        var candidates = layers.Select(l => Candidates(l.Values, l.Direction)).ToArray();
        for (int i = 0; i < layers.Count; i++)
            if (candidates[i].Length == 0) throw new ArgumentException($"Layer '{layers[i].Layer}' has no finite statistic to choose a threshold from.", nameof(layers));

        var position = new int[layers.Count];   // index into each layer's candidates; 0 keeps every group
        var seen = new Dictionary<string, double>(StringComparer.Ordinal);
        var costs = new Dictionary<string, long>(StringComparer.Ordinal);
        PruningThresholds ThresholdsAt(int[] at)
        {
            var thresholds = new PruningThresholds();
            for (int i = 0; i < layers.Count; i++) thresholds.Set(layers[i].Layer, candidates[i][at[i]]);
            return thresholds;
        }
        double Evaluate(int[] at)
        {
            var key = string.Join(",", at);
            if (seen.TryGetValue(key, out var known)) return known;
            double e = errorPct(ThresholdsAt(at));
            if (double.IsNaN(e)) throw new InvalidOperationException("The held-out error was not a number.");
            return seen[key] = e;
        }
        long CostAt(int[] at)
        {
            var key = string.Join(",", at);
            return costs.TryGetValue(key, out var known) ? known : costs[key] = keptCost!(ThresholdsAt(at));
        }
        long Kept(int layer, int at) => KeptGroups(layers[layer], candidates[layer][at]);
        // What moving one layer from position to trial removes: the fall of the network's kept cost, or the removed groups' own gain.
        double Gain(int layer, int[] trial) => keptCost is not null
            ? CostAt(position) - CostAt(trial)
            : (double)(Kept(layer, position[layer]) - Kept(layer, trial[layer])) * layers[layer].GainPerGroup;

        IReadOnlyList<LayerChoice> ChoicesAt(int[] at) => Enumerable.Range(0, layers.Count).Select(i =>
        {
            double t = candidates[i][at[i]];
            return new LayerChoice(layers[i].Layer, t, KeptGroups(layers[i], t), layers[i].Values.LongLength);
        }).ToArray();

        double current = Evaluate(position);
        double baseError = current, bound = boundFor(baseError);
        var path = new List<IReadOnlyList<LayerChoice>> { ChoicesAt(position) };
        var step = candidates.Select(c => Math.Max(1, (c.Length - 1) / FirstStepDivisor)).ToArray();
        var active = candidates.Select(c => c.Length > 1).ToArray();
        while (active.Any(a => a))
        {
            int best = -1;
            double bestRatio = double.NegativeInfinity, bestGain = 0, bestError = 0;
            for (int layer = 0; layer < layers.Count; layer++)
            {
                if (!active[layer]) continue;
                var trial = (int[])position.Clone();
                trial[layer] = Math.Min(candidates[layer].Length - 1, position[layer] + step[layer]);
                double e = Evaluate(trial);
                double gain = Gain(layer, trial);
                if (e > bound || (gain <= 0 && e > current))
                {
                    // Too far, or error spent on nothing the network sheds (a vote on a channel another layer keeps): a
                    // smaller step next time; a single group too many ends this layer.
                    if (step[layer] == 1) active[layer] = false; else step[layer] /= 2;
                    continue;
                }
                double added = Math.Max(e - current, 0);
                double ratio = added == 0 ? double.PositiveInfinity : gain / added;
                if (ratio > bestRatio || (ratio == bestRatio && gain > bestGain))
                    (best, bestRatio, bestGain, bestError) = (layer, ratio, gain, e);
            }
            if (best < 0) continue;   // every active layer's step shrank; try again with the smaller steps
            position[best] = Math.Min(candidates[best].Length - 1, position[best] + step[best]);
            current = bestError;
            if (position[best] == candidates[best].Length - 1) active[best] = false;
            else step[best] = Math.Max(1, Math.Min(step[best], (candidates[best].Length - 1 - position[best]) / 2 + 1));
            path.Add(ChoicesAt(position));
            onMove?.Invoke(new Progress(seen.Count, current, bound, path[^1].Select(c => c.KeptGroups).ToArray()));
        }

        return new Result(path[^1], baseError, bound, Evaluate(position), seen.Count) { Path = path };
    }

    private static long KeptGroups(LayerStatistic layer, double threshold)
        => layer.Values.LongCount(v => layer.Direction == PruneDirection.Above ? v < threshold : v > threshold);
}
