using System.CommandLine;
using System.Text.Json;
using BayesGen.Samples.Data;
using BayesGen.Training;
using Spectre.Console;

namespace BayesGen.Samples.Commands;

/// <summary>
/// How every command ends in failure: one line (or one block listing each problem) that names the problem and the
/// fix, never a stack trace. Exit codes: 0 success, 1 a check the command ran did not pass (e.g. <c>export-onnx
/// --verify</c>), 2 any error the user can fix (bad arguments, missing or damaged files, permissions, data),
/// 3 a defect in BayesGen itself (reported in one line too; <c>BAYESGEN_DEBUG=1</c> adds the stack trace).
/// </summary>
public static class ErrorPolicy
{
    /// <summary>Exit code of every error the user can fix, parse errors included.</summary>
    public const int UserError = 2;

    /// <summary>Exit code of an unexpected failure: a defect to report.</summary>
    public const int InternalError = 3;

    /// <summary>Prints each parse error and where to find the options; returns <see cref="UserError"/>.</summary>
    public static int ReportParseErrors(ParseResult parse)
    {
        foreach (var error in parse.Errors)
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(Readable(error.Message))}");
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            if (result.Command is not RootCommand) names.Insert(0, result.Command.Name);
        var path = string.Join(" ", names.Prepend("bayesgen"));
        AnsiConsole.MarkupLine($"run '{Markup.Escape(path)} --help' for the options.");
        return UserError;
    }

    /// <summary>
    /// A parse error in the user's words: the parser names the .NET type it wanted ("as expected type
    /// 'System.Nullable`1[System.Double]'"), which tells someone who typed a word nothing; say what the option takes.
    /// Other messages pass unchanged.
    /// </summary>
    public static string Readable(string message)
    {
        var m = System.Text.RegularExpressions.Regex.Match(message,
            @"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?:System\.Nullable`1\[)?System\.(?<type>\w+)\]?'\.?$");
        if (!m.Success) return message;
        var what = m.Groups["type"].Value switch
        {
            "Int32" or "Int64" or "UInt32" or "UInt64" or "Int16" => "a whole number",
            "Double" or "Single" or "Decimal" => "a number",
            "Boolean" => "true or false",
            _ => null,
        };
        return what is null ? message : $"{m.Groups["option"].Value} takes {what} (got '{m.Groups["value"].Value}').";
    }

    /// <summary>Prints <paramref name="e"/> as one line and returns the exit code for it.</summary>
    public static int Report(Exception e)
    {
        if (e is System.Reflection.TargetInvocationException { InnerException: { } inner }) e = inner;
        if (IsUserError(e))
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(OneLine(e))}");
            return UserError;
        }
        AnsiConsole.MarkupLine($"[red]internal error:[/] {Markup.Escape(e.GetType().Name)}: {Markup.Escape(OneLine(e))} " +
                               "This is a defect in BayesGen; please report it with the command that caused it.");
        if (Environment.GetEnvironmentVariable("BAYESGEN_DEBUG") == "1") System.Console.Error.WriteLine(e);
        return InternalError;
    }

    /// <summary>Failures caused by what the user gave: arguments, files, permissions, data, settings that diverge.</summary>
    /// <remarks>An argument out of range or null inside BayesGen is a defect, not a user error, whatever its base type.</remarks>
    private static bool IsUserError(Exception e) => e is not (ArgumentOutOfRangeException or ArgumentNullException) && e is DatasetNotFoundException or InvalidDataException or IOException
        or UnauthorizedAccessException or JsonException or FormatException or TrainingDivergedException or ArgumentException
        or NotSupportedException or InvalidOperationException or OutOfMemoryException;

    /// <summary>The message of an exception with the messages of the exceptions it wraps when they add something.</summary>
    private static string OneLine(Exception e)
    {
        var message = e.Message;
        if (e is ArgumentException { ParamName: { } parameter }) message = message.Replace($" (Parameter '{parameter}')", "");
        if (e is UnauthorizedAccessException) message += " Check the path's permissions, or choose another path.";
        if (e is PathTooLongException) message += " Choose a shorter path.";
        return message.ReplaceLineEndings(Environment.NewLine);
    }
}
