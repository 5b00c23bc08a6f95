using Spectre.Console;

namespace BayesGen.Tests.Support;

/// <summary>The real <c>bayesgen</c> entry point, run in this process with its console captured.</summary>
public static class BayesGenCli
{
    /// <summary>Runs <c>bayesgen</c> with <paramref name="args"/>; returns its exit code and everything it printed.</summary>
    public static (int Code, string Output) Run(params string[] args)
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
}
