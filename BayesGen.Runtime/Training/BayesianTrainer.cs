using System.Diagnostics;
using BayesGen.Compression;
using BayesGen.Training;
using TorchSharp;
using static TorchSharp.torch;
using BayesGen.Torch;

namespace BayesGen.Training;

/// <summary>
/// Trains a <see cref="BayesianNetwork"/> by stochastic variational inference: per mini-batch it minimises
/// the data loss (mean cross-entropy unless <see cref="TrainingOptions.Loss"/> says otherwise) + w·KL/N (N the
/// training-set size, w the KL warm-up weight), with Adam, and applies
/// the layers' variance clipping after every step. One dispose scope per step keeps memory flat; the
/// optimiser works on flat parameter and gradient buffers (<see cref="FlatAdam"/>).
/// </summary>
public sealed class BayesianTrainer
{
    private readonly TrainingOptions options;
    private readonly ITrainingObserver observer;

    /// <summary>Creates a trainer; <paramref name="observer"/> receives progress.</summary>
    public BayesianTrainer(TrainingOptions options, ITrainingObserver? observer = null)
    {
        options.Validate();
        this.options = options;
        this.observer = observer ?? new NullObserver();
    }

    /// <summary>
    /// Trains <paramref name="model"/> on <paramref name="train"/>, evaluating on <paramref name="test"/> after
    /// every epoch. With <see cref="TrainingOptions.Resume"/> and an existing checkpoint it continues where the
    /// checkpoint ended, exactly: shuffling and noise are seeded per epoch from the run's seed.
    /// </summary>
    /// <param name="model">The Bayesian network.</param>
    /// <param name="train">The training batches: an <see cref="ImageDataset"/>, or a DataLoader or any batches through <see cref="TrainingBatches"/>.</param>
    /// <param name="test">The batches the test error is measured on after every epoch (class-index targets).</param>
    public TrainingResult Train(BayesianNetwork model, IBatchSource train, IBatchSource test)
    {
        Torch.NativeMemory.TuneForTraining();
        Torch.LibTorchFixes.Apply();
        if (options.Device is { } requested) model.to(requested);
        var device = model.parameters().First().device;
        using var optimizer = new FlatAdam(model.ParameterGroups(options.LogVarianceLearningRateScale), options.LearningRate);
        var history = new List<EpochSummary>();
        int firstEpoch = 1;
        long steps = 0;
        string modelName = model.GetType().FullName ?? model.GetType().Name;
        if (options.CheckpointPath is not null) IO.AtomicFile.CleanStale(options.CheckpointPath);
        if (options.Resume && options.CheckpointPath is not null && File.Exists(options.CheckpointPath))
        {
            var state = Checkpoint.Load(options.CheckpointPath, model, optimizer);
            CheckSameRun(state, train.Count, model);
            if (state.EpochsDone > options.Epochs)
                throw new ArgumentException($"The checkpoint {options.CheckpointPath} has {state.EpochsDone} epochs done, more than the {options.Epochs} asked for; ask for at least {state.EpochsDone}.");
            history.AddRange(state.History);
            firstEpoch = state.EpochsDone + 1;
            steps = state.Steps;
            observer.Resumed(state.EpochsDone);
        }

        var governor = new Torch.ThreadGovernor(options.AdaptThreads && device.type == DeviceType.CPU);
        using var shuffleGenerator = new Generator();
        using var noiseGenerator = new Generator(0, device);   // the noise is drawn where the model computes
        var previousNoise = model.NoiseGenerator;
        model.NoiseGenerator = noiseGenerator;
        long n = train.Count;
        int stepsPerEpoch = (int)DefaultSchedule.StepsPerEpoch(n, options.BatchSize);
        double trainSeconds = 0;
        long trainSamples = 0;
        try
        {
            for (int epoch = firstEpoch; epoch <= options.Epochs; epoch++)
            {
                if (options.MaxSteps is long max && steps >= max) break;
                shuffleGenerator.manual_seed(EpochSeed(options.Seed, epoch, 0));
                noiseGenerator.manual_seed(EpochSeed(options.Seed, epoch, 1));
                optimizer.LearningRate = options.LearningRateAt(epoch);   // a resumed run may have changed the rate or its drop
                observer.EpochStarted(epoch, stepsPerEpoch);
                model.train();
                double nllSum = 0;
                int done = 0;
                double klWeight = 1;
                long epochSamples = 0;
                var clock = Stopwatch.StartNew();
                int step = 0;
                foreach (var (source, sourceTarget) in train.Batches(options.BatchSize, shuffleGenerator))
                {
                    var (input, target) = Devices.Move(source, sourceTarget, device);
                    long size = input.shape[0];
                    if (options.MaxSteps is long limit && steps >= limit)
                    {
                        Dispose(input, target);
                        break;
                    }
                    klWeight = KLWeight(epoch, step, stepsPerEpoch);
                    governor.Adjust();
                    var (loss, nll) = Step(model, optimizer, input, target, klWeight / n);
                    if (!double.IsFinite(loss) || !double.IsFinite(nll))
                        throw new TrainingDivergedException(
                            $"The loss became {loss} at epoch {epoch}, step {step + 1}. " +
                            (options.CheckpointPath is not null && File.Exists(options.CheckpointPath)
                                ? $"The checkpoint {options.CheckpointPath} (after epoch {epoch - 1}, finite, as every checkpoint is) is kept; resume from it with a lower learning rate (--resume --lr {options.LearningRate / 2})."
                                : "No checkpoint was written yet; restart with a lower learning rate (for example half of " + options.LearningRate + ")."));
                    nllSum += nll;
                    done++;
                    steps++;
                    step++;
                    trainSamples += size;
                    epochSamples += size;
                    observer.StepFinished(epoch, step, nll);
                }
                clock.Stop();
                trainSeconds += clock.Elapsed.TotalSeconds;
                if (done == 0) break;

                var summary = Summarise(model, test, epoch, nllSum / done, klWeight, n, clock.Elapsed.TotalSeconds, epochSamples);
                history.Add(summary);
                if (options.CheckpointPath is not null)
                {
                    try
                    {
                        Checkpoint.Save(options.CheckpointPath, model, optimizer,
                            new Checkpoint.State(modelName, epoch, options.Seed, options.BatchSize, options.LearningRate, options.KLWarmupEpochs, steps, history)
                            { TrainingExamples = n, ClipsBiasVariances = ClipsBiasVariances(model), Priors = PriorsOf(model), LogVarianceLearningRateScale = options.LogVarianceLearningRateScale,
                              LearningRateDropEpochs = options.LearningRateDropEpochs, LearningRateDropFactor = options.LearningRateDropFactor });
                    }
                    catch (InvalidOperationException e)
                    {
                        throw new TrainingDivergedException($"Training diverged in epoch {epoch}: {e.Message} Resume with a lower learning rate (--resume --lr …).");
                    }
                }
                observer.EpochFinished(summary);
            }
        }
        finally
        {
            model.NoiseGenerator = previousNoise;
            model.eval();
        }
        return new TrainingResult(history, trainSeconds, trainSamples);
    }

