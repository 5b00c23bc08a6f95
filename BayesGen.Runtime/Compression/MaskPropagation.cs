using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Compression;

/// <summary>
/// Makes the masks of two connected layers agree, so that a removed unit is removed on both sides of the
/// connection. The generated model calls these once per connection in its data flow; each connection is
/// independent of the others in a chain (a layer's input and output masks are separate vectors).
/// </summary>
public static class MaskPropagation
{
    /// <summary>
    /// Producer → (element-wise ops, pooling, BatchNorm) → consumer, unit for unit: Linear → Linear
    /// (the producer's rows are the consumer's input groups) and Conv → Conv (the consumer's input channels
    /// follow the producer's filters). A unit survives only when both sides keep it.
    /// </summary>
    public static void Direct(LayerMasks producer, LayerMasks consumer)
    {
        if (producer.Output.shape[0] != consumer.Input.shape[0])
            throw new ArgumentException(
                $"The producer has {producer.Output.shape[0]} output units but the consumer has {consumer.Input.shape[0]} input units; they cannot be connected one to one.");
        using var joint = producer.Output.logical_and(consumer.Input);
        producer.Replace(null, joint);
        consumer.Replace(joint, null);
    }

    /// <summary>
    /// Convolution → flatten(1) → Linear: Linear input feature f comes from channel f / spatial (channel-major
    /// flattening of <c>[C, H, W]</c>, spatial = H·W). A feature is kept only when its channel is kept and its
    /// own group is kept; a channel is kept only when at least one of its features is still used.
    /// </summary>
    public static void Flatten(LayerMasks producer, LayerMasks consumer, long spatial)
    {
        long channels = producer.Output.shape[0];
        if (spatial <= 0 || channels * spatial != consumer.Input.shape[0])
            throw new ArgumentException(
                $"Flattening {channels} channels of {spatial} positions gives {channels * spatial} features, but the consumer has {consumer.Input.shape[0]} input features.");
        using var d = NewDisposeScope();
        var expanded = producer.Output.repeat_interleave(spatial);
        var features = expanded.logical_and(consumer.Input);
        var channelUsed = features.view(channels, spatial).any(1);
        producer.Replace(null, channelUsed);
        consumer.Replace(features, null);
    }

    /// <summary>
    /// The kept features after flatten(1), relative to the producer's kept channels only: the positions within
    /// the flattened output of the pruned producer that the consumer reads. The deployment model gathers them.
    /// </summary>
    public static long[] FeaturesWithinKeptChannels(LayerMasks producer, LayerMasks consumer, long spatial)
    {
        var channels = LayerMasks.IndicesOf(producer.Output);
        var features = consumer.Input.data<bool>().ToArray();
        var result = new List<long>();
        for (int k = 0; k < channels.Length; k++)
        {
            long c = channels[k];
            for (long p = 0; p < spatial; p++)
                if (features[c * spatial + p]) result.Add(k * spatial + p);
        }
        return result.ToArray();
    }
}
