namespace BayesGen;

/// <summary>
/// The shape of one input example, without the batch dimension (for MNIST images <c>[InputShape(1, 28, 28)]</c>).
/// Optional: with it the generator checks at compile time that every layer's size chains with the previous
/// one, including the size a <c>flatten(1)</c> produces, and the compressed model records it.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class InputShapeAttribute : Attribute
{
    /// <summary>Creates the attribute from the dimensions of one example.</summary>
    public InputShapeAttribute(params int[] dimensions) => Dimensions = dimensions;

    /// <summary>The dimensions of one example (channels, height, width for images; features for vectors).</summary>
    public IReadOnlyList<int> Dimensions { get; }
}
