using BayesGen.Compression;
using BayesGen.Graph;
using BayesGen.Layers;

namespace BayesGen.Tests.Compression;

/// <summary>
/// The channel analysis on random graphs no one designed: convolutions (plain, depthwise, grouped) joined by residual
/// adds, concatenations, slices, channel shuffles and BatchNorms, with fan-out, ending in the map itself, a global
/// average or a flatten read by a Linear layer, random votes, both coupling rules and rounded
/// channel counts. Whatever the votes, the decision must be one the pruned network can be built from: the deployment
/// planner finds every unit a consumer keeps in what its input still holds (it throws "the masks are inconsistent"
/// otherwise, as it did for a shuffle read by a grouped convolution and for rounding through a concatenation), or
/// refuses by name a split-off piece that lost every unit.
/// </summary>
public sealed class ChannelSpacesPropertyTests
{
    private sealed class RandomNetwork
    {
        private readonly Random random;
        private readonly List<GraphNode> nodes = new();
        private readonly List<(int Node, long Channels)> values = new();

        public Dictionary<string, LayerUnits> Layers { get; } = new(StringComparer.Ordinal);

        public RandomNetwork(int seed)
        {
            random = new Random(seed);
            Add(new InputOp(), Array.Empty<int>(), random.Next(3, 9));
        }

        private int Add(GraphOp op, int[] inputs, long channels)
        {
            nodes.Add(new GraphNode(op, inputs, new[] { 2L, channels, 4, 4 }));
            values.Add((nodes.Count - 1, channels));
            return nodes.Count - 1;
        }

        private (int Node, long Channels) Any() => values[random.Next(values.Count)];

        private bool[] Votes(long count) => Enumerable.Range(0, (int)count).Select(_ => random.NextDouble() < 0.7).ToArray();

        private double[] Scores(long count) => Enumerable.Range(0, (int)count).Select(_ => random.NextDouble() * 10 - 5).ToArray();

        private void Convolution()
        {
            var (input, inputs) = Any();
            long outputs = random.Next(2, 11), groups = 1;
            double kind = random.NextDouble();
            if (kind < 0.2) (outputs, groups) = (inputs, inputs);                          // depthwise
            else if (kind < 0.4 && inputs % 2 == 0) (outputs, groups) = (2 * random.Next(1, 6), 2);   // grouped
            string path = $"conv{Layers.Count}";
            Layers[path] = new LayerUnits(LayerKind.Conv2d, inputs, outputs, groups, Votes(outputs)) { Scores = Scores(outputs) };
            Add(new LayerOp(path), new[] { input }, outputs);
        }

        private void Step()
        {
            double kind = random.NextDouble();
            if (kind < 0.4) { Convolution(); return; }
            var (x, channels) = Any();
            if (kind < 0.55)
            {
                var partners = values.Where(v => v.Channels == channels && v.Node != x).ToList();
                if (partners.Count > 0) Add(new BinaryOp(BinaryKind.Add), new[] { x, partners[random.Next(partners.Count)].Node }, channels);
            }
            else if (kind < 0.7)
            {
                var (y, more) = Any();
                Add(new ConcatOp(1), new[] { x, y }, channels + more);
            }
            else if (kind < 0.8 && channels >= 2)
            {
                long start = random.Next(0, (int)channels - 1), length = random.Next(1, (int)(channels - start) + 1);
                Add(new SliceOp(1, start, length), new[] { x }, length);
            }
            else if (kind < 0.9 && channels % 2 == 0) Add(new ChannelShuffleOp(channels % 3 == 0 ? 3 : 2), new[] { x }, channels);
            else if (kind < 0.95) Add(new BatchNormOp($"bn{nodes.Count}"), new[] { x }, channels);
            else Add(ActivationOp.Relu, new[] { x }, channels);
        }

        public NetworkGraph Build()
        {
            int steps = random.Next(4, 14);
            for (int i = 0; i < steps; i++) Step();
            var (last, channels) = values[^1];
            double end = random.NextDouble();
            if (end < 0.2) return new NetworkGraph(nodes.ToArray(), last);   // the map itself is the output
            long features = end < 0.6 ? channels : channels * 16;            // a global average, or every position flattened
            nodes.Add(end < 0.6
                ? new GraphNode(new ReduceOp(ReduceKind.Mean, new[] { 2, 3 }, false), new[] { last }, new[] { 2L, channels })
                : new GraphNode(new FlattenOp(1, 3), new[] { last }, new[] { 2L, features }));
            Layers["head"] = new LayerUnits(LayerKind.Linear, features, 5, 1, Votes(features)) { Scores = Scores(features) };
            nodes.Add(new GraphNode(new LayerOp("head"), new[] { nodes.Count - 1 }, new[] { 2L, 5 }));
            return new NetworkGraph(nodes.ToArray(), nodes.Count - 1);
        }
    }

    [Fact]
    public void Every_decision_on_random_graphs_can_be_deployed()
    {
        int planned = 0, pruned = 0, refused = 0;
        for (int seed = 0; seed < 400; seed++)
        {
            var network = new RandomNetwork(seed);
            var graph = network.Build();
            foreach (var coupling in new[] { CouplingRule.AnyWriterKeeps, CouplingRule.AnyWriterRemoves })
                foreach (int roundTo in new[] { 1, 2, 4 })
                {
                    ChannelSpaces spaces;
                    DeploymentPlan plan;
                    try
                    {
                        spaces = ChannelSpaces.Analyze(graph, network.Layers, coupling, roundTo);
                        plan = DeploymentPlanner.Plan(graph, spaces, network.Layers);
                    }
                    catch (InvalidOperationException e) when (e.Message.Contains("remove every unit of"))
                    {
                        refused++;   // an answer: a piece the network splits off lost every unit, and the message says which
                        continue;
                    }
                    catch (Exception e)
                    {
                        Assert.Fail($"seed {seed}, {coupling}, rounded to {roundTo}: {e.Message}\n" +
                                    string.Join("\n", graph.Nodes.Select((n, i) => $"  {i}: {n.Op.Describe()} ← [{string.Join(", ", n.Inputs)}] [{string.Join(", ", n.Shape)}]")));
                        return;
                    }
                    planned++;
                    if (plan.LayerOutputs.Any(l => l.Value.Length < network.Layers[l.Key].OutputUnits)) pruned++;
                    // A rounded space of convolution channels keeps a multiple of the block, or all of it, or nothing.
                    if (roundTo > 1)
                        foreach (var (path, kept) in plan.LayerOutputs.Where(l => network.Layers[l.Key].Kind != LayerKind.Linear))
                            Assert.True(kept.Length % roundTo == 0 || kept.Length == network.Layers[path].OutputUnits,
                                $"seed {seed}: {path} keeps {kept.Length} of {network.Layers[path].OutputUnits} rounded to {roundTo}");
                }
        }
        Assert.Equal(400 * 6, planned + refused);
        Assert.True(refused < planned / 10, $"{refused} refusals against {planned} plans");
        Assert.True(pruned > planned / 4, $"only {pruned} of {planned} decisions removed a unit anywhere: the graphs test little");
    }
}