    /// <returns>
    /// The part of the loss autograd saw (cross-entropy + scale·scale-KL) and the cross-entropy; the weight
    /// KL's value is not computed per step (only its gradient), and is added to the epoch's loss from the
    /// KL at the epoch's end.
    /// </returns>
    private (double Loss, double CrossEntropy) Step(BayesianNetwork model, FlatAdam optimizer, Tensor input, Tensor target, double klScale)
    {
        using var batch = new BatchOwner(input, target);
        using var scope = NewDisposeScope();
        var output = model.forward(input);
        var nll = options.Loss is { } loss ? loss(output, target) : nn.functional.cross_entropy(output, target);
        // The group-scale KL goes through autograd; the weight KL's gradient is added in closed form
        // (BayesianLayer.AddWeightKLGradient): the same gradient as differentiating nll + scale·KL.
        var total = klScale == 0 ? nll : nll.Plus(model.ScaleKL().MulScalar(klScale));
        optimizer.ZeroGrad();
        total.backward();
        model.AddWeightKLGradients(klScale);
        optimizer.Step();
        model.ClipVariances();
        return (total.ToDouble(), nll.ToDouble());   // any floating type: models may train in float64
    }

    private static void Dispose(Tensor input, Tensor target)
    {
        input.Dispose();
        target.Dispose();
    }

    /// <summary>Disposes a batch's tensors after its step: the sources make them fresh for every batch.</summary>
    private readonly struct BatchOwner(Tensor input, Tensor target) : IDisposable
    {
        public void Dispose() => BayesianTrainer.Dispose(input, target);
    }

    private EpochSummary Summarise(BayesianNetwork model, IBatchSource test, int epoch, double nll, double klWeight, long trainCount, double seconds, long samples)
    {
        double kl;
        using (no_grad())
        using (var k = model.KL())
            kl = k.ToDouble();
        double loss = nll + klWeight * kl / trainCount;
        double error = Evaluation.ErrorPercent(model, test, options.EvaluationBatchSize);
        var kept = new List<KeptGroups>();
        using (var masks = model.ComputeMasks())
        {
            foreach (var (name, layer) in model.BayesianLayers)
            {
                var m = masks[name];
                long keptGroups = layer.Layout == Priors.GroupLayout.Columns ? m.KeptInputs : m.KeptOutputs;
                kept.Add(new KeptGroups(name, keptGroups, layer.Groups));
            }
        }
        return new EpochSummary(epoch, loss, nll, kl, klWeight, error, kept, seconds, seconds > 0 ? samples / seconds : 0);
    }

