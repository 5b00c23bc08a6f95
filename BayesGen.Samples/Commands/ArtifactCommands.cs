using TorchSharp;
using System.CommandLine;
using BayesGen.Deployment;
using BayesGen.Samples.Models;
using BayesGen.Training;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Spectre.Console;

namespace BayesGen.Samples.Commands;

/// <summary><c>evaluate</c>, <c>export-onnx</c> and <c>inspect</c>: what can be done with an artifact file.</summary>
public static class ArtifactCommands
{
    private static Option<FileInfo> ArtifactOption() => new("--artifact") { Description = "The compressed model file (model.bgc).", Required = true };

    private static CompressedModel Load(FileInfo file)
    {
        if (Directory.Exists(file.FullName)) throw new ArgumentException($"--artifact {file.FullName} is a directory; give the model.bgc file in it.");
        if (!file.Exists) throw new FileNotFoundException($"The artifact '{file.FullName}' does not exist.");
        var model = CompressedModel.Load(file.FullName);
        // A resealed manifest can describe a consistent model of another network: compare it with the sample it names.
        if (ModelCatalog.ForArtifact(model) is { } entry)
        {
            using var plain = entry.CreatePlain();
            model.CheckMadeFrom(plain);
        }
        return model;
    }

    /// <summary><c>evaluate</c>: the test error of an artifact, run by its generated class (or generically for an unknown network).</summary>
    public static Command Evaluate()
    {
        var data = new DataOptions();
        var device = new DeviceOption();
        var artifact = ArtifactOption();
        var command = new Command("evaluate", "Test error of a compressed model file.");
        command.Options.Add(artifact);
        data.AddTo(command);
        device.AddTo(command);
        command.SetAction(parse =>
        {
            var computeOn = device.Resolve(parse);
            var model = Load(parse.GetValue(artifact)!);
            var (test, dataset) = data.LoadTest(parse, System.Console.Out, model.InputShape);
            using var _ = test;
            var entry = ModelCatalog.ForArtifact(model);
            using var network = entry is not null ? entry.CreateCompressed(model) : model.CreateNetwork();
            network.to(computeOn);
            double error = Evaluation.ErrorPercent(network, test);
            AnsiConsole.MarkupLine($"{Markup.Escape(model.Model)} ({(entry is not null ? "generated class" : "generic loader")}) on {dataset.Name}: test error [bold]{error:F2} %[/] on {test.Count:N0} images");
            return 0;
        });
        return command;
    }

