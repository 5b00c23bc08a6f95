namespace BayesGen.Training.Logs;

/// <summary>Several observers as one: a console view, a CSV file and TensorBoard at once.</summary>
public sealed class TrainingObservers(params ITrainingObserver[] observers) : ITrainingObserver
{
    public void EpochStarted(int epoch, int steps)
    {
        foreach (var o in observers) o.EpochStarted(epoch, steps);
    }

    public void StepFinished(int epoch, int step, double crossEntropy)
    {
        foreach (var o in observers) o.StepFinished(epoch, step, crossEntropy);
    }

    public void EpochFinished(EpochSummary summary)
    {
        foreach (var o in observers) o.EpochFinished(summary);
    }

    public void Resumed(int epoch)
    {
        foreach (var o in observers) o.Resumed(epoch);
    }
}
