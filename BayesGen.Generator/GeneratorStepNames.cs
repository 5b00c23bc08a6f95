namespace BayesGen.Generator;

/// <summary>Names of the pipeline's steps, so tests can assert that unrelated edits leave them cached.</summary>
public static class GeneratorStepNames
{
    public const string GroupNJNetworks = "BayesGen.GroupNJNetworks";
    public const string HorseshoeNetworks = "BayesGen.HorseshoeNetworks";
    public const string FieldPriors = "BayesGen.FieldPriors";
    public const string Models = "BayesGen.Models";
}
