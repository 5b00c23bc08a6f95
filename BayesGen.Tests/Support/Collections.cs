namespace BayesGen.Tests.Support;

/// <summary>
/// Tests that train networks or time things run one at a time: two of them side by side on a 2-core machine
/// would each take twice as long and make timing assertions meaningless.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeavyCollection
{
    public const string Name = "Heavy (one at a time)";
}
