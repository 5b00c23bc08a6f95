namespace BayesGen.Graph;

/// <summary>
/// The graph a compressed network runs: the recorded operations with, on every input that needs it, the units to
/// keep (a gather along the unit axis). Layers read exactly their kept inputs, element-wise joins read the units
/// their sum keeps, and everything else passes units through, so the pruned network computes only what is kept.
/// </summary>
/// <param name="Nodes">The nodes in execution order; node 0 is the input.</param>
/// <param name="Output">The node whose value the network returns.</param>
public sealed record DeploymentGraph(IReadOnlyList<DeploymentNode> Nodes, int Output)
{
    /// <summary>The graph as text, one node a line, gathers shown as <c>%3[axis 1: 12 of 20]</c>.</summary>
    public override string ToString()
        => string.Join("\n", Nodes.Select((n, i) =>
            $"%{i} = {n.Op.Describe()}({string.Join(", ", n.Inputs.Select((x, k) => "%" + x + (n.Gathers[k] is { } g ? $"[axis {g.Axis}: {g.Indices.Length} of {g.Of}]" : "")))})"))
           + $"\nreturn %{Output}";
}

/// <summary>One node of a <see cref="DeploymentGraph"/>.</summary>
/// <param name="Op">The operation.</param>
/// <param name="Inputs">The nodes it reads.</param>
/// <param name="Gathers">Per input, the units it keeps (null: all of them).</param>
public sealed record DeploymentNode(GraphOp Op, IReadOnlyList<int> Inputs, IReadOnlyList<InputGather?> Gathers);

/// <summary>Units kept from an input: <c>index_select(Axis, Indices)</c> on a tensor with <see cref="Of"/> units there.</summary>
/// <param name="Axis">The dimension holding the units.</param>
/// <param name="Of">How many units the input has along it.</param>
/// <param name="Indices">The positions kept, ascending.</param>
public sealed record InputGather(int Axis, long Of, long[] Indices);
