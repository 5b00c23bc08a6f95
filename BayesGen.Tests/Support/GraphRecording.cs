using BayesGen.Graph;
using BayesGen.Tracing;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Support;

/// <summary>Records what a function of recorded operations (<see cref="Ops"/>) does to one input, as a network's forward is recorded.</summary>
internal static class GraphRecording
{
    private sealed class Holder : nn.Module<Tensor, Tensor>
    {
        public Holder() : base(nameof(Holder)) { }
        public override Tensor forward(Tensor x) => x;
    }

    public static NetworkGraph Record(Tensor input, Func<Tensor, Tensor> forward)
    {
        using var root = new Holder();
        using var tracer = GraphTracer.Begin(root, input);
        return tracer.Finish(forward(input));
    }
}
