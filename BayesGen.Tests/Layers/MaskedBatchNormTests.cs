using BayesGen.Compression;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Layers;

/// <summary>BatchNorm channels masked in the evaluation forward of a pruned network (a ResNet: BatchNorms inside blocks).</summary>
public class MaskedBatchNormTests
{
    [Fact]
    public void A_masked_evaluation_forward_leaves_no_tensor_behind()
    {
        // The masked BatchNorm once moved its output out of the caller's dispose scope: every batch of a
        // compress run's evaluation then stayed alive (3 GiB for a small ResNet on 10,000 images).
        using var plain = new BayesGen.Samples.Models.ResNet();
        using var model = new BayesGen.Samples.Models.ResNet.Bayesian(plain, new BayesianOptions { InitGenerator = new torch.Generator(5) });
        var thresholds = new PruningThresholds();
        using var masks = model.ComputeMasks(thresholds);
        model.ApplyMasks(masks);
        Assert.NotEmpty(model.BatchNorms);
        Assert.All(model.BatchNorms, b => Assert.NotNull(b.Norm.ChannelMask));
        model.eval();
        using var x = randn(16, 1, 28, 28, generator: new torch.Generator(6));
        // A tensor moved out of the per-batch scope lands in the enclosing one and stays alive there.
        using var enclosing = NewDisposeScope();
        var statistics = DisposeScopeManager.Statistics;
        for (int round = 0; round < 3; round++)
        {
            long held = enclosing.DisposablesCount, live = statistics.ThreadTotalLiveCount;
            using (no_grad())
            using (NewDisposeScope())
                model.forward(x).sum().item<float>();
            Assert.Equal(held, enclosing.DisposablesCount);
            Assert.Equal(live, statistics.ThreadTotalLiveCount);
        }
    }
}
