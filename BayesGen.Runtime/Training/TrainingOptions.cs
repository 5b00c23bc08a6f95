namespace BayesGen.Training;

/// <summary>How <see cref="BayesianTrainer"/> trains: the reference settings by default (Adam, lr 1e-3, batch 128).</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Examples per optimiser step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Adam's learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>
    /// The log-variances of the Bayesian layers (weights', biases', group scales') step with this multiple of
    /// <see cref="LearningRate"/>; every other parameter with the rate itself (<see cref="BayesianNetwork.ParameterGroups"/>).
    /// They start small (σ² = e⁻⁹) and Adam moves a parameter by about one learning rate a step, so at 1 they climb about
    /// 0.43 an epoch on 55,000 images at batch 128: a larger multiple lets the posterior widen, and groups separate, in
    /// fewer epochs.
    /// </summary>
    public double LogVarianceLearningRateScale { get; init; } = 1;

    /// <summary>
    /// The last this many epochs of the run train with <see cref="LearningRate"/> × <see cref="LearningRateDropFactor"/>
    /// (every group, the log-variances' multiple included); 0, the default, keeps the rate constant, as the reference
    /// does. A smaller rate at the end lets the means settle where the noise of the steps kept them moving. Counted
    /// from <see cref="Epochs"/>, so a resumed run with more epochs drops at its own end.
    /// </summary>
    public int LearningRateDropEpochs { get; init; }

    /// <summary>The multiple of the learning rate in the last <see cref="LearningRateDropEpochs"/> epochs, in (0, 1].</summary>
    public double LearningRateDropFactor { get; init; } = 0.1;

    /// <summary>The learning rate of epoch <paramref name="epoch"/> (1-based): the drop applies to the last <see cref="LearningRateDropEpochs"/>.</summary>
    public double LearningRateAt(int epoch) =>
        epoch > Epochs - LearningRateDropEpochs ? LearningRate * LearningRateDropFactor : LearningRate;

    /// <summary>Seeds the shuffling and the training noise; the same seed gives the same run.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>
    /// Epochs over which the KL weight rises linearly from 0 to 1 (0: the full ELBO from the first step).
    /// A warm-up lets the likelihood shape the weights before the prior starts pruning.
    /// </summary>
    public double KLWarmupEpochs { get; init; }

    /// <summary>A checkpoint file written after every epoch (atomically), or null for none.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Continue from <see cref="CheckpointPath"/> when it exists.</summary>
    public bool Resume { get; init; }

    /// <summary>
    /// The data loss of a batch, (output, target) → a scalar mean; null for cross-entropy over class indices. The KL
    /// term is added to it. (Not recorded in checkpoints: give the same function when resuming.)
    /// </summary>
    public Func<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>? Loss { get; init; }

    /// <summary>
    /// Where the model trains: its parameters, the noise, the optimiser's buffers and every batch go there (batches are
    /// moved one at a time). Null trains where the model already is. See <see cref="Devices.Resolve"/> for names.
    /// </summary>
    public TorchSharp.torch.Device? Device { get; init; }

    /// <summary>
    /// Let the thread governor (<see cref="Torch.ThreadGovernor"/>) fit LibTorch's CPU threads to the cores other
    /// processes leave free (true, the default); false keeps the thread count as it is (e.g. set with --threads).
    /// </summary>
    public bool AdaptThreads { get; init; } = true;

    /// <summary>Examples per evaluation batch (evaluation needs no gradients, so larger is faster).</summary>
    public int EvaluationBatchSize { get; init; } = 2000;

    /// <summary>Stop after this many optimiser steps in total (for quick checks); null for no limit.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"Epochs must be at least 1 (got {Epochs}).");
        if (BatchSize < 1) throw new ArgumentException($"The batch size must be at least 1 (got {BatchSize}).");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentException($"The learning rate must be finite and > 0 (got {LearningRate}).");
        if (!(LogVarianceLearningRateScale > 0) || double.IsInfinity(LogVarianceLearningRateScale))
            throw new ArgumentException($"The log-variances' learning-rate scale must be finite and > 0 (got {LogVarianceLearningRateScale}).");
        if (LearningRateDropEpochs < 0 || LearningRateDropEpochs > Epochs)
            throw new ArgumentException($"The learning-rate drop must cover 0 to {Epochs} epochs, the run's length (got {LearningRateDropEpochs}).");
        if (!(LearningRateDropFactor > 0) || LearningRateDropFactor > 1)
            throw new ArgumentException($"The learning-rate drop factor must lie in (0, 1], e.g. 0.1 (got {LearningRateDropFactor}).");
        if (KLWarmupEpochs < 0 || double.IsNaN(KLWarmupEpochs)) throw new ArgumentException($"The KL warm-up must be ≥ 0 epochs (got {KLWarmupEpochs}).");
        if (EvaluationBatchSize < 1) throw new ArgumentException($"The evaluation batch size must be at least 1 (got {EvaluationBatchSize}).");
        if (Resume && CheckpointPath is null) throw new ArgumentException("Resuming needs a checkpoint path.");
    }
}
