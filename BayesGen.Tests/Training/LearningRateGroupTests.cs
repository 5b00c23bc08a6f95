using BayesGen.Layers;
using BayesGen.Tests.Support;
using BayesGen.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BayesGen.Tests.Training;

/// <summary>
/// Parameter groups with their own multiple of the learning rate: FlatAdam against TorchSharp's own Adam with
/// parameter groups, which groups a Bayesian network forms, and what a scale does to a training step.
/// </summary>
public sealed class LearningRateGroupTests
{
    [Fact]
    public void FlatAdam_with_groups_steps_as_TorchSharp_Adam_with_per_group_learning_rates()
    {
        // Two copies of three parameters; one is in a group at 10x the rate, as torch.optim does with a group's own lr.
        using var gen = new torch.Generator(7);
        var shapes = new long[][] { new long[] { 3, 4 }, new long[] { 5 }, new long[] { 2, 2, 2 } };
        var a = shapes.Select(s => new Parameter(randn(s, generator: gen))).ToArray();
        var b = a.Select(p => new Parameter(p.detach().clone())).ToArray();
        using var flat = new FlatAdam(new[] { new ParameterGroup(new[] { a[0], a[2] }), new ParameterGroup(new[] { a[1] }, 10) }, 1e-3);
        using var reference = optim.Adam(new[]
        {
            new Adam.ParamGroup(new[] { b[0], b[2] }, lr: 1e-3),
            new Adam.ParamGroup(new[] { b[1] }, lr: 1e-2),
        }, lr: 1e-3);
        for (int step = 0; step < 25; step++)
        {
            // The same gradients for both: a fixed quadratic pull plus noise, so the moments differ from step to step.
            using var noise = new torch.Generator((ulong)(100 + step));
            flat.ZeroGrad();
            reference.zero_grad();
            for (int i = 0; i < a.Length; i++)
            {
                using var g = randn(a[i].shape, generator: noise);
                using (no_grad())
                {
                    a[i].grad!.copy_(a[i].detach() * 0.5 + g);
                    b[i].grad = b[i].detach() * 0.5 + g;
                }
            }
            flat.Step();
            reference.step();
        }
        for (int i = 0; i < a.Length; i++)
            Assert.True(a[i].allclose(b[i], rtol: 1e-5, atol: 1e-6), $"parameter {i} differs from TorchSharp's Adam by {(a[i] - b[i]).abs().max().item<float>()}");
    }

    [Fact]
    public void A_parameter_in_two_groups_with_different_scales_and_bad_scales_are_refused()
    {
        var p = new Parameter(zeros(3));
        var e = Assert.Throws<ArgumentException>(() => new FlatAdam(new[] { new ParameterGroup(new[] { p }), new ParameterGroup(new[] { p }, 2) }));
        Assert.Contains("two groups", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ParameterGroup(new[] { p }, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ParameterGroup(new[] { p }, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ParameterGroup(new[] { p }, double.PositiveInfinity));
        Assert.Contains("scale", Assert.Throws<ArgumentException>(() => new TrainingOptions { LogVarianceLearningRateScale = -1 }.Validate()).Message);
    }

    [Theory]
    [InlineData(PriorKind.GroupNJ)]
    [InlineData(PriorKind.Horseshoe)]
    public void A_network_groups_every_log_variance_and_nothing_else_in_parameter_order(PriorKind prior)
    {
        using var model = new HandWiredMlp(6, 5, 4, 3, new torch.Generator(1), prior);
        var groups = model.ParameterGroups(10);
        var named = model.named_parameters().ToArray();
        // In parameters() order, so the optimiser's flat layout (and a checkpoint's Adam state) does not depend on the scale.
        Assert.Equal(named.Select(n => n.parameter), groups.SelectMany(g => g.Parameters), ReferenceEqualityComparer.Instance);
        var scaled = groups.Where(g => g.LearningRateScale == 10).SelectMany(g => g.Parameters).ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var (name, parameter) in named)
            Assert.True(name.EndsWith("_logvar") == scaled.Contains(parameter), $"{name}: scaled {scaled.Contains(parameter)}");
        Assert.True(groups.Where(g => g.LearningRateScale != 10).All(g => g.LearningRateScale == 1));
        // At scale 1 every parameter is at the plain rate.
        Assert.All(model.ParameterGroups(), g => Assert.Equal(1, g.LearningRateScale));
    }

    [Fact]
    public void A_training_step_moves_the_log_variances_by_the_scale_and_the_means_as_before()
    {
        // One step from the same start: Adam's first update is the same for the means and exactly `scale` times as
        // large for the log-variances (the gradients are equal, the state is fresh).
        using var train = Mnist.Train.Take(256);
        using var test = Mnist.Test.Take(100);
        var (plain, plainStart) = OneStep(1, train, test);
        var (scaled, scaledStart) = OneStep(10, train, test);
        try
        {
            foreach (var ((name, before), (_, after1), (_, after10)) in plainStart.Zip(plain.named_parameters(), scaled.named_parameters()))
            {
                using var step1 = after1.detach() - before;
                using var step10 = after10.detach() - before;
                double factor = name.EndsWith("_logvar") ? 10 : 1;
                // float32 steps of about 1e-3 read off values near −9 carry ~1e-6 of rounding, times the factor;
                // ignoring the scale would be off by ~9e-3.
                Assert.True((step1 * factor).allclose(step10, rtol: 1e-3, atol: 3e-5),
                    $"{name}: the step at scale 10 is not {factor}x the step at scale 1 (largest difference {(step1 * factor - step10).abs().max().item<float>()})");
                Assert.True(step1.abs().max().item<float>() > 0, $"{name} did not move");
            }
        }
        finally
        {
            plain.Dispose();
            scaled.Dispose();
            foreach (var (_, t) in plainStart.Concat(scaledStart)) t.Dispose();
        }
    }

    private static (HandWiredMlp Model, (string Name, Tensor Value)[] Start) OneStep(double scale, ImageDataset train, ImageDataset test)
    {
        var model = new HandWiredMlp(784, 30, 20, 10, new torch.Generator(3));
        var start = model.named_parameters().Select(n => (n.name, n.parameter.detach().clone())).ToArray();
        new BayesianTrainer(new TrainingOptions { Epochs = 1, MaxSteps = 1, LogVarianceLearningRateScale = scale, AdaptThreads = false })
            .Train(model, train, test);
        return (model, start);
    }
}
