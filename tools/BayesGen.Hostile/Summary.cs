using System.Text;
using System.Text.Json;

namespace BayesGen.Hostile;

/// <summary>The figures of a corpus run, per corpus: answers, failures, the slowest case and the largest peak memory.</summary>
public static class Summary
{
    private static readonly Outcome[] Failures = [Outcome.Crash, Outcome.Hang, Outcome.OverMemory, Outcome.BrokenAccepted, Outcome.WrongAnswer];

    /// <summary>Whether any case failed.</summary>
    public static bool AnyFailure(IEnumerable<CaseResult> results) => results.Any(r => Failures.Contains(r.Outcome));

    /// <summary>A Markdown table of the figures.</summary>
    public static string Table(IReadOnlyList<CaseResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| corpus | cases | refused | accepted (verified) | crashes | hangs | over memory | broken model accepted | wrong answer | slowest case | largest peak memory |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var group in results.GroupBy(r => r.Case.Corpus).Append(results.GroupBy(_ => "all").Single()))
        {
            int Count(Outcome o) => group.Count(r => r.Outcome == o);
            text.AppendLine($"| {group.Key} | {group.Count()} | {Count(Outcome.Refused)} | {Count(Outcome.Accepted)} | {Count(Outcome.Crash)} | {Count(Outcome.Hang)} | " +
                            $"{Count(Outcome.OverMemory)} | {Count(Outcome.BrokenAccepted)} | {Count(Outcome.WrongAnswer)} | " +
                            $"{group.Max(r => r.Run.Seconds):F1} s | {group.Max(r => r.Run.PeakBytes) / (1 << 20)} MiB |");
        }
        return text.ToString();
    }

    /// <summary>Writes results.json (every case) and summary.md (the table and each failure).</summary>
    public static void Write(string directory, IReadOnlyList<CaseResult> results, string settings)
    {
        var rows = results.Select(r => new
        {
            corpus = r.Case.Corpus, id = r.Case.Id, description = r.Case.Description, args = r.Case.Args, expect = r.Case.Expect.ToString(),
            outcome = r.Outcome.ToString(), detail = r.Detail, exit = r.Run.ExitCode, seconds = Math.Round(r.Run.Seconds, 2), peak_mib = r.Run.PeakBytes >> 20,
        });
        File.WriteAllText(Path.Combine(directory, "results.json"), JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
        var md = new StringBuilder().AppendLine(settings).AppendLine().Append(Table(results));
        foreach (var f in results.Where(r => Failures.Contains(r.Outcome)))
            md.AppendLine($"- {f.Case.Corpus}/{f.Case.Id} **{f.Outcome}**: {f.Case.Description} -> {f.Detail}");
        var onnx = AcceptanceCheck.OnnxCheckerAvailable ? "checked with onnx.checker (full check, strict shape inference)" : "not checked (python3-onnx is not installed)";
        md.AppendLine().AppendLine($"Accepted artifacts were loaded and run on random input (finite [4, 10] outputs required); ONNX files {onnx}.");
        File.WriteAllText(Path.Combine(directory, "summary.md"), md.ToString());
    }
}
