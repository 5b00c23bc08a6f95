namespace BayesGen.Deployment;

/// <summary>
/// Where a deployment's time goes, one node of its graph (<see cref="CompressedNetwork.Profile"/>): the operation, the
/// layer it runs (null for parameter-free operations), the shape it produced for one example, and its wall-clock
/// time summed over the profiled chunks and rounds (a BatchNorm folded into its layer costs nothing here and its
/// share shows in the layer's).
/// </summary>
public sealed record NodeTime(int Node, string Operation, string? Layer, long[] Shape, double Milliseconds);
