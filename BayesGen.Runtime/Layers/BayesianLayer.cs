using BayesGen.Graph;
using BayesGen.Priors;
using BayesGen.Tracing;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using BayesGen.Torch;

namespace BayesGen.Layers;

/// <summary>
/// A Linear or Conv2d layer with a group scale prior: q(w | z) = N(z·μ, z²σ²) per weight and q(z) from the
/// layer's <see cref="GroupScale"/>. In training mode the forward pass samples with the local
/// reparameterisation trick; in evaluation mode it is deterministic, with the posterior means
/// E[w] = E[z]·μ and, where masks are set, the pruned rows, columns or channels removed (zeroed).
/// </summary>
public abstract class BayesianLayer : nn.Module<Tensor, Tensor>
{
    /// <summary>Added under square roots of activation variances so gradients stay finite at zero variance.</summary>
    protected const double VarianceFloor = 1e-8;

    private readonly Parameter weight_mu;
    private readonly Parameter weight_logvar;
    private readonly Parameter? bias_mu;
    private readonly Parameter? bias_logvar;
    private readonly GroupScale scale;
    private bool isTraining = true;
    private Tensor? inputMask;
    private Tensor? outputMask;
    private Tensor? fixedWeight;
    private Tensor? fixedBias;
    private InputSums? inputSums;

    /// <summary>Builds the layer around initial weight means and a scale posterior.</summary>
    protected BayesianLayer(string name, Tensor weightMean, Tensor? biasMean, GroupScale scale, LayerOptions options)
        : base(name)
    {
        Options = options;
        var logVarShape = weightMean.shape;
        weight_mu = Parameters.Create(weightMean.detach().clone());
        weight_logvar = Parameters.Normal(logVarShape, options.InitialLogVariance, 1e-2, options.InitGenerator);
        if (biasMean is not null)
        {
            bias_mu = Parameters.Create(biasMean.detach().clone());
            bias_logvar = Parameters.Normal(biasMean.shape, options.InitialLogVariance, 1e-2, options.InitGenerator);
        }
        this.scale = scale;
        if (options.MaxVariance is double clip && !(clip > 0 && double.IsFinite(clip)))
            throw new ArgumentOutOfRangeException(nameof(options), clip, "The variance clip must be finite and greater than 0.");
        RegisterComponents();
    }

    /// <summary>Per-layer settings: clipping, threshold, initialisation.</summary>
    public LayerOptions Options { get; }

    /// <summary>The posterior over this layer's group scales.</summary>
    public GroupScale Scale => scale;

    /// <summary>μ: the posterior means of the weights given z = 1.</summary>
    public Parameter WeightMu => weight_mu;

    /// <summary>log σ²: the posterior log-variances of the weights given z = 1.</summary>
    public Parameter WeightLogVariance => weight_logvar;

    /// <summary>The posterior means of the biases, or null for a layer without bias.</summary>
    public Parameter? BiasMu => bias_mu;

    /// <summary>The posterior log-variances of the biases, or null for a layer without bias.</summary>
    public Parameter? BiasLogVariance => bias_logvar;

    /// <summary>Every log-variance parameter of the layer: the weights', the biases' and the group scales'.</summary>
    public IEnumerable<Parameter> LogVarianceParameters()
    {
        yield return weight_logvar;
        if (bias_logvar is not null) yield return bias_logvar;
        foreach (var p in scale.LogVarianceParameters()) yield return p;
    }

    /// <summary>Which axis of the weight the groups run along.</summary>
    public abstract GroupLayout Layout { get; }

    /// <summary>The layer's kind as recorded in reports and artifacts.</summary>
    public abstract LayerKind Kind { get; }

    /// <summary>Input units: features of a Linear layer, channels of a convolution.</summary>
    public abstract long InputUnits { get; }

    /// <summary>Output units: features of a Linear layer, channels of a convolution.</summary>
    public abstract long OutputUnits { get; }

    /// <summary>The number of groups (input features of a Linear layer, output channels of a convolution).</summary>
    public long Groups => scale.Groups;

    /// <summary>The random generator the training forward draws its noise from (null: TorchSharp's default).</summary>
    public Generator? NoiseGenerator { get; set; }

    /// <summary>Whether the layer samples (training) or uses posterior means (evaluation).</summary>
    public bool IsTraining => isTraining;

    /// <summary>The kept input units used by the deterministic forward, or null when all are kept.</summary>
    public Tensor? InputMask => inputMask;

    /// <summary>The kept output units used by the deterministic forward, or null when all are kept.</summary>
    public Tensor? OutputMask => outputMask;

    /// <summary>Whether masks or fixed weights change the deterministic forward.</summary>
    public bool IsPruned => inputMask is not null || outputMask is not null || fixedWeight is not null;

