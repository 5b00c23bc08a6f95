using BayesGen.Training;
using BayesGen.Samples.Data;

namespace BayesGen.Tests.Data;

public sealed class DatasetAcquisitionTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("bayesgen-acq-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>A source that records it was asked and either writes the four files into the cache or fails.</summary>
    private sealed class FakeSource(string name, bool succeeds, List<string> calls, bool final = false) : IDatasetSource
    {
        public string Description => name;

        public bool IsFinal => final;

        public string? TryProvide(DatasetInfo info, string cacheDirectory, TextWriter log, out string reason)
        {
            calls.Add(name);
            if (!succeeds) { reason = $"{name} is offline"; return null; }
            Directory.CreateDirectory(cacheDirectory);
            foreach (var f in DatasetInfo.FileNames)
                IdxFile.Write(Path.Combine(cacheDirectory, f), new[] { 1 }, new byte[] { 0 });
            reason = "";
            return cacheDirectory;
        }
    }

    [Fact]
    public void Sources_are_tried_in_order_until_one_provides()
    {
        var calls = new List<string>();
        var acquisition = new DatasetAcquisition(new IDatasetSource[]
        {
            new FakeSource("env", false, calls), new FakeSource("cache", false, calls),
            new FakeSource("mirrors", true, calls), new FakeSource("npm", true, calls),
        }, root);
        var dir = acquisition.Locate(DatasetInfo.Mnist);
        Assert.Equal(new[] { "env", "cache", "mirrors" }, calls);
        Assert.Equal(Path.Combine(root, "mnist"), dir);
        Assert.True(DatasetDirectory.IsComplete(dir, DatasetInfo.Mnist));
    }

    [Fact]
    public void A_fetched_data_set_is_found_in_the_cache_next_time()
    {
        var calls = new List<string>();
        var cache = new DirectorySource("the cache", Path.Combine(root, "mnist"));
        new DatasetAcquisition(new IDatasetSource[] { cache, new FakeSource("npm", true, calls) }, root).Locate(DatasetInfo.Mnist);
        calls.Clear();
        new DatasetAcquisition(new IDatasetSource[] { cache, new FakeSource("npm", true, calls) }, root).Locate(DatasetInfo.Mnist);
        Assert.Empty(calls);
    }

    [Fact]
    public void An_explicit_directory_that_lacks_files_ends_the_search_with_the_missing_names()
    {
        var explicitDir = Directory.CreateDirectory(Path.Combine(root, "mine")).FullName;
        IdxFile.Write(Path.Combine(explicitDir, DatasetInfo.TrainImages), new[] { 1 }, new byte[] { 0 });
        var sources = DatasetAcquisition.DefaultSources(DatasetInfo.Mnist, explicitDir, root);
        Assert.Single(sources);
        var e = Assert.Throws<DatasetNotFoundException>(() => new DatasetAcquisition(sources, root).Locate(DatasetInfo.Mnist));
        Assert.Contains($"--data {explicitDir}", e.Message);
        Assert.Contains(DatasetInfo.TrainLabels, e.Message);
        Assert.Contains(DatasetInfo.TestImages, e.Message);
        Assert.DoesNotContain($"lacks {DatasetInfo.TrainImages}", e.Message);
    }

    [Fact]
    public void Gzip_files_in_a_directory_count()
    {
        var dir = Directory.CreateDirectory(Path.Combine(root, "gz")).FullName;
        foreach (var f in DatasetInfo.FileNames)
            File.WriteAllBytes(Path.Combine(dir, f + ".gz"), new byte[] { 0x1f, 0x8b });
        Assert.True(DatasetDirectory.IsComplete(dir, DatasetInfo.Mnist));
        Assert.EndsWith(".gz", DatasetDirectory.Find(dir, DatasetInfo.TestLabels));
    }

    [Fact]
    public void When_every_source_fails_the_error_lists_each_reason_and_the_fixes()
    {
        var calls = new List<string>();
        var acquisition = new DatasetAcquisition(new IDatasetSource[] { new FakeSource("mirrors", false, calls), new FakeSource("npm", false, calls) }, root);
        var e = Assert.Throws<DatasetNotFoundException>(() => acquisition.Locate(DatasetInfo.Mnist));
        Assert.Contains("mirrors: mirrors is offline", e.Message);
        Assert.Contains("npm: npm is offline", e.Message);
        Assert.Contains("--data DIR", e.Message);
        Assert.Contains("BAYESGEN_DATA", e.Message);
        Assert.Equal(2, e.Attempts.Count);
    }

    [Fact]
    public void Missing_npm_is_a_reason_not_a_crash()
    {
        var source = new NpmPackSource("/nonexistent/npm-that-does-not-exist");
        var dir = source.TryProvide(DatasetInfo.Mnist, Path.Combine(root, "mnist"), TextWriter.Null, out var reason);
        Assert.Null(dir);
        Assert.Contains("npm is not available", reason);
    }

    [Fact]
    public void Mirrors_that_cannot_be_reached_are_reported_per_mirror()
    {
        var handler = new RefusingHandler();
        var source = new MirrorSource(() => new HttpClient(handler));
        var dir = source.TryProvide(DatasetInfo.Mnist, Path.Combine(root, "mnist"), TextWriter.Null, out var reason);
        Assert.Null(dir);
        foreach (var mirror in DatasetInfo.Mnist.Mirrors) Assert.Contains(mirror, reason);
    }

    [Fact]
    public void Fetched_files_are_validated_before_they_enter_the_cache()
    {
        var dir = Directory.CreateDirectory(Path.Combine(root, "v")).FullName;
        var e = Assert.Throws<InvalidDataException>(() =>
            DatasetFiles.WriteValidated(DatasetInfo.Mnist, dir, DatasetInfo.TestLabels, new byte[] { 1, 2, 3, 4, 5 }, "https://example/t10k-labels", TextWriter.Null));
        Assert.Contains("https://example/t10k-labels", e.Message);
        Assert.False(File.Exists(Path.Combine(dir, DatasetInfo.TestLabels)));
    }

    private sealed class RefusingHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            => throw new HttpRequestException($"No route to {request.RequestUri}");
    }
}
