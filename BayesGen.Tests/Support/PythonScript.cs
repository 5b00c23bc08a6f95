using System.Diagnostics;

namespace BayesGen.Tests.Support;

/// <summary>A Python script run by Debian's interpreter (<c>/usr/bin/python3</c> where it exists), with one argument.</summary>
public static class PythonScript
{
    /// <summary>Runs <paramref name="script"/> with <paramref name="argument"/> as <c>sys.argv[1]</c>; fails the test if it outlasts <paramref name="timeout"/>.</summary>
    public static (int ExitCode, string Output, string Error) Run(string script, string argument, TimeSpan timeout, string? directory = null)
    {
        const string python = "/usr/bin/python3";
        var start = new ProcessStartInfo(File.Exists(python) ? python : "python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (directory is not null) start.WorkingDirectory = directory;
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit((int)timeout.TotalMilliseconds), $"the Python script did not finish in {timeout.TotalSeconds:F0} s");
        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>
    /// Runs the repository's script <paramref name="path"/> (its parts below the repository root) with its own command
    /// line <paramref name="arguments"/>, as the docs run it; returns the exit code and stdout and stderr together.
    /// </summary>
    public static (int ExitCode, string Output) RunTool(string[] path, params string[] arguments)
    {
        const string launcher = "import json, runpy, sys; args = json.loads(sys.argv[1]); sys.argv = args; runpy.run_path(args[0], run_name='__main__')";
        var all = new[] { RepositoryPaths.File(path) }.Concat(arguments).ToArray();
        var (code, output, error) = Run(launcher, System.Text.Json.JsonSerializer.Serialize(all), TimeSpan.FromMinutes(1));
        return (code, output + error);
    }
}
