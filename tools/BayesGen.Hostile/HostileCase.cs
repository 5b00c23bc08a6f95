namespace BayesGen.Hostile;

/// <summary>What a case's command must do with its input.</summary>
public enum Expectation
{
    /// <summary>Refuse it: exit code 2 with an error line.</summary>
    Refused,

    /// <summary>Accept it: exit code 0.</summary>
    Accepted,

    /// <summary>Either, as long as it neither crashes nor hangs nor accepts a broken model (edits that may be harmless).</summary>
    Either,
}

/// <summary>One hostile input given to one real bayesgen command.</summary>
/// <param name="Corpus">artifacts, checkpoints, idx or cli.</param>
/// <param name="Id">Unique within the corpus, also the name of the case's folder.</param>
/// <param name="Description">What was done to the input.</param>
/// <param name="Args">The bayesgen command line.</param>
/// <param name="Expect">What the command must do.</param>
public sealed record HostileCase(string Corpus, string Id, string Description, string[] Args, Expectation Expect)
{
    /// <summary>A phrase the output must contain (a refusal's reason), or null.</summary>
    public string? ExpectText { get; init; }

    /// <summary>An artifact to verify when the command accepts (it must load and compute finite outputs of the right shape).</summary>
    public string? CheckArtifact { get; init; }

    /// <summary>An ONNX file to verify with the official checker when the command accepts.</summary>
    public string? CheckOnnx { get; init; }

    /// <summary>The directory the command runs in.</summary>
    public string? WorkingDirectory { get; init; }
}

/// <summary>A trained run the corpora are made from: its artifact, checkpoint and report, and the model's command-line name.</summary>
public sealed record Seed(string Model, string Prior, string RunDirectory)
{
    public string Artifact => Path.Combine(RunDirectory, "model.bgc");

    public string Checkpoint => Path.Combine(RunDirectory, "checkpoint.bgck");

    public string Report => Path.Combine(RunDirectory, "report.json");
}
