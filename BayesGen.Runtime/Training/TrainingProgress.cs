namespace BayesGen.Training;

/// <summary>What one epoch did.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Loss">The training objective: mean cross-entropy over the epoch's steps + w·KL/N with the KL at the epoch's end.</param>
/// <param name="CrossEntropy">Mean training cross-entropy.</param>
/// <param name="KL">The KL of the model at the end of the epoch.</param>
/// <param name="KLWeight">The KL weight at the end of the epoch (below 1 during warm-up).</param>
/// <param name="TestErrorPercent">Test error of the posterior-mean network, in percent.</param>
/// <param name="KeptGroups">Kept and total groups per layer (after propagation) at the current thresholds.</param>
/// <param name="Seconds">Wall time of the epoch's training steps.</param>
/// <param name="SamplesPerSecond">Training examples per second over the epoch.</param>
public sealed record EpochSummary(
    int Epoch,
    double Loss,
    double CrossEntropy,
    double KL,
    double KLWeight,
    double TestErrorPercent,
    IReadOnlyList<KeptGroups> KeptGroups,
    double Seconds,
    double SamplesPerSecond);

/// <summary>How many groups of a layer survive at the current thresholds.</summary>
public sealed record KeptGroups(string Layer, long Kept, long Total);

/// <summary>Receives progress while training; every method has an empty default.</summary>
public interface ITrainingObserver
{
    /// <summary>An epoch begins; it will take <paramref name="steps"/> optimiser steps.</summary>
    void EpochStarted(int epoch, int steps) { }

    /// <summary>A step finished with this mini-batch cross-entropy.</summary>
    void StepFinished(int epoch, int step, double crossEntropy) { }

    /// <summary>An epoch finished (after evaluation and checkpointing).</summary>
    void EpochFinished(EpochSummary summary) { }

    /// <summary>Training continues from a checkpoint written after <paramref name="epoch"/>.</summary>
    void Resumed(int epoch) { }
}

/// <summary>The outcome of <see cref="BayesianTrainer.Train"/>.</summary>
/// <param name="History">One summary per epoch, including epochs restored from a checkpoint.</param>
/// <param name="TrainSeconds">Seconds spent in training steps in this run (not evaluation).</param>
/// <param name="TrainSamples">Training examples processed in this run.</param>
public sealed record TrainingResult(IReadOnlyList<EpochSummary> History, double TrainSeconds, long TrainSamples)
{
    /// <summary>Training examples per second in this run.</summary>
    public double SamplesPerSecond => TrainSeconds > 0 ? TrainSamples / TrainSeconds : 0;

    /// <summary>The last epoch's summary.</summary>
    public EpochSummary Last => History[^1];
}

/// <summary>The loss stopped being a finite number; the last good checkpoint is left as it was.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(string message) : base(message) { }
}
