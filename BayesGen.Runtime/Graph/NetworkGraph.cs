namespace BayesGen.Graph;

/// <summary>
/// A network's forward pass as a directed acyclic graph of known operations, recorded by running the generated
/// Bayesian model once on a sample input (<see cref="BayesianNetwork.Graph"/>). Nodes are in execution order:
/// node 0 is the input and every node's inputs come before it. It is what masks propagate along, what the
/// compressed network runs, and what the artifact and the ONNX export describe.
/// </summary>
/// <param name="Nodes">The nodes in execution order.</param>
/// <param name="Output">The node whose value forward returns.</param>
public sealed record NetworkGraph(IReadOnlyList<GraphNode> Nodes, int Output)
{
    /// <summary>The per-example input shape the graph was recorded with (node 0's shape without the batch).</summary>
    public long[] InputShape => Nodes[0].Shape.Skip(1).ToArray();

    /// <summary>The layer paths in the order the data meets them (a layer applied twice is listed once).</summary>
    public IEnumerable<string> LayerNames => Nodes.Select(n => n.Op).OfType<LayerOp>().Select(o => o.Layer).Distinct();

    /// <summary>The BatchNorm paths in execution order.</summary>
    public IEnumerable<string> NormNames => Nodes.Select(n => n.Op).OfType<BatchNormOp>().Select(o => o.Layer).Distinct();

    /// <summary>For every node, the nodes that read it (in order).</summary>
    public IReadOnlyList<int>[] Consumers()
    {
        var consumers = Nodes.Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < Nodes.Count; i++)
            foreach (var input in Nodes[i].Inputs)
                consumers[input].Add(i);
        return consumers;
    }

    /// <summary>The graph as text, one node a line: <c>%3 = relu(%2)  [2, 20, 24, 24]</c>.</summary>
    public override string ToString()
        => string.Join("\n", Nodes.Select((n, i) =>
            $"%{i} = {n.Op.Describe()}({string.Join(", ", n.Inputs.Select(x => "%" + x))})  [{string.Join(", ", n.Shape)}]"))
           + $"\nreturn %{Output}";
}

/// <summary>One node: an operation applied to earlier nodes.</summary>
/// <param name="Op">The operation.</param>
/// <param name="Inputs">The nodes it reads, by index.</param>
/// <param name="Shape">The shape of its value when the graph was recorded (the recording batch included).</param>
public sealed record GraphNode(GraphOp Op, IReadOnlyList<int> Inputs, long[] Shape);