    /// <summary>
    /// Starts summing, per input unit, what the deterministic forward receives (null stops it). How
    /// <see cref="Compression.InputMeans"/> measures each layer's mean input in any network, whatever its forward.
    /// </summary>
    internal void RecordInputs(InputSums? sums) => inputSums = sums;

    /// <summary>
    /// Adds an input batch to the running sums when measuring input means; called by the evaluation forward with the
    /// axis that holds the input units (1 for a convolution, the last for a Linear layer).
    /// </summary>
    protected void ObserveInput(Tensor input, int axis) => inputSums?.Add(input, axis);

    /// <summary>The layer's path in the network that holds it (<c>fc1</c>, <c>features.0</c>), once the network has found it.</summary>
    public string? Path { get; internal set; }

    /// <summary>
    /// Refuses an input whose dimension <paramref name="axis"/> does not hold this layer's input units, naming the layer and
    /// both sizes: LibTorch would fail inside the sampling with a broadcast error that names neither (sizes written as
    /// numbers that do not fit what reaches the layer, <c>Linear(16 * 5 * 5, …)</c> after 4×4 maps).
    /// </summary>
    protected void RequireInputUnits(Tensor input, int axis)
    {
        if (axis >= 0 && axis < input.dim() && input.shape[axis] == InputUnits) return;
        string what = Kind == LayerKind.Linear ? "input features (its last dimension)" : "input channels (dimension 1)";
        throw new ArgumentException($"{Kind} layer '{Path ?? GetName()}' ({InputUnits} → {OutputUnits}) takes {InputUnits} {what}, but received a tensor of shape " +
            $"[{string.Join(", ", input.shape)}]: the network's sizes do not fit together before this layer; correct the layer's input size or what forward gives it.", nameof(input));
    }

    /// <summary>Reports this layer's application to the graph recorder (when one runs) and returns <paramref name="output"/>.</summary>
    protected Tensor Recorded(Tensor input, Tensor output)
    {
        GraphTracer.Current?.RecordModule(this, path => new LayerOp(path), output, input);
        return output;
    }

    public override void train(bool train = true)
    {
        base.train(train);
        isTraining = train;
    }

