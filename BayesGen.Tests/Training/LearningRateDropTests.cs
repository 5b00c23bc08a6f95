using BayesGen.Tests.Support;
using BayesGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Tests.Training;

/// <summary>
/// The learning-rate drop of a run's last epochs (<see cref="TrainingOptions.LearningRateDropEpochs"/>): which epochs
/// it covers, that a step in them is the factor times as large, and that it is exactly what resuming the run with a
/// lower rate does.
/// </summary>
public sealed class LearningRateDropTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bayesgen-lrdrop-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void The_drop_covers_the_last_epochs_of_the_run_and_nothing_before()
    {
        var options = new TrainingOptions { Epochs = 10, LearningRate = 2e-3, LearningRateDropEpochs = 3, LearningRateDropFactor = 0.25 };
        Assert.Equal(new[] { 2e-3, 2e-3, 2e-3, 2e-3, 2e-3, 2e-3, 2e-3, 5e-4, 5e-4, 5e-4 }, Enumerable.Range(1, 10).Select(options.LearningRateAt));
        Assert.All(Enumerable.Range(1, 10), e => Assert.Equal(2e-3, (options with { LearningRateDropEpochs = 0 }).LearningRateAt(e)));
        Assert.All(Enumerable.Range(1, 10), e => Assert.Equal(5e-4, (options with { LearningRateDropEpochs = 10 }).LearningRateAt(e)));
    }

    [Theory]
    [InlineData(-1, 0.1, "drop must cover 0 to 5 epochs")]
    [InlineData(6, 0.1, "drop must cover 0 to 5 epochs")]
    [InlineData(2, 0.0, "factor must lie in (0, 1]")]
    [InlineData(2, 1.5, "factor must lie in (0, 1]")]
    [InlineData(2, double.NaN, "factor must lie in (0, 1]")]
    public void A_drop_outside_the_run_or_a_factor_outside_0_to_1_is_refused(int epochs, double factor, string message)
    {
        var options = new TrainingOptions { Epochs = 5, LearningRateDropEpochs = epochs, LearningRateDropFactor = factor };
        Assert.Contains(message, Assert.Throws<ArgumentException>(options.Validate).Message);
    }

    [Fact]
    public void A_step_in_the_dropped_epochs_moves_every_parameter_the_factor_times_as_far()
    {
        // Adam's first step is lr times the sign of the gradient (up to ε): with the same start, gradients and noise, a
        // dropped epoch's step is exactly the factor times the constant-rate step, log-variances included (scale 10).
        using var train = Mnist.Train.Take(256);
        using var test = Mnist.Test.Take(100);
        var (full, start) = OneStep(train, test, dropEpochs: 0);
        var (dropped, _) = OneStep(train, test, dropEpochs: 1);
        try
        {
            foreach (var ((name, before), (_, a), (_, b)) in start.Zip(full.named_parameters(), dropped.named_parameters()))
            {
                using var stepFull = a.detach() - before;
                using var stepDropped = b.detach() - before;
                Assert.True((stepFull * 0.1).allclose(stepDropped, rtol: 1e-3, atol: 3e-6),
                    $"{name}: the dropped step is not 0.1 of the full one (largest difference {(stepFull * 0.1 - stepDropped).abs().max().item<float>()})");
                Assert.True(stepDropped.abs().max().item<float>() > 0, $"{name} did not move");
            }
        }
        finally
        {
            full.Dispose();
            dropped.Dispose();
            foreach (var (_, t) in start) t.Dispose();
        }
    }

    [Fact]
    public void A_run_with_a_drop_equals_the_run_resumed_at_the_lower_rate()
    {
        // Three epochs with the last one dropped to 0.1, against two epochs at the rate and one more resumed with the
        // rate times 0.1: the same parameters, bit for bit. A run without the drop differs (the test can fail).
        using var train = Mnist.Train.Take(256);
        using var test = Mnist.Test.Take(100);
        var baseOptions = new TrainingOptions { Epochs = 3, LogVarianceLearningRateScale = 10, AdaptThreads = false };
        using var scheduled = Trained(train, test, "scheduled", baseOptions with { LearningRateDropEpochs = 1 });
        using var constant = Trained(train, test, "constant", baseOptions);
        using var resumed = Trained(train, test, "resumed", baseOptions with { Epochs = 2 });
        new BayesianTrainer(baseOptions with { LearningRate = 1e-4, Resume = true, CheckpointPath = Path.Combine(dir, "resumed.bgck") })
            .Train(resumed, train, test);

        foreach (var ((name, s), (_, r), (_, c)) in scheduled.named_parameters().Zip(resumed.named_parameters(), constant.named_parameters()))
        {
            Assert.True(s.equal(r).all().item<bool>(), $"{name}: the scheduled run differs from the resumed one by {(s - r).abs().max().item<float>()}");
            Assert.False(s.equal(c).all().item<bool>(), $"{name}: the drop changed nothing");
        }
    }

    private HandWiredMlp Trained(ImageDataset train, ImageDataset test, string name, TrainingOptions options)
    {
        var model = new HandWiredMlp(784, 30, 20, 10, new torch.Generator(3));
        new BayesianTrainer(options with { CheckpointPath = Path.Combine(dir, name + ".bgck") }).Train(model, train, test);
        return model;
    }

    private static (HandWiredMlp Model, (string Name, Tensor Value)[] Start) OneStep(ImageDataset train, ImageDataset test, int dropEpochs)
    {
        var model = new HandWiredMlp(784, 30, 20, 10, new torch.Generator(3));
        var start = model.named_parameters().Select(n => (n.name, n.parameter.detach().clone())).ToArray();
        new BayesianTrainer(new TrainingOptions { Epochs = 1, MaxSteps = 1, LogVarianceLearningRateScale = 10, LearningRateDropEpochs = dropEpochs, AdaptThreads = false })
            .Train(model, train, test);
        return (model, start);
    }
}
