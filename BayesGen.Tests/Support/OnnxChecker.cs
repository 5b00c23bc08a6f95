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
        var path = Path.Combine(Path.GetTempPath(), $"bayesgen-check-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, model);
        try
        {
            var (exitCode, output, error) = PythonScript.Run(Script, path, TimeSpan.FromMinutes(1));
            if (error.Contains("No module named 'onnx'"))
                Assert.Fail("The official ONNX checker is missing: install Debian's python3-onnx (apt-get install python3-onnx; .ci/run does).");
            Assert.True(exitCode == 0 && output.Trim() == "ok", $"{what}: the ONNX checker rejects the model:\n{error}");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
