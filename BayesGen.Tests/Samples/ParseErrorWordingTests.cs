using BayesGen.Samples.Commands;

namespace BayesGen.Tests.Samples;

/// <summary>
/// A word where an option takes a number is answered with what the option takes, not with the .NET type the parser
/// wanted (the messages below are System.CommandLine's own, as it writes them).
/// </summary>
public sealed class ParseErrorWordingTests
{
    [Theory]
    [InlineData("Cannot parse argument 'abc' for option '--tau0' as expected type 'System.Nullable`1[System.Double]'.", "--tau0 takes a number (got 'abc').")]
    [InlineData("Cannot parse argument 'ten' for option '--epochs' as expected type 'System.Int32'.", "--epochs takes a whole number (got 'ten').")]
    [InlineData("Cannot parse argument 'x' for option '--seed' as expected type 'System.Int64'.", "--seed takes a whole number (got 'x').")]
    [InlineData("Cannot parse argument 'x' for option '--lr' as expected type 'System.Double'.", "--lr takes a number (got 'x').")]
    [InlineData("Cannot parse argument '' for option '--lr' as expected type 'System.Double'.", "--lr takes a number (got '').")]
    [InlineData("Cannot parse argument 'maybe' for option '--verify' as expected type 'System.Boolean'.", "--verify takes true or false (got 'maybe').")]
    public void A_word_for_a_number_names_what_the_option_takes(string parser, string expected)
        => Assert.Equal(expected, ErrorPolicy.Readable(parser));

    [Theory]
    [InlineData("Unrecognized command or argument 'maybe'.")]
    [InlineData("Cannot parse argument 'x' for option '--data' as expected type 'System.IO.FileInfo'.")]   // not a number: left as it is
    [InlineData("--max-error-increase must be a number of percentage points between 0 and 100.")]
    public void Other_messages_pass_unchanged(string message) => Assert.Equal(message, ErrorPolicy.Readable(message));
}
