using System.Diagnostics;
using BayesGen.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Torch;

public sealed class NativeLoadTests : IDisposable
{
    private const string Marker = "GLIBCXX_3.4.32";
    private readonly string dir = Directory.CreateTempSubdirectory("bayesgen-native-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void TorchSharp_loads_and_computes()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }, new long[] { 2, 2 });
        using var b = tensor(new float[] { 5, 6, 7, 8 }, new long[] { 2, 2 });
        using var c = a.matmul(b);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, c.data<float>().ToArray());
    }

    private static string? NuGetCopy()
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        return File.Exists(path) ? path : null;
    }

    [Fact]
    public void The_build_output_copy_is_patched_only_where_needed_and_the_NuGet_cache_never()
    {
        if (!OperatingSystem.IsLinux()) return;   // the fix exists for Linux only
        var output = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        Assert.True(File.Exists(output), $"{output} is missing");
        var entry = ElfVersionNeeds.Read(output).Single(e => e.Version == Marker);
        bool needed = !ElfVersionNeeds.SystemLibStdCxxHas(Marker);
        Assert.Equal(needed, (entry.Flags & 2) != 0);
        if (NuGetCopy() is string cache)
            Assert.Equal(0, ElfVersionNeeds.Read(cache).Single(e => e.Version == Marker).Flags & 2);
    }

    [Fact]
    public void The_patch_task_is_idempotent_and_does_not_write_through_hard_links()
    {
        if (!OperatingSystem.IsLinux() || ElfVersionNeeds.SystemLibStdCxxHas(Marker) || NuGetCopy() is not string cache) return;
        var original = Path.Combine(dir, "original.so");
        File.Copy(cache, original);
        var outDir = Directory.CreateDirectory(Path.Combine(dir, "out")).FullName;
        var target = Path.Combine(outDir, "libLibTorchSharp.so");
        // A hard link, as CreateHardLinksForCopyLocalIfPossible would make: the original must stay untouched.
        Assert.Equal(0, Process.Start("ln", new[] { original, target })!.WaitForExitAndCode());
        var project = Path.Combine(dir, "patch.proj");
        File.WriteAllText(project, $"""
            <Project>
              <Import Project="{RepositoryPaths.File("build", "BayesGen.Native.targets")}" />
              <Target Name="Run"><BayesGenWeakenGlibcxxMarker Libraries="{target}" /></Target>
            </Project>
            """);
        RunMsBuild(project);
        var once = File.ReadAllBytes(target);
        RunMsBuild(project);
        Assert.Equal(once, File.ReadAllBytes(target));
        Assert.NotEqual(0, ElfVersionNeeds.Read(target).Single(e => e.Version == Marker).Flags & 2);
        Assert.Equal(0, ElfVersionNeeds.Read(original).Single(e => e.Version == Marker).Flags & 2);
        // Only the two flag bytes of that one entry differ.
        var before = File.ReadAllBytes(original);
        Assert.Equal(before.Length, once.Length);
        Assert.Single(Enumerable.Range(0, before.Length), i => before[i] != once[i]);
    }

    private static void RunMsBuild(string project)
    {
        var start = new ProcessStartInfo("dotnet", new[] { "msbuild", project, "-t:Run", "-nologo", "-v:q" })
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, output);
    }
}

internal static class ProcessExtensions
{
    public static int WaitForExitAndCode(this Process p)
    {
        p.WaitForExit();
        return p.ExitCode;
    }
}