    private double KLWeight(int epoch, int step, int stepsPerEpoch)
    {
        if (options.KLWarmupEpochs <= 0) return 1.0;
        double progress = (epoch - 1) + (double)(step + 1) / stepsPerEpoch;
        return Math.Min(1.0, progress / options.KLWarmupEpochs);
    }

    private void CheckSameRun(Checkpoint.State state, long trainingExamples, BayesianNetwork model)
    {
        var differences = new List<string>();
        // Other training data (another subset or held-out split) would change N in KL/N and what the epochs replay.
        if (state.TrainingExamples is long k && k != trainingExamples) differences.Add($"{k:N0} training examples (now {trainingExamples:N0})");
        if (state.Seed != options.Seed) differences.Add($"seed {state.Seed} (now {options.Seed})");
        if (state.BatchSize != options.BatchSize) differences.Add($"batch size {state.BatchSize} (now {options.BatchSize})");
        if (state.KLWarmupEpochs != options.KLWarmupEpochs) differences.Add($"KL warm-up {state.KLWarmupEpochs} (now {options.KLWarmupEpochs})");
        if (state.ClipsBiasVariances != ClipsBiasVariances(model))
            differences.Add(state.ClipsBiasVariances
                ? "bias variances clipped (now not: set ClipBiasVariances = true, --clip-biases on the command line)"
                : "bias variances not clipped (now clipped: set ClipBiasVariances = false, --clip-biases false on the command line)");
        if (state.Priors is { } priors && priors != PriorsOf(model))
            differences.Add($"priors {priors} (now {PriorsOf(model)})");
        if (differences.Count > 0)
            throw new ArgumentException(
                $"The checkpoint {options.CheckpointPath} was written with {string.Join(", ", differences)}; resuming exactly needs the same settings " +
                "(use them again, or start a new run with another checkpoint path).");
    }

    /// <summary>
    /// Writes the checkpoint a run has before its first epoch (no steps, Adam at its start) for a posterior trained
    /// elsewhere and loaded into <paramref name="model"/>: compressing, sweeping and plotting read it as any run's, and a
    /// resumed training (<see cref="TrainingOptions.Resume"/>) trains on from it.
    /// </summary>
    public static void SaveStartingPoint(BayesianNetwork model, TrainingOptions options, long trainingExamples)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (options.CheckpointPath is null) throw new ArgumentException("A starting point needs TrainingOptions.CheckpointPath.", nameof(options));
        using var optimizer = new FlatAdam(model.parameters(), options.LearningRate);
        Checkpoint.Save(options.CheckpointPath, model, optimizer,
            new Checkpoint.State(model.GetType().FullName ?? model.GetType().Name, 0, options.Seed, options.BatchSize, options.LearningRate, options.KLWarmupEpochs, 0, new())
            { TrainingExamples = trainingExamples, ClipsBiasVariances = ClipsBiasVariances(model), Priors = PriorsOf(model), LogVarianceLearningRateScale = options.LogVarianceLearningRateScale });
    }

    /// <summary>Whether a clipped layer of <paramref name="model"/> clips its bias variances too: it changes every step, so a resumed run must agree.</summary>
    private static bool ClipsBiasVariances(BayesianNetwork model)
        => model.BayesianLayers.Any(l => l.Layer.Options.MaxVariance is not null && l.Layer.Options.ClipBiasVariance);

    /// <summary>
    /// The distinct priors of <paramref name="model"/>'s layers with what changes their KL ("horseshoe(tau0=1E-05, Published)"):
    /// a resumed run under another τ0 would silently train towards another prior.
    /// </summary>
    internal static string PriorsOf(BayesianNetwork model)
        => string.Join(", ", model.BayesianLayers.Select(l => l.Layer.Scale switch
        {
            Layers.HorseshoeScale h => FormattableString.Invariant($"horseshoe(tau0={h.Tau0:R}, {h.GlobalScale})"),
            var other => other.Prior.ToString(),
        }).Distinct());

    /// <summary>A seed for one epoch and stream, so that any epoch can be replayed without stored RNG state.</summary>
    internal static long EpochSeed(long seed, int epoch, int stream)
    {
        unchecked
        {
            ulong h = (ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)epoch * 0xBF58476D1CE4E5B9UL ^ (ulong)stream * 0x94D049BB133111EBUL;
            h ^= h >> 31;
            h *= 0xD6E8FEB86659FD93UL;
            h ^= h >> 32;
            return (long)(h & 0x7FFFFFFFFFFFFFFFUL);
        }
    }

    private sealed class NullObserver : ITrainingObserver { }
}
