namespace BayesGen.Compression;

/// <summary>
/// Chooses extra significand bits per layer where rounding costs accuracy. The posterior variances set each layer's
/// bits (<see cref="BitPrecision"/>); on some data a layer given one or two bits loses more than its variance
/// promised. From the variances' choice, the search tries one more bit in each layer, measures each try's error on
/// held-out data, and keeps the try that lowers the error most (on a tie, the one that stores fewest extra bits),
/// until the error is within the target or no single bit lowers it.
/// </summary>
/// <remarks>
/// Bits are added one at a time and only where the measured error falls: a layer whose rounding costs nothing keeps
/// the variances' choice, so the result is never larger than needed by a bit that buys nothing. The error measured is
/// that of the network as deployed (pruned and quantised), against a target the caller sets from the same network
/// with unrounded weights.
/// </remarks>
public static class BitSearch
{
    /// <summary>The most bits the search adds to one layer.</summary>
    public const int MaxExtraPerLayer = 4;

    /// <summary>One layer the search may give bits to, and how many weights each bit is stored for.</summary>
    public sealed record BitLayer(string Name, long KeptWeights);

    /// <summary>One bit the search added, and the error after it.</summary>
    public sealed record BitStep(string Layer, int ExtraBits, double ErrorPct);

    /// <summary>The bits added per layer (layers given none are absent), the error before and after, and each step.</summary>
    public sealed record Result(IReadOnlyDictionary<string, int> ExtraBits, double StartPct, double ErrorPct, double TargetPct, IReadOnlyList<BitStep> Steps, int Evaluations);

    /// <summary>
    /// Adds bits while the error (<paramref name="errorPct"/> of the extra bits per layer) exceeds <paramref name="targetPct"/>
    /// and one more bit in some layer lowers it.
    /// </summary>
    public static Result AddWhereItHelps(IReadOnlyList<BitLayer> layers, Func<IReadOnlyDictionary<string, int>, double> errorPct, double targetPct)
    {
        var extra = new Dictionary<string, int>(StringComparer.Ordinal);
        double current = errorPct(extra);
        double start = current;
        int evaluations = 1;
        var steps = new List<BitStep>();
        while (current > targetPct)
        {
            (BitLayer Layer, double Error)? best = null;
            foreach (var layer in layers)
            {
                int bits = extra.GetValueOrDefault(layer.Name);
                if (bits >= MaxExtraPerLayer) continue;
                var trial = new Dictionary<string, int>(extra, StringComparer.Ordinal) { [layer.Name] = bits + 1 };
                double error = errorPct(trial);
                evaluations++;
                if (best is not { } b || error < b.Error || (error == b.Error && layer.KeptWeights < b.Layer.KeptWeights))
                    best = (layer, error);
            }
            if (best is not { } chosen || chosen.Error >= current) break;
            extra[chosen.Layer.Name] = extra.GetValueOrDefault(chosen.Layer.Name) + 1;
            current = chosen.Error;
            steps.Add(new BitStep(chosen.Layer.Name, extra[chosen.Layer.Name], current));
        }
        return new Result(extra, start, current, targetPct, steps, evaluations);
    }
}
