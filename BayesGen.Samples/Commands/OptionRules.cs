using System.CommandLine;

namespace BayesGen.Samples.Commands;

/// <summary>Range rules for options, reported as parse errors (exit code 2, like every other error).</summary>
public static class OptionRules
{
    /// <summary>
    /// Adds a rule that the option's value must satisfy; <paramref name="message"/> is the error otherwise. A value that
    /// does not even parse is left to the parser's own error, reported once.
    /// </summary>
    public static Option<T> Must<T>(this Option<T> option, Func<T, bool> valid, string message)
    {
        option.Validators.Add(result =>
        {
            T value;
            try
            {
                value = result.GetValueOrDefault<T>();
            }
            catch (InvalidOperationException)
            {
                return;
            }
            if (!valid(value)) result.AddError(message);
        });
        return option;
    }

    /// <summary>The value must be at least <paramref name="minimum"/>.</summary>
    public static Option<int> AtLeast(this Option<int> option, int minimum)
        => option.Must(v => v >= minimum, minimum == 1 ? $"{option.Name} must be at least 1." : $"{option.Name} must be {minimum} or more.");
}
