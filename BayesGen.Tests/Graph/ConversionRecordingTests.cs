using BayesGen.Graph;
using BayesGen.Tracing;
using TorchSharp;
using static TorchSharp.torch;
using static BayesGen.Tests.Support.GraphRecording;

namespace BayesGen.Tests.Graph;

/// <summary>Changes of type or device in forward (<c>to_type</c>, <c>to</c>, <c>@float()</c>): what they compute and record.</summary>
public class ConversionRecordingTests
{
    [Fact]
    public void A_conversion_to_the_recorded_type_is_the_same_values_and_records_nothing_of_its_own()
    {
        using var x = randn(2, 3);
        var graph = Record(x, t => Ops.Scalar(Ops.Converted(t, c => c.to_type(ScalarType.Float32)), 2.0, BinaryKind.Multiply));
        var plain = Record(x, t => Ops.Scalar(t, 2.0, BinaryKind.Multiply));
        Assert.Equal(plain.Nodes.Select(n => n.Op), graph.Nodes.Select(n => n.Op));
    }

    [Fact]
    public void Outside_a_recording_it_converts_as_asked()
    {
        using var bytes = tensor(new byte[] { 0, 128, 255 });
        using var converted = Ops.Converted(bytes, c => c.to_type(ScalarType.Float32));
        Assert.Equal(ScalarType.Float32, converted.dtype);
        Assert.Equal(new[] { 0f, 128f, 255f }, converted.data<float>().ToArray());
    }

    [Fact]
    public void A_conversion_to_another_type_than_the_recorded_one_is_refused_by_name()
    {
        using var x = randn(2, 3);
        var e = Assert.Throws<GraphRecordingException>(() => Record(x, t => Ops.Scalar(Ops.Converted(t, c => c.to_type(ScalarType.Float64)), 2.0, BinaryKind.Multiply)));
        Assert.Contains("converts its Float32 values to Float64", e.Message);
        Assert.Contains("convert the data before the network", e.Message);
    }
}
