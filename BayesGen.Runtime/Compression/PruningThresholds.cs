namespace BayesGen.Compression;

/// <summary>
/// Run-time threshold overrides, by layer (field) name. They win over attributes and defaults; a layer not
/// named here keeps its configured threshold, or takes the one given for every layer (<c>*=-5</c>).
/// <see cref="Auto"/> asks for the histogram-gap threshold.
/// </summary>
public sealed class PruningThresholds
{
    private readonly Dictionary<string, double> byLayer = new(StringComparer.Ordinal);

    /// <summary>A threshold value meaning "pick it from the statistic's histogram gap".</summary>
    public const double Auto = double.NaN;

    /// <summary>An empty set: every layer uses its configured threshold.</summary>
    public static PruningThresholds None => new();

    /// <summary>Overrides the threshold of one layer (<see cref="Auto"/> for the histogram gap).</summary>
    public PruningThresholds Set(string layer, double threshold)
    {
        byLayer[layer] = threshold;
        return this;
    }

    /// <summary>Overrides the threshold of every layer not named with <see cref="Set"/>.</summary>
    public PruningThresholds SetEveryLayer(double threshold)
    {
        EveryLayer = threshold;
        return this;
    }

    /// <summary>The threshold for every layer not named, if one was given.</summary>
    public double? EveryLayer { get; private set; }

    /// <summary>Whether a layer has an override (its own, else the one for every layer), and which.</summary>
    public bool TryGet(string layer, out double threshold)
    {
        if (byLayer.TryGetValue(layer, out threshold)) return true;
        threshold = EveryLayer ?? 0;
        return EveryLayer is not null;
    }

    /// <summary>The layers with an override.</summary>
    public IReadOnlyCollection<string> Layers => byLayer.Keys;

    /// <summary>
    /// Parses "fc1=-3,fc2=auto" (the command line's form; "*=-5" sets every layer not named). Throws
    /// <see cref="FormatException"/> naming the bad part.
    /// </summary>
    public static PruningThresholds Parse(string? text)
    {
        var result = new PruningThresholds();
        if (string.IsNullOrWhiteSpace(text)) return result;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pieces = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pieces.Length != 2 || pieces[0].Length == 0)
                throw new FormatException($"'{part}' is not a threshold; write layer=value, for example fc1=-3 or conv1=auto.");
            double value;
            if (pieces[1].Equals("auto", StringComparison.OrdinalIgnoreCase)) value = Auto;
            else if (!double.TryParse(pieces[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out value) || !double.IsFinite(value))
                throw new FormatException($"'{pieces[1]}' in '{part}' is not a finite number (or 'auto').");
            if (pieces[0] == "*") result.SetEveryLayer(value);
            else result.Set(pieces[0], value);
        }
        return result;
    }
}
