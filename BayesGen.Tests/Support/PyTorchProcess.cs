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
        var (exitCode, output, error) = PythonScript.Run(script, directory, TimeSpan.FromMinutes(3), directory);
        if (error.Contains("No module named 'torch'"))
            Assert.Fail("PyTorch is missing: install Debian's python3-torch (apt-get install python3-torch; .ci/run does).");
        Assert.True(exitCode == 0, $"the PyTorch script failed:\n{output}\n{error}");
        return output;
    }
}
