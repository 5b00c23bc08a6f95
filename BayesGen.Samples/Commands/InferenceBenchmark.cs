using System.CommandLine;
using System.Diagnostics;
using BayesGen.Compression;
using BayesGen.Deployment;
using BayesGen.Samples.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Samples.Commands;

/// <summary>
/// <c>bayesgen bench inference</c>: the original network against its compressed deployment on one batch (8,192
/// images, as in the paper), on the CPU, with TorchSharp and with ONNX Runtime. All variants run in alternating
/// rounds in one process and the table gives medians and the ratios between them. Two extra TorchSharp rows
/// run the dense and compressed deployments with the batch whole (ChunkRows 0), to show what chunking buys; for a
/// network with BatchNorm, one more runs the compressed deployment without folding them into their layers.
/// </summary>
public static class InferenceBenchmark
{
    public static Command Create()
    {
        var data = new DataOptions();
        var device = new DeviceOption();
        var artifact = new Option<FileInfo>("--artifact") { Description = "The compressed model (model.bgc of a trained run).", Required = true };
        var batch = new Option<int>("--batch") { Description = "Images per forward pass.", DefaultValueFactory = _ => 8192 };
        var rounds = new Option<int>("--rounds") { Description = "Timed rounds.", DefaultValueFactory = _ => 15 };
        var profile = new Option<int>("--profile") { Description = "Also time every node of the dense and compressed TorchSharp deployments over this many batches, alternating (0: not), and print each node's median side by side.", DefaultValueFactory = _ => 0 };
        var command = new Command("inference", "Dense versus compressed inference speed, TorchSharp and ONNX Runtime.");
        command.Options.Add(artifact);
        command.Options.Add(batch.AtLeast(1));
        command.Options.Add(rounds.AtLeast(1));
        command.Options.Add(profile.AtLeast(0));
        data.AddTo(command);
        device.AddTo(command);
        command.SetAction(parse =>
        {
            // Decide the convolution backend first: the plain module below convolves before any BayesGen code would.
            var computeOn = device.Resolve(parse);
            Torch.LibTorchFixes.Apply();
            System.Console.WriteLine(Torch.LibTorchFixes.Decision);
            var compressed = CompressedModel.Load(parse.GetValue(artifact)!.FullName);
            var entry = ModelCatalog.ForArtifact(compressed) ?? throw new ArgumentException($"'{compressed.Model}' is not one of the sample networks.");
            int n = parse.GetValue(batch), r = parse.GetValue(rounds);
            var (test, _) = data.LoadTest(parse, System.Console.Out, compressed.InputShape);
            using var _1 = test;
            long copies = (n + test.Count - 1) / test.Count;
            using var images = test.Images.repeat(copies, 1, 1, 1).narrow(0, 0, n).contiguous();
            using var onDevice = images.to(computeOn);

            // The dense network: every unit kept, float32 weights, run by the same code as the compressed one.
            using var plain = entry.CreatePlain();
            using var bayesian = entry.CreateBayesian(plain, BayesianOptions.Default);
            var keepAll = new PruningThresholds();
            foreach (var (name, layer) in bayesian.BayesianLayers)
                keepAll.Set(name, layer.Scale.Direction == Layers.PruneDirection.Above ? double.MaxValue : double.MinValue);
            using var masks = bayesian.ComputeMasks(keepAll);
            bayesian.RecordGraph(compressed.InputShape);
            var dense = CompressedModel.From(bayesian, NetworkCompression.Compress(bayesian, masks, QuantizationMode.LayerScaled, keepAll), quantized: false);
            plain.eval();
            using var denseTorch = entry.CreateCompressed(dense);
            using var smallTorch = entry.CreateCompressed(compressed);
            // The same two through the generic loader with chunking off: what running the batch whole costs.
            using var denseWhole = new CompressedNetwork(dense) { ChunkRows = 0 };
            using var smallWhole = new CompressedNetwork(compressed) { ChunkRows = 0 };
            // BatchNorms after a layer are folded into it in every deployment above; this one shows what folding buys.
            using var smallUnfolded = new CompressedNetwork(compressed) { FoldBatchNorm = false };
            using var denseOnnx = new InferenceSession(OnnxExport.Export(dense));
            using var smallOnnx = new InferenceSession(OnnxExport.Export(compressed));
            foreach (var module in new nn.Module[] { plain, denseTorch, smallTorch, denseWhole, smallWhole, smallUnfolded }) module.to(computeOn);
            void Synchronize() { if (computeOn.type == DeviceType.CUDA) torch.cuda.synchronize(); }
            var input = new DenseTensor<float>(images.data<float>().ToArray(), images.shape.Select(d => (int)d).ToArray());
            var onnxInputs = new[] { NamedOnnxValue.CreateFromTensor("input", input) };

            // Each call in its own dispose scope, the same for every variant: a plain module leaves its intermediates
            // to the garbage collector, and at batch 8,192 a ResNet's filled 24 GiB before one collection ran.
            var variants = new List<(string Name, Action Run)>
            {
                ("TorchSharp, plain network", () => { using var _ = no_grad(); using var scope = NewDisposeScope(); using var y = plain.forward(onDevice); Synchronize(); }),
                ("TorchSharp, dense (all units)", () => { using var _ = no_grad(); using var scope = NewDisposeScope(); using var y = denseTorch.forward(onDevice); Synchronize(); }),
                ("TorchSharp, compressed", () => { using var _ = no_grad(); using var scope = NewDisposeScope(); using var y = smallTorch.forward(onDevice); Synchronize(); }),
                ("TorchSharp, dense, batch whole", () => { using var _ = no_grad(); using var scope = NewDisposeScope(); using var y = denseWhole.forward(onDevice); Synchronize(); }),
                ("TorchSharp, compressed, batch whole", () => { using var _ = no_grad(); using var scope = NewDisposeScope(); using var y = smallWhole.forward(onDevice); Synchronize(); }),
                ("ONNX Runtime, dense", () => { using var y = denseOnnx.Run(onnxInputs); }),
                ("ONNX Runtime, compressed", () => { using var y = smallOnnx.Run(onnxInputs); }),
            };
            bool folds = smallUnfolded.FoldableBatchNorms > 0;
            if (folds)
                variants.Add(("TorchSharp, compressed, BatchNorm not folded", () => { using var _ = no_grad(); using var scope = NewDisposeScope(); using var y = smallUnfolded.forward(onDevice); Synchronize(); }));
            foreach (var v in variants) for (int i = 0; i < 3; i++) v.Run();
            var times = variants.Select(_ => new List<double>()).ToArray();
            for (int i = 0; i < r; i++)
                for (int v = 0; v < variants.Count; v++)
                {
                    var clock = Stopwatch.StartNew();
                    variants[v].Run();
                    times[v].Add(clock.Elapsed.TotalMilliseconds);
                }
            double Median(List<double> t) { var s = t.OrderBy(x => x).ToList(); return s[s.Count / 2]; }
            var medians = times.Select(Median).ToArray();
            AnsiConsole.MarkupLine($"{Markup.Escape(compressed.Model)} on {computeOn}, batch {n}, {r} alternating rounds, {torch.get_num_threads()} TorchSharp threads, {Environment.ProcessorCount} cores; " +
                                   $"kept {string.Join("-", compressed.Layers.Select(l => l.Kind == Layers.LayerKind.Linear ? l.KeptInputs.Length : l.KeptOutputs.Length))}");
            var table = new Table().AddColumns("variant", "median ms per batch", "images/s");
            for (int v = 0; v < variants.Count; v++)
                table.AddRow(Markup.Escape(variants[v].Name), medians[v].ToString("F2"), (n / medians[v] * 1000).ToString("N0"));
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"speed-up of the compressed network: TorchSharp [bold]{medians[1] / medians[2]:F1}x[/] (batch whole {medians[3] / medians[4]:F1}x; " +
                                   $"vs the plain network {medians[0] / medians[2]:F1}x), ONNX Runtime [bold]{medians[5] / medians[6]:F1}x[/]");
            if (folds)
                AnsiConsole.MarkupLine($"{smallUnfolded.FoldableBatchNorms} BatchNorms folded into the layers before them (every TorchSharp deployment above); " +
                                       $"unfolded, the compressed network takes {medians[7] / medians[2]:F2}x as long");
            if (parse.GetValue(profile) is > 0 and var profiled)
            {
                // Alternating batches, as the rounds above: a machine that slows down mid-run slows both sides alike.
                var denseRounds = new List<IReadOnlyList<NodeTime>>();
                var smallRounds = new List<IReadOnlyList<NodeTime>>();
                for (int i = 0; i < profiled; i++)
                {
                    denseRounds.Add(denseTorch.Profile(onDevice));
                    smallRounds.Add(smallTorch.Profile(onDevice));
                }
                PrintProfile(MedianPerNode(denseRounds), MedianPerNode(smallRounds), profiled);
            }
            return 0;
        });
        return command;
    }

    /// <summary>Each node's median time over the profiled batches.</summary>
    private static IReadOnlyList<NodeTime> MedianPerNode(List<IReadOnlyList<NodeTime>> rounds)
        => rounds[0].Select((node, k) =>
        {
            var sorted = rounds.Select(r => r[k].Milliseconds).Order().ToList();
            return node with { Milliseconds = sorted[sorted.Count / 2] };
        }).ToList();

    /// <summary>Dense and compressed deployments node by node (the same graph, so the same nodes), with their ratio.</summary>
    private static void PrintProfile(IReadOnlyList<NodeTime> dense, IReadOnlyList<NodeTime> compressed, int batches)
    {
        static string Name(NodeTime n) => n.Layer is null ? n.Operation : $"{n.Operation} {n.Layer}";
        static string Shape(NodeTime n) => string.Join("×", n.Shape);
        if (dense.Count != compressed.Count || dense.Zip(compressed).Any(p => Name(p.First) != Name(p.Second)))
        {
            AnsiConsole.MarkupLine("[yellow]The dense and compressed graphs differ node by node; their profiles are not compared.[/]");
            return;
        }
        var table = new Table().AddColumns("node", "operation", "dense shape", "dense ms", "compressed shape", "compressed ms", "dense / compressed");
        foreach (var (d, c) in dense.Zip(compressed))
            table.AddRow(d.Node.ToString(), Markup.Escape(Name(d)), Shape(d), d.Milliseconds.ToString("F2"), Shape(c),
                c.Milliseconds.ToString("F2"), c.Milliseconds > 0 ? (d.Milliseconds / c.Milliseconds).ToString("F2") : "-");
        double denseTotal = dense.Sum(n => n.Milliseconds), compressedTotal = compressed.Sum(n => n.Milliseconds);
        table.AddRow("", "[bold]all nodes[/]", "", denseTotal.ToString("F2"), "", compressedTotal.ToString("F2"), (denseTotal / compressedTotal).ToString("F2"));
        AnsiConsole.MarkupLine($"Time per node, ms per batch (each node's median over {batches} batches, dense and compressed alternating; chunks included):");
        AnsiConsole.Write(table);
    }
}
