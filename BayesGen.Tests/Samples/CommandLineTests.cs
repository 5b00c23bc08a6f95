using BayesGen.Tests.Support;
using Spectre.Console;

namespace BayesGen.Tests.Samples;

/// <summary>
/// The command line on bad input: a clear message naming the problem and a non-zero exit code, never a stack
/// trace. Runs the real entry point in this process with the console captured.
/// </summary>
[Collection(HeavyCollection.Name)]
public sealed class CommandLineTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bayesgen-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static (int Code, string Output) Run(params string[] args)
    {
        var writer = new StringWriter();
        var originalOut = Console.Out;
        var originalError = Console.Error;
        var originalConsole = AnsiConsole.Console;
        try
        {
            Console.SetOut(writer);
            Console.SetError(writer);
            AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Interactive = InteractionSupport.No, Ansi = AnsiSupport.No });
            var entry = typeof(BayesGen.Samples.Commands.TrainCommand).Assembly.EntryPoint!;
            var code = (int)entry.Invoke(null, new object[] { args })!;
            return (code, writer.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
            AnsiConsole.Console = originalConsole;
        }
    }

    [Fact]
    public void A_missing_artifact_is_named()
    {
        var path = Path.Combine(dir, "missing.bgc");
        var (code, output) = Run("inspect", "--artifact", path);
        Assert.NotEqual(0, code);
        Assert.Contains("does not exist", output);
        Assert.Contains("missing.bgc", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public void An_unreadable_artifact_says_what_is_wrong()
    {
        var path = Path.Combine(dir, "garbage.bgc");
        File.WriteAllText(path, "this is not a model at all, just some text long enough");
        var (code, output) = Run("evaluate", "--artifact", path);
        Assert.Equal(2, code);
        Assert.Contains("wrong magic", output);
        Assert.Contains("garbage.bgc", output);
    }

    [Theory]
    [InlineData("--epochs", "0", "--epochs must be at least 1")]
    [InlineData("--lr", "-1", "--lr must be a finite number above 0")]
    [InlineData("--model", "alexnet", "alexnet")]
    [InlineData("--threshold", "fc1", "write layer=value")]
    [InlineData("--prior", "laplace", "laplace")]
    public void Bad_arguments_are_rejected_before_any_work(string option, string value, string message)
    {
        var (code, output) = Run("train", option, value, "--out", dir);
        Assert.NotEqual(0, code);
        Assert.Contains(message, output);
        Assert.False(File.Exists(Path.Combine(dir, "checkpoint.bgck")));
    }

    [Fact]
    public void A_data_directory_without_MNIST_lists_the_missing_files()
    {
        var empty = Directory.CreateDirectory(Path.Combine(dir, "empty")).FullName;
        var (code, output) = Run("train", "--data", empty, "--epochs", "1", "--out", Path.Combine(dir, "run"));
        Assert.Equal(2, code);
        Assert.Contains("train-images-idx3-ubyte", output);
        Assert.Contains("--data", output);
    }

    [Fact]
    public void Compress_without_a_trained_run_says_how_to_make_one()
    {
        var (code, output) = Run("compress", "--run", dir);
        Assert.Equal(2, code);
        Assert.Contains("has no checkpoint.bgck", output);
        Assert.Contains("bayesgen train --out", output);
    }
}
