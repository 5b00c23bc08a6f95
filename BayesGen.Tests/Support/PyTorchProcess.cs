using System.Diagnostics;

namespace BayesGen.Tests.Support;

/// <summary>
/// Real PyTorch (Debian's python3-torch, which .ci/run installs) in a Python process: the other side of the state-dict
/// round trips. A script gets its working directory as <c>sys.argv[1]</c>.
/// </summary>
public static class PyTorchProcess
{
    /// <summary>Runs <paramref name="script"/> in <paramref name="directory"/>; fails the test with Python's output unless it exits 0.</summary>
    public static string Run(string script, string directory)
    {
        const string python = "/usr/bin/python3";
        var start = new ProcessStartInfo(File.Exists(python) ? python : "python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(directory);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(180_000), "PyTorch did not finish in three minutes");
        if (error.Result.Contains("No module named 'torch'"))
            Assert.Fail("PyTorch is missing: install Debian's python3-torch (apt-get install python3-torch; .ci/run does).");
        Assert.True(process.ExitCode == 0, $"the PyTorch script failed:\n{output.Result}\n{error.Result}");
        return output.Result;
    }
}
