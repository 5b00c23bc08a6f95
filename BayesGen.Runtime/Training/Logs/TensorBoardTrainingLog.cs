using TorchSharp;

namespace BayesGen.Training.Logs;

/// <summary>
/// Writes TensorBoard event files through TorchSharp's <c>SummaryWriter</c>: per epoch the objective, its cross-entropy
/// and KL, the KL weight, the test error, the throughput, and each layer's kept groups (under <c>kept/</c>), so a run
/// can be watched with <c>tensorboard --logdir</c>.
/// </summary>
public sealed class TensorBoardTrainingLog(string directory) : ITrainingObserver
{
    private readonly TorchSharp.Modules.SummaryWriter writer = torch.utils.tensorboard.SummaryWriter(directory, "", false);

    /// <summary>The directory the event files go to.</summary>
    public string Directory { get; } = directory;

    public void EpochFinished(EpochSummary s)
    {
        writer.add_scalar("loss/objective", (float)s.Loss, s.Epoch);
        writer.add_scalar("loss/cross_entropy", (float)s.CrossEntropy, s.Epoch);
        writer.add_scalar("loss/kl", (float)s.KL, s.Epoch);
        writer.add_scalar("loss/kl_weight", (float)s.KLWeight, s.Epoch);
        writer.add_scalar("test/error_pct", (float)s.TestErrorPercent, s.Epoch);
        writer.add_scalar("speed/samples_per_second", (float)s.SamplesPerSecond, s.Epoch);
        foreach (var k in s.KeptGroups) writer.add_scalar($"kept/{k.Layer}", k.Kept, s.Epoch);
    }
}
