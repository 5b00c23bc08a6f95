using System.Diagnostics;
using System.Text;

namespace BayesGen.Hostile;

/// <summary>What one case's command did.</summary>
/// <param name="ExitCode">The exit code (−1 when it was killed).</param>
/// <param name="TimedOut">Whether it ran past the time limit and was killed.</param>
/// <param name="Seconds">Wall time.</param>
/// <param name="PeakBytes">Peak resident memory as the kernel reported it while the process ran.</param>
/// <param name="Output">Standard output and error, interleaved.</param>
public sealed record CommandRun(int ExitCode, bool TimedOut, double Seconds, long PeakBytes, string Output);

/// <summary>
/// Runs the real bayesgen command line (<c>dotnet bayesgen.dll ...</c>) in a child process with a wall-time limit,
/// sampling its peak resident memory (VmHWM in /proc) until it exits.
/// </summary>
public sealed class CaseRunner(string bayesgenDll, TimeSpan timeout)
{
    /// <summary>Runs <paramref name="args"/> in <paramref name="workingDirectory"/>.</summary>
    public CommandRun Run(IReadOnlyList<string> args, string? workingDirectory) => Run(args, workingDirectory, timeout);

    /// <summary>
    /// Runs a seed's training: not a case, so it may take several case limits (a seed trains a network, and on a
    /// loaded machine a VGG's epoch took longer than one case may).
    /// </summary>
    public CommandRun RunSeed(IReadOnlyList<string> args, string? workingDirectory) => Run(args, workingDirectory, timeout * SeedLimitFactor);

    /// <summary>How many case time limits a seed's training may take.</summary>
    public const int SeedLimitFactor = 5;

    private CommandRun Run(IReadOnlyList<string> args, string? workingDirectory, TimeSpan limit)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        start.ArgumentList.Add(bayesgenDll);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["BAYESGEN_DEBUG"] = "1";   // a defect must show its stack trace, so the verdict sees it
        var output = new StringBuilder();
        var watch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        long peak = 0;
        bool timedOut = false;
        while (!process.WaitForExit(20))
        {
            peak = Math.Max(peak, PeakResident(process.Id));
            if (watch.Elapsed > limit)
            {
                timedOut = true;
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                break;
            }
        }
        process.WaitForExit();   // drains the output readers
        lock (output) return new CommandRun(timedOut ? -1 : process.ExitCode, timedOut, watch.Elapsed.TotalSeconds, peak, output.ToString());
    }

    /// <summary>The process's peak resident set (VmHWM) in bytes, or 0 when it cannot be read (it has exited, or this is not Linux).</summary>
    private static long PeakResident(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim()) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return 0;
    }
}
