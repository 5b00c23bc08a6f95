using BayesGen.Generator.Model;

namespace BayesGen.Generator.Emit;

/// <summary>
/// Emits the nested <c>Compressed</c> class, the deployment model: a <c>CompressedNetwork</c> (an ordinary TorchSharp
/// module holding the physically smaller layers under the network's own paths and running the pruned graph) that
/// accepts only compressed models made from this network.
/// </summary>
internal static class CompressedEmitter
{
    private const string Deployment = "global::BayesGen.Deployment";

    public static void Emit(SourceWriter w, NetworkModel model)
    {
        var name = model.ClassName;
        w.Summary($"The deployment model of {name}: removed neurons and channels gone for good, weights at the precision their\n" +
                  "posterior variance allows. It loads an artifact written by the compression step for this network (and refuses\n" +
                  "one made from another network) and computes exactly what the masked Bayesian model computes.");
        w.Line(NetworkEmitter.GeneratedCode);
        w.Open($"{model.Accessibility} sealed class Compressed : {Deployment}.CompressedNetwork");
        w.Line($"private Compressed({Deployment}.CompressedModel model)");
        w.Line($"    : base({Deployment}.CompressedNetwork.RequireModelOf(model, typeof({model.SelfType}), \"{name}.Compressed\"), \"{name}.Compressed\") {{ }}");
        w.Line();
        w.Summary($"Loads an artifact file written for {name} (throws InvalidDataException for a damaged file or another network's).");
        w.Line($"public static Compressed Load(string path) => new({Deployment}.CompressedModel.Load(path));");
        w.Line();
        w.Summary($"Builds the network from a compressed model of {name} held in memory.");
        w.Line($"public static Compressed From({Deployment}.CompressedModel model) => new(model ?? throw new global::System.ArgumentNullException(nameof(model)));");
        w.Close();
    }
}