    /// <summary><c>export-onnx</c>: writes the ONNX model and, with --verify, checks it in ONNX Runtime on real images.</summary>
    public static Command ExportOnnx()
    {
        var data = new DataOptions();
        var artifact = ArtifactOption();
        var output = new Option<FileInfo?>("--out") { Description = "The .onnx file (default: next to the artifact)." };
        var verify = new Option<bool>("--verify") { Description = "Run the export in ONNX Runtime on 1,000 test images and compare with TorchSharp." };
        var device = new DeviceOption();
        var command = new Command("export-onnx", "Export a compressed model to ONNX (no Python needed).");
        command.Options.Add(artifact);
        command.Options.Add(output);
        command.Options.Add(verify);
        data.AddTo(command);
        device.AddTo(command);
        command.SetAction(parse =>
        {
            var file = parse.GetValue(artifact)!;
            var model = Load(file);
            var path = parse.GetValue(output)?.FullName ?? Path.ChangeExtension(file.FullName, ".onnx");
            if (Directory.Exists(path)) throw new ArgumentException($"--out {path} is a directory; give the path of the .onnx file to write.");
            var bytes = OnnxExport.Export(model);
            BayesGen.IO.AtomicFile.WriteAllBytes(path, bytes);
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(path)} ({bytes.Length:N0} bytes, opset {OnnxExport.Opset})");
            if (!parse.GetValue(verify)) return 0;
            var (test, _) = data.LoadTest(parse, System.Console.Out, model.InputShape);
            using var _1 = test;
            var computeOn = device.Resolve(parse);
            using var images = test.Images.narrow(0, 0, 1000).contiguous();
            using var network = model.CreateNetwork();
            network.to(computeOn);
            using var expected = network.forward(images.to(computeOn)).cpu();
            using var session = new InferenceSession(bytes);
            var input = new DenseTensor<float>(images.data<float>().ToArray(), images.shape.Select(d => (int)d).ToArray());
            using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.Single(), input) });
            var actual = results.Single().AsEnumerable<float>().ToArray();
            var reference = expected.data<float>().ToArray();
            double max = reference.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
            AnsiConsole.MarkupLine($"ONNX Runtime vs TorchSharp on 1,000 test images: max |difference| = [bold]{max:E2}[/]");
            return max <= 1e-5 ? 0 : 1;
        });
        return command;
    }

    /// <summary><c>export-pytorch</c>: the pruned network's weights as a PyTorch state dict, with the kept indices beside it.</summary>
    public static Command ExportPyTorch()
    {
        var artifact = ArtifactOption();
        var output = new Option<FileInfo?>("--out") { Description = "The .pt file (default: next to the artifact); the kept indices go to <name>.kept.json." };
        var command = new Command("export-pytorch", "Write a compressed model's pruned weights as a PyTorch state dict (torch.load reads it).");
        command.Options.Add(artifact);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            var file = parse.GetValue(artifact)!;
            var model = Load(file);
            var path = parse.GetValue(output)?.FullName ?? Path.ChangeExtension(file.FullName, ".pt");
            if (Directory.Exists(path)) throw new ArgumentException($"--out {path} is a directory; give the path of the .pt file to write.");
            var kept = BayesGen.Interop.PyTorchStateDict.SaveCompressed(model, path);
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(path)} (state dict of the pruned network) and {Markup.Escape(kept)} (kept units of each layer)");
            return 0;
        });
        return command;
    }

    /// <summary><c>inspect</c>: what an artifact holds.</summary>
    public static Command Inspect()
    {
        var artifact = ArtifactOption();
        var command = new Command("inspect", "Summarise a compressed model file: architecture, kept units, bits, sizes.");
        command.Options.Add(artifact);
        command.SetAction(parse =>
        {
            var file = parse.GetValue(artifact)!;
            var model = Load(file);
            var console = AnsiConsole.Console;
            console.MarkupLine($"[bold]{Markup.Escape(model.Model)}[/] ({Markup.Escape(model.Prior)}), input {string.Join("×", model.InputShape)}, " +
                               $"quantisation {model.Quantization}, exponent bits {model.ExponentBits}, checksum verified");
            console.MarkupLine($"graph ({model.Graph.Nodes.Count} nodes):");
            console.WriteLine(model.Graph.ToString());
            var table = new Table().AddColumns("layer", "kind", "original", "kept (out × in)", "kept weights", "bits", "step", "weight bytes");
            long weightBytes = 0;
            foreach (var l in model.Layers)
            {
                long bytes = l.PackedWeightBytes;
                weightBytes += bytes;
                table.AddRow(Markup.Escape(l.Name), l.Kind.ToString(), string.Join("×", l.WeightShape), $"{l.KeptOutputs.Length} × {l.KeptInputs.Length}",
                    l.KeptWeights.ToString("N0"), $"{l.TotalBits} (s = {l.SignificandBits})", $"2^{l.Quantized?.StepExponent}", bytes.ToString("N0"));
            }
            console.Write(table);
            foreach (var n in model.Norms)
                console.MarkupLine($"BatchNorm {Markup.Escape(n.Name)}: {n.KeptChannels.Length} of {n.Channels} channels");
            long dense = 4 * model.Layers.Sum(l => l.WeightShape.Aggregate(1L, (a, b) => a * b));
            console.MarkupLine($"file {file.Length:N0} bytes, of which packed weights {weightBytes:N0}; dense float32 weights {dense:N0} bytes ({(double)dense / file.Length:F1}x the file)");
            return 0;
        });
        return command;
    }
}
