namespace BayesGen.Hostile;

/// <summary>A case's outcome. Refused and Accepted are answers; every other kind is a failure of BayesGen.</summary>
public enum Outcome
{
    Refused,
    Accepted,
    Crash,
    Hang,
    OverMemory,
    BrokenAccepted,
    WrongAnswer,
}

/// <summary>A case, what its command did, and the outcome.</summary>
public sealed record CaseResult(HostileCase Case, CommandRun Run, Outcome Outcome, string? Detail);

/// <summary>Decides a case's outcome from what its command did.</summary>
public static class Verdict
{
    /// <summary>Exit codes a command may end with: 0 success, 2 an error the user can fix.</summary>
    private static readonly int[] Answers = [0, 2];

    public static CaseResult Judge(HostileCase c, CommandRun run, long memoryLimit)
    {
        if (run.TimedOut) return new(c, run, Outcome.Hang, $"killed after {run.Seconds:F0} s");
        if (run.PeakBytes > memoryLimit) return new(c, run, Outcome.OverMemory, $"peak {run.PeakBytes >> 20} MiB");
        if (!Answers.Contains(run.ExitCode) || LooksLikeACrash(run.Output))
            return new(c, run, Outcome.Crash, $"exit {run.ExitCode}: {FirstLines(run.Output)}");
        bool accepted = run.ExitCode == 0;
        if (!accepted && !run.Output.Contains("error:", StringComparison.Ordinal))
            return new(c, run, Outcome.WrongAnswer, "exit 2 without an error line");
        if (c.Expect == Expectation.Refused && accepted) return new(c, run, Outcome.WrongAnswer, "accepted, expected a refusal");
        if (c.Expect == Expectation.Accepted && !accepted) return new(c, run, Outcome.WrongAnswer, $"refused, expected acceptance: {ErrorLine(run.Output)}");
        if (c.ExpectText is { } text && !run.Output.Contains(text, StringComparison.Ordinal))
            return new(c, run, Outcome.WrongAnswer, $"the output lacks \"{text}\": {FirstLines(run.Output)}");
        if (accepted)
        {
            var problem = (c.CheckArtifact is { } a ? AcceptanceCheck.Artifact(a) : null) ?? (c.CheckOnnx is { } o ? AcceptanceCheck.Onnx(o) : null);
            if (problem is not null) return new(c, run, Outcome.BrokenAccepted, problem);
        }
        return new(c, run, accepted ? Outcome.Accepted : Outcome.Refused, accepted ? null : ErrorLine(run.Output));
    }

    /// <summary>A stack trace, an unhandled exception, an internal error or a native abort in the output.</summary>
    private static bool LooksLikeACrash(string output)
        => output.Contains("\n   at ", StringComparison.Ordinal) || output.StartsWith("   at ", StringComparison.Ordinal)
           || output.Contains("Unhandled exception", StringComparison.Ordinal) || output.Contains("internal error:", StringComparison.Ordinal)
           || output.Contains("Segmentation fault", StringComparison.Ordinal) || output.Contains("terminate called", StringComparison.Ordinal);

    private static string ErrorLine(string output)
        => output.Split('\n').FirstOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal))?.Trim() ?? FirstLines(output);

    private static string FirstLines(string output)
    {
        var text = string.Join(" | ", output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(4));
        return text.Length <= 400 ? text : text[..400] + "...";
    }
}
