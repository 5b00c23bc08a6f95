namespace BayesGen.Tests.Support;

/// <summary>Paths inside this repository, found from the test assembly's location.</summary>
public static class RepositoryPaths
{
    /// <summary>The directory holding BayesGen.sln.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !System.IO.File.Exists(Path.Combine(dir.FullName, "BayesGen.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("The tests must run from inside the BayesGen repository (BayesGen.sln not found above the test assembly).");
    }

    /// <summary>A file under the repository root.</summary>
    public static string File(params string[] parts) => Path.Combine(new[] { Root }.Concat(parts).ToArray());
}
