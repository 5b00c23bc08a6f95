namespace BayesGen.Compression;

/// <summary>
/// How much a pruned network errs more than the network it was pruned from, measured on the same images, and how
/// finely those images measure it. Both networks see every image, so the rise is the mean of per-image differences
/// (−1, 0 or +1): only the images on which exactly one of them errs carry information, and its standard error
/// follows from how many such images there are, far smaller than the two error rates' own standard errors.
/// </summary>
/// <remarks>
/// A threshold search measures a hundred or more networks on one set of held-out images and keeps the most pruned one
/// whose measured rise passes a bound, so it favours networks whose rise happens to be measured low. Judging each rise
/// at an upper confidence limit (the measured rise plus a number of these standard errors) makes the bound hold for
/// the true rise rather than for the noise; a network that disagrees with the unpruned one on more images has a noisier
/// rise and must show a smaller one.
/// </remarks>
public static class PairedErrors
{
    /// <summary>A rise in error and its standard error, both in percentage points.</summary>
    public readonly record struct Rise(double Points, double StandardErrorPoints, long OnlyBeforeWrong, long OnlyAfterWrong, long Images)
    {
        /// <summary>The rise judged <paramref name="standardErrors"/> standard errors above its measured value.</summary>
        public double UpperPoints(double standardErrors) => Points + standardErrors * StandardErrorPoints;
    }

    /// <summary>
    /// The rise from <paramref name="before"/> to <paramref name="after"/> (each true where that network errs on the image),
    /// in points, with the standard error of the mean per-image difference (sample variance, n − 1).
    /// </summary>
    public static Rise Between(ReadOnlySpan<bool> before, ReadOnlySpan<bool> after)
    {
        if (before.Length != after.Length)
            throw new ArgumentException($"The two networks were measured on different numbers of images ({before.Length:N0} and {after.Length:N0}).", nameof(after));
        if (before.Length == 0) throw new ArgumentException("A rise in error needs at least one image.", nameof(before));
        long onlyBefore = 0, onlyAfter = 0;
        for (int i = 0; i < before.Length; i++)
        {
            if (before[i] && !after[i]) onlyBefore++;
            else if (after[i] && !before[i]) onlyAfter++;
        }
        long n = before.Length;
        double mean = (double)(onlyAfter - onlyBefore) / n;
        // Σ(d − mean)² = Σd² − n·mean², and d² is 1 exactly on the images where one network errs.
        double variance = n == 1 ? 0 : Math.Max(0, (onlyBefore + onlyAfter) - n * mean * mean) / (n - 1);
        return new Rise(100 * mean, 100 * Math.Sqrt(variance / n), onlyBefore, onlyAfter, n);
    }

    /// <summary>
    /// The standard error, in points, of an error rate measured as <paramref name="mistakes"/> (true where the network
    /// errs): the binomial √(p(1 − p)/n), for a bound on the error itself rather than on its rise.
    /// </summary>
    public static double ErrorStandardErrorPoints(ReadOnlySpan<bool> mistakes)
    {
        double p = ErrorPct(mistakes) / 100;
        return 100 * Math.Sqrt(p * (1 - p) / mistakes.Length);
    }

    /// <summary>
    /// The error of <paramref name="candidate"/> (true where it errs) as a bound on the rise from <paramref name="unpruned"/>
    /// judges it: its measured error plus <paramref name="standardErrors"/> standard errors of the paired rise.
    /// </summary>
    public static double JudgedForRise(ReadOnlySpan<bool> unpruned, ReadOnlySpan<bool> candidate, double standardErrors)
        => ErrorPct(candidate) + RequireStandardErrors(standardErrors) * Between(unpruned, candidate).StandardErrorPoints;

    /// <summary>
    /// The error of <paramref name="candidate"/> as a bound on the error itself judges it: its measured error plus
    /// <paramref name="standardErrors"/> binomial standard errors.
    /// </summary>
    public static double JudgedForTarget(ReadOnlySpan<bool> candidate, double standardErrors)
        => ErrorPct(candidate) + RequireStandardErrors(standardErrors) * ErrorStandardErrorPoints(candidate);

    /// <summary>The share of true entries, in percent.</summary>
    public static double ErrorPct(ReadOnlySpan<bool> mistakes)
    {
        if (mistakes.Length == 0) throw new ArgumentException("An error rate needs at least one image.", nameof(mistakes));
        long wrong = 0;
        foreach (var m in mistakes) if (m) wrong++;
        return 100.0 * wrong / mistakes.Length;
    }

    private static double RequireStandardErrors(double standardErrors)
        => standardErrors >= 0 && double.IsFinite(standardErrors) ? standardErrors
            : throw new ArgumentOutOfRangeException(nameof(standardErrors), standardErrors, "The noise margin must be a finite number of standard errors ≥ 0.");
}