    /// <summary>KL(q ‖ p) of the layer: the scale term plus the weight and bias terms.</summary>
    public Tensor KL()
    {
        using var d = NewDisposeScope();
        return scale.KL().Plus(WeightKL()).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The weight and bias part of the KL, Σ ½(−log σ² + σ² + μ² − 1) over weights and biases (differentiable).
    /// </summary>
    public Tensor WeightKL()
    {
        using var d = NewDisposeScope();
        var kl = GaussianKL.ToStandardNormal(weight_mu, weight_logvar);
        if (bias_mu is not null && bias_logvar is not null)
            kl = kl.Plus(GaussianKL.ToStandardNormal(bias_mu, bias_logvar));
        return kl.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Adds <paramref name="scale"/> times the gradient of <see cref="WeightKL"/> to the weight and bias
    /// gradients, in closed form: ∂/∂μ = μ and ∂/∂log σ² = ½(σ² − 1). The trainer uses this instead of
    /// differentiating the KL through autograd: the same gradient with a fraction of the operations on the
    /// layer's largest tensors. Gradients that do not exist yet are created.
    /// </summary>
    public void AddWeightKLGradient(double scale)
    {
        if (scale == 0) return;
        using var d = NewDisposeScope();
        using var _ = no_grad();
        AddGaussianKLGradient(weight_mu, weight_logvar, scale);
        if (bias_mu is not null && bias_logvar is not null)
            AddGaussianKLGradient(bias_mu, bias_logvar, scale);
    }

    private static void AddGaussianKLGradient(Parameter mu, Parameter logVar, double scale)
    {
        AccumulateGradient(mu, mu, scale);
        AccumulateGradient(logVar, logVar.exp().SubScalar_(1.0), 0.5 * scale);
    }

    private static void AccumulateGradient(Parameter parameter, Tensor direction, double scale)
    {
        var grad = parameter.grad;
        if (grad is null)
        {
            parameter.grad = direction.MulScalar(scale);
            return;
        }
        grad.AddScaled_(direction, scale);
    }

    /// <summary>
    /// Applies the post-step constraints: log σ²_W ≤ log(<see cref="LayerOptions.MaxVariance"/>) when a clip
    /// is set (and log σ²_b too with <see cref="LayerOptions.ClipBiasVariance"/>), and the scale posterior's own clamps.
    /// </summary>
    public void ClipVariances()
    {
        if (Options.MaxVariance is double clip)
        {
            using (no_grad())
            {
                weight_logvar.ClampMax_(Math.Log(clip));
                if (Options.ClipBiasVariance) bias_logvar?.ClampMax_(Math.Log(clip));
            }
        }
        scale.ClampAfterStep();
    }

    /// <summary>E[w] = E[z]·μ, the posterior mean of every weight (no mask applied).</summary>
    public Tensor WeightMean()
    {
        using var d = NewDisposeScope();
        using var meanZ = scale.Mean();
        return PosteriorMoments.Mean(meanZ, weight_mu, Layout).MoveToOuterDisposeScope();
    }

    /// <summary>Var[w] = E[z]²σ² + Var[z](μ² + σ²), the posterior variance of every weight.</summary>
    public Tensor WeightVariance()
    {
        using var d = NewDisposeScope();
        return PosteriorMoments.Variance(scale.Mean(), scale.Variance(), weight_mu, weight_logvar.exp(), Layout)
            .MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The posterior mean of the bias as the layer's forward pass uses it: μ_b for a Linear layer, E[z_c]·μ_b
    /// for a convolution (its training forward scales the bias by z, so the mean bias is scaled by E[z]; the
    /// reference code's deterministic conv path forgets this). Null for a layer without bias.
    /// </summary>
    public abstract Tensor? BiasMean();

    /// <summary>Sets the masks the deterministic forward applies (bool tensors, or null for "keep all").</summary>
    public void SetMasks(Tensor? input, Tensor? output)
    {
        if (input is not null && input.shape[0] != InputUnits)
            throw new ArgumentException($"The input mask has {input.shape[0]} entries; layer '{GetName()}' has {InputUnits} input units.", nameof(input));
        if (output is not null && output.shape[0] != OutputUnits)
            throw new ArgumentException($"The output mask has {output.shape[0]} entries; layer '{GetName()}' has {OutputUnits} output units.", nameof(output));
        inputMask?.Dispose();
        outputMask?.Dispose();
        using var d = NewDisposeScope();
        // Masks live on the layer's device (masks are computed on the CPU; the layer may be on a GPU).
        inputMask = input?.detach().to(ScalarType.Bool, WeightMu.device).DetachFromDisposeScope();
        outputMask = output?.detach().to(ScalarType.Bool, WeightMu.device).DetachFromDisposeScope();
    }

    /// <summary>Removes the masks and fixed weights: the deterministic forward then uses every posterior mean.</summary>
    public void ClearMasks()
    {
        SetMasks(null, null);
        SetFixedWeights(null, null);
    }

    /// <summary>
    /// Makes the deterministic forward use exactly these dense weights and bias (full layer shape; pruned
    /// entries zero) instead of the masked posterior means: how the pruned and quantised network is evaluated.
    /// Null removes them.
    /// </summary>
    public void SetFixedWeights(Tensor? weight, Tensor? bias)
    {
        if (weight is not null && !weight.shape.SequenceEqual(WeightMu.shape))
            throw new ArgumentException($"Fixed weights of shape [{string.Join(", ", weight.shape)}] do not match layer '{GetName()}' [{string.Join(", ", WeightMu.shape)}].", nameof(weight));
        fixedWeight?.Dispose();
        fixedBias?.Dispose();
        using var d = NewDisposeScope();
        fixedWeight = weight?.detach().to(WeightMu.dtype, WeightMu.device, copy: true).DetachFromDisposeScope();
        fixedBias = bias?.detach().to(WeightMu.dtype, WeightMu.device, copy: true).DetachFromDisposeScope();
    }

    /// <summary>
    /// The weight the deterministic forward uses: E[w] with pruned output rows and input columns (channels)
    /// set to zero.
    /// </summary>
    public Tensor DeterministicWeight()
    {
        if (fixedWeight is not null) return fixedWeight.alias();
        using var d = NewDisposeScope();
        var w = WeightMean();
        if (outputMask is not null)
            w = w * UnitsAlong(outputMask, 0, (int)w.dim());
        if (inputMask is not null)
            w = w * UnitsAlong(inputMask, 1, (int)w.dim());
        return w.MoveToOuterDisposeScope();
    }

    /// <summary>The bias the deterministic forward uses: <see cref="BiasMean"/> with pruned outputs set to zero.</summary>
    public Tensor? DeterministicBias()
    {
        if (fixedWeight is not null) return fixedBias?.alias();
        using var d = NewDisposeScope();
        var b = BiasMean();
        if (b is null) return null;
        if (outputMask is not null)
            b = b * outputMask.to(b.dtype);
        return b.MoveToOuterDisposeScope();
    }

    private static Tensor UnitsAlong(Tensor mask, int axis, int rank)
    {
        var shape = Enumerable.Repeat(1L, rank).ToArray();
        shape[axis] = -1;
        return mask.to(ScalarType.Float32).reshape(shape);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inputMask?.Dispose();
            outputMask?.Dispose();
            fixedWeight?.Dispose();
            fixedBias?.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>The layer kinds BayesGen makes Bayesian.</summary>
public enum LayerKind
{
    /// <summary>A fully connected layer; groups are its input features.</summary>
    Linear = 0,

    /// <summary>A 2-D convolution; groups are its output channels.</summary>
    Conv2d = 1,

    /// <summary>A 1-D convolution; groups are its output channels.</summary>
    Conv1d = 2,
}
