namespace BayesGen.Compression;

/// <summary>
/// Checks a held-out threshold search's answer on images the search never saw, and walks back along the search's path
/// (<see cref="ThresholdSearch.Result.Path"/>) to the most pruned network that stays within the bound there too.
/// </summary>
/// <remarks>
/// The search measures a hundred or more networks on the same images and keeps the most pruned one whose measured error
/// passes, so it selects networks that happen to err little on those images: its answer's error on new images lies
/// above what the search measured (on LeNet-5, by 1.7 times the measured rise on average). An error measured on images
/// the search did not use has no such selection in it. Each step of the path prunes more than the one before; walking
/// back from the answer, the first step within the bound on the check images is the answer that both sets accept.
/// Step 0 keeps every group, so the walk always ends (with <see cref="WithinError"/> it may end at step 0 above the target,
/// which <see cref="Checked.WithinBound"/> says).
/// </remarks>
public static class SearchCheck
{
    /// <summary>
    /// The step of the search's path that was kept, and what the check images measured: their error with every group kept
    /// (<see cref="BaseErrorPct"/>), the bound that follows from it, and the kept step's error.
    /// </summary>
    public sealed record Checked(ThresholdSearch.Result Search, int Step, double BaseErrorPct, double BoundPct, double ErrorPct, int Evaluations)
    {
        /// <summary>The kept step's choice for every layer.</summary>
        public IReadOnlyList<ThresholdSearch.LayerChoice> Layers => Search.Path[Step];

        /// <summary>How many of the search's moves the check undid (0: it accepted the search's answer).</summary>
        public int StepsBack => Search.Path.Count - 1 - Step;

        /// <summary>Whether the kept step's error on the check images is within the bound (false only when nothing is, not even step 0).</summary>
        public bool WithinBound => ErrorPct <= BoundPct;

        /// <summary>The kept thresholds, ready for compression.</summary>
        public PruningThresholds Thresholds() => ThresholdSearch.ThresholdsOf(Layers);
    }

    /// <summary>
    /// The most pruned step of <paramref name="searched"/>'s path whose error on the check images
    /// (<paramref name="errorPct"/>) stays within <paramref name="maxIncrease"/> points of their error with every group kept.
    /// </summary>
    public static Checked WithinErrorIncrease(ThresholdSearch.Result searched, Func<PruningThresholds, double> errorPct, double maxIncrease)
    {
        ThresholdSearch.RequireIncrease(maxIncrease);
        return WalkBack(searched, errorPct, unpruned => unpruned + maxIncrease);
    }

    /// <summary>
    /// The most pruned step of <paramref name="searched"/>'s path whose error on the check images stays at or below
    /// <paramref name="targetPct"/>; step 0 (every group kept) when none does, with <see cref="Checked.WithinBound"/> false.
    /// </summary>
    public static Checked WithinError(ThresholdSearch.Result searched, Func<PruningThresholds, double> errorPct, double targetPct)
    {
        ThresholdSearch.RequireTarget(targetPct);
        return WalkBack(searched, errorPct, _ => targetPct);
    }

    private static Checked WalkBack(ThresholdSearch.Result searched, Func<PruningThresholds, double> errorPct, Func<double, double> boundFor)
    {
        ArgumentNullException.ThrowIfNull(searched);
        ArgumentNullException.ThrowIfNull(errorPct);
        if (searched.Path.Count == 0) throw new ArgumentException("The search result has no path to check (it was not made by ThresholdSearch).", nameof(searched));
        double Measure(int step)
        {
            double e = errorPct(ThresholdSearch.ThresholdsOf(searched.Path[step]));
            return double.IsNaN(e) ? throw new InvalidOperationException("The check images' error was not a number.") : e;
        }

        double baseError = Measure(0), bound = boundFor(baseError);
        int evaluations = 1;
        for (int step = searched.Path.Count - 1; step > 0; step--)
        {
            double e = Measure(step);
            evaluations++;
            if (e <= bound) return new Checked(searched, step, baseError, bound, e, evaluations);
        }
        return new Checked(searched, 0, baseError, bound, baseError, evaluations);
    }
}
