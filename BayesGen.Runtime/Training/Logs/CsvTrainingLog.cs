using System.Globalization;
using System.Text;

namespace BayesGen.Training.Logs;

/// <summary>
/// Writes one CSV row per epoch (<c>training.csv</c> in a run folder), for spreadsheets, pandas or R: epoch, the
/// objective and its parts, the KL weight, the test error, timing, and the kept groups of every layer. A resumed run
/// keeps the rows up to the checkpoint it resumes from and appends after them.
/// </summary>
public sealed class CsvTrainingLog(string path) : ITrainingObserver
{
    private static readonly string[] Fixed = ["epoch", "loss", "cross_entropy", "kl", "kl_weight", "test_error_pct", "seconds", "samples_per_second"];

    /// <summary>The file written.</summary>
    public string Path { get; } = path;

    public void Resumed(int epoch)
    {
        if (!File.Exists(Path)) return;
        var lines = File.ReadAllLines(Path);
        var kept = lines.Take(1).Concat(lines.Skip(1).Where(l => int.TryParse(l.Split(',')[0], CultureInfo.InvariantCulture, out var e) && e <= epoch));
        IO.AtomicFile.WriteAllText(Path, string.Join("\n", kept) + "\n");
    }

    public void EpochFinished(EpochSummary summary)
    {
        var text = new StringBuilder();
        if (!File.Exists(Path) || new FileInfo(Path).Length == 0)
            text.Append(string.Join(",", Fixed.Concat(summary.KeptGroups.Select(k => Escape("kept " + k.Layer))))).Append('\n');
        var values = new double[] { summary.Epoch, summary.Loss, summary.CrossEntropy, summary.KL, summary.KLWeight, summary.TestErrorPercent, summary.Seconds, summary.SamplesPerSecond };
        text.Append(string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)).Concat(summary.KeptGroups.Select(k => k.Kept.ToString(CultureInfo.InvariantCulture)))));
        text.Append('\n');
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (directory is not null) Directory.CreateDirectory(directory);
        File.AppendAllText(Path, text.ToString());
    }

    /// <summary>A field quoted when it holds a comma or a quote (RFC 4180).</summary>
    private static string Escape(string field)
        => field.Contains(',') || field.Contains('"') ? "\"" + field.Replace("\"", "\"\"") + "\"" : field;
}
