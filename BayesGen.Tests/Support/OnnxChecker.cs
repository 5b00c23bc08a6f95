using System.Diagnostics;

namespace BayesGen.Tests.Support;

/// <summary>
/// The official ONNX checker (Debian's python3-onnx, which .ci/run installs): <c>check_model(full_check=True)</c>
/// and shape inference in strict mode, run on an exported model in a Python process.
/// </summary>
public static class OnnxChecker
{
    private const string Script = """
        import sys, onnx
        model = onnx.load(sys.argv[1])
        onnx.checker.check_model(model, full_check=True)
        onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
        print("ok")
        """;

    /// <summary>Fails the test with the checker's words unless <paramref name="model"/> passes.</summary>
    public static void Check(byte[] model, string what)
    {
        const string python = "/usr/bin/python3";
        var path = Path.Combine(Path.GetTempPath(), $"bayesgen-check-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, model);
        try
        {
            var start = new ProcessStartInfo(File.Exists(python) ? python : "python3")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(Script);
            start.ArgumentList.Add(path);
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(60_000), $"{what}: the ONNX checker did not finish in a minute");
            if (error.Result.Contains("No module named 'onnx'"))
                Assert.Fail("The official ONNX checker is missing: install Debian's python3-onnx (apt-get install python3-onnx; .ci/run does).");
            Assert.True(process.ExitCode == 0 && output.Result.Trim() == "ok", $"{what}: the ONNX checker rejects the model:\n{error.Result}");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
