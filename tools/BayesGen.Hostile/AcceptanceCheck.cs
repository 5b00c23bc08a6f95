using System.Diagnostics;
using BayesGen.Deployment;
using TorchSharp;

namespace BayesGen.Hostile;

/// <summary>
/// What an accepted input must be: an artifact that loads and computes finite outputs of the right shape (a batch of
/// ten class scores), an ONNX file the official checker accepts. Checked here, apart from the command that accepted it.
/// </summary>
public static class AcceptanceCheck
{
    /// <summary>Null when the artifact is sound, else what is wrong with it.</summary>
    public static string? Artifact(string path)
    {
        if (!File.Exists(path)) return null;   // the command accepted without writing one (e.g. inspect of a healthy file); nothing to check
        try
        {
            var model = CompressedModel.Load(path);
            long elements = model.InputShape.Aggregate(1L, (a, b) => a * b);
            if (elements > 1 << 22) return $"accepted an input of {elements} values per example";
            using var network = model.CreateNetwork();
            using var scope = torch.NewDisposeScope();
            var input = torch.randn([4, .. model.InputShape], generator: new torch.Generator(7));
            var output = network.forward(input);
            if (output.shape.Length != 2 || output.shape[0] != 4 || output.shape[1] != 10)
                return $"output shape [{string.Join(", ", output.shape)}], expected [4, 10]";
            if (!output.isfinite().all().item<bool>()) return "non-finite outputs";
            return null;
        }
        catch (Exception e)
        {
            return $"the accepted artifact does not load or run: {e.GetType().Name}: {e.Message}";
        }
    }

    /// <summary>Whether Debian's python3-onnx is there to check ONNX files.</summary>
    public static bool OnnxCheckerAvailable { get; } = Probe();

    /// <summary>Null when the ONNX file passes the full check and strict shape inference (or there is no checker), else the checker's complaint.</summary>
    public static string? Onnx(string path)
    {
        if (!OnnxCheckerAvailable || !File.Exists(path)) return null;
        var (code, output) = Python($"import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)", path);
        return code == 0 ? null : $"onnx.checker: {output.Trim().Split('\n').LastOrDefault()}";
    }

    private static bool Probe() => File.Exists("/usr/bin/python3") && Python("import onnx").Code == 0;

    private static (int Code, string Output) Python(string program, params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(program);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }
}
