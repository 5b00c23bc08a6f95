// A user's program against the packed BayesGen package: a plain TorchSharp network with [GroupNJ], trained a
// few steps on random data, pruned, compressed to an artifact, and deployed through the generated class.
using BayesGen;
using BayesGen.Compression;
using BayesGen.Deployment;
using BayesGen.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

torch.manual_seed(1);
var images = rand(512, 1, 8, 8) * 2 - 1;
var labels = randint(0, 4, new long[] { 512 });
using var data = new ImageDataset("random", images, labels, 4);
using var bayes = new Net.Bayesian(new Net());
var result = new BayesianTrainer(new TrainingOptions { Epochs = 2, BatchSize = 64 }).Train(bayes, data, data);
// Make two input groups of fc1 noise (log α = 5), so that pruning really removes something.
using (no_grad())
{
    var scale = (BayesGen.Layers.GroupNJScale)bayes.Layer("fc1").Scale;
    scale.LogVarianceParameter[3] = 5f;
    scale.LogVarianceParameter[7] = 5f;
}
using var masks = bayes.ComputeMasks();
var compression = NetworkCompression.Compress(bayes, masks);
var path = Path.Combine(Path.GetTempPath(), "bayesgen-package-check.bgc");
CompressedModel.From(bayes, compression).Save(path);
using var deployed = Net.Compressed.Load(path);
NetworkCompression.ApplyTo(bayes, masks, compression);
bayes.eval();
using var x = rand(16, 1, 8, 8);
double difference = (deployed.forward(x) - bayes.forward(x)).abs().max().item<float>();
Console.WriteLine($"trained {result.History.Count} epochs; kept {string.Join("-", compression.Layers.Select(l => l.KeptGroups))}; " +
                  $"artifact {new FileInfo(path).Length} bytes; deployed vs Bayesian max difference {difference:E2}");
if (difference > 1e-5) { Console.Error.WriteLine("The deployed network differs from the Bayesian model."); return 1; }
if (compression.Layers[0].KeptGroups != 62) { Console.Error.WriteLine("fc1 should keep 62 of its 64 inputs."); return 1; }
// The package carries the library only: no data acquisition (MNIST mirrors, npm), no run reports, no samples; the
// helpers generated code calls are hidden from IntelliSense.
var runtime = typeof(BayesianNetwork).Assembly;
var misplaced = runtime.GetExportedTypes().Where(t => t.Namespace is not null &&
    (t.Namespace.StartsWith("BayesGen.Data", StringComparison.Ordinal) || t.Namespace.StartsWith("BayesGen.Reporting", StringComparison.Ordinal) ||
     t.Namespace.StartsWith("BayesGen.Samples", StringComparison.Ordinal) || t.Name is "DatasetAcquisition" or "RunReport" or "IdxFile" or "BitPacking")).ToArray();
if (misplaced.Length > 0) { Console.Error.WriteLine("The package exports types that belong to the samples: " + string.Join(", ", misplaced.Select(t => t.FullName))); return 1; }
bool Hidden(Type t) => t.GetCustomAttributes(typeof(System.ComponentModel.EditorBrowsableAttribute), false)
    .Cast<System.ComponentModel.EditorBrowsableAttribute>().Any(a => a.State == System.ComponentModel.EditorBrowsableState.Never);
var visibleHelpers = new[] { "BayesGen.Tracing.Ops", "BayesGen.Conversion.Members", "BayesGen.Conversion.ModuleConverter" }
    .Select(n => runtime.GetType(n)).Where(t => t is null || !Hidden(t)).ToArray();
if (visibleHelpers.Length > 0) { Console.Error.WriteLine("Helpers for generated code are missing or visible to IntelliSense."); return 1; }
Console.WriteLine($"package: {runtime.GetExportedTypes().Length} public types, none for data acquisition or reports; generated-code helpers hidden");
Console.WriteLine("package check: OK");
return 0;

[GroupNJ]
[InputShape(1, 8, 8)]
public partial class Net : Module<Tensor, Tensor>
{
    [ClipVariance(0.04)] private readonly Linear fc1 = Linear(64, 32);
    private readonly Linear fc2 = Linear(32, 4);

    public Net() : base(nameof(Net)) => RegisterComponents();

    public override Tensor forward(Tensor x) => fc2.forward(functional.relu(fc1.forward(x.flatten(1))));
}
