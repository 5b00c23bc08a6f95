using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using BayesGen.Torch;

namespace BayesGen.Training;

/// <summary>
/// Adam (Kingma and Ba; the update of <c>torch.optim.Adam</c> without weight decay) over all parameters at
/// once. On construction every parameter is moved into one contiguous buffer (the parameter becomes a view of
/// it, via <c>set_</c>) and gets a view of one contiguous gradient buffer, into which autograd accumulates in
/// place. A step is then a handful of operations on three flat tensors instead of nine per parameter, and
/// zeroing the gradients is one operation. The model keeps working as before: its parameters are ordinary
/// tensors that happen to share storage.
/// </summary>
/// <remarks>
/// Build the optimizer after moving the model to its device (moving replaces parameter tensors).
/// Parameter groups (<see cref="ParameterGroup"/>) give some parameters a multiple of the learning rate, as
/// <c>torch.optim</c>'s parameter groups with their own <c>lr</c> do; the multiples are one more flat tensor.
/// </remarks>
public sealed class FlatAdam : IDisposable
{
    private readonly Parameter[] parameters;
    private readonly Tensor values, gradients, firstMoment, secondMoment, denominator;
    private readonly Tensor? stepScales;   // per element, the group's multiple of the learning rate; null when all are 1
    private readonly double beta1, beta2, epsilon;

    /// <summary>Gathers <paramref name="parameters"/> into flat buffers and creates zero moment estimates.</summary>
    public FlatAdam(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
        : this(new[] { new ParameterGroup(parameters) }, learningRate, beta1, beta2, epsilon)
    {
    }

    /// <summary>
    /// Gathers the groups' parameters into flat buffers; a group's parameters step with its
    /// <see cref="ParameterGroup.LearningRateScale"/> times <see cref="LearningRate"/>. A parameter may belong to one group only.
    /// </summary>
    public FlatAdam(IEnumerable<ParameterGroup> groups, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        if (!(learningRate > 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be > 0.");
        if (beta1 < 0 || beta1 >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β1 must lie in [0, 1).");
        if (beta2 < 0 || beta2 >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β2 must lie in [0, 1).");
        var members = GroupMembers(groups);
        this.parameters = members.Select(m => m.Parameter).ToArray();
        if (this.parameters.Length == 0) throw new ArgumentException("There is nothing to optimise.", nameof(groups));
        var device = this.parameters[0].device;
        var dtype = this.parameters[0].dtype;
        if (this.parameters.Any(p => p.device.type != device.type || p.device.index != device.index || p.dtype != dtype))
            throw new ArgumentException("All parameters must share one device and one element type.", nameof(parameters));
        LearningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        long total = this.parameters.Sum(p => p.numel());
        values = empty(total, dtype: dtype, device: device).DetachFromDisposeScope();
        gradients = zeros(total, dtype: dtype, device: device).DetachFromDisposeScope();
        firstMoment = zeros(total, dtype: dtype, device: device).DetachFromDisposeScope();
        secondMoment = zeros(total, dtype: dtype, device: device).DetachFromDisposeScope();
        denominator = empty(total, dtype: dtype, device: device).DetachFromDisposeScope();
        if (members.Any(m => m.Scale != 1)) stepScales = StepScales(members, dtype, device).DetachFromDisposeScope();
        using (no_grad())
        using (NewDisposeScope())
        {
            long offset = 0;
            foreach (var p in this.parameters)
            {
                long n = p.numel();
                var valueView = values.narrow(0, offset, n).view(p.shape);
                valueView.copy_(p);
                p.set_(valueView);
                var existing = p.grad;
                var gradView = gradients.narrow(0, offset, n).view(p.shape);
                if (existing is not null) gradView.copy_(existing);
                // The parameter keeps its own reference to the view; the wrappers here go with the scope.
                p.grad = gradView;
                offset += n;
            }
        }
    }

    /// <summary>Every parameter once, with its group's scale; a parameter in two groups with different scales is refused.</summary>
    private static List<(Parameter Parameter, double Scale)> GroupMembers(IEnumerable<ParameterGroup> groups)
    {
        var members = new List<(Parameter, double)>();
        var scaleOf = new Dictionary<Parameter, double>(ReferenceEqualityComparer.Instance);
        foreach (var group in groups)
        {
            foreach (var p in group.Parameters)
            {
                if (scaleOf.TryGetValue(p, out double earlier))
                {
                    if (earlier != group.LearningRateScale)
                        throw new ArgumentException($"A parameter of shape [{string.Join(", ", p.shape)}] is in two groups, with learning-rate scales {earlier} and {group.LearningRateScale}; give each parameter one group.", nameof(groups));
                    continue;
                }
                scaleOf.Add(p, group.LearningRateScale);
                members.Add((p, group.LearningRateScale));
            }
        }
        return members;
    }

    /// <summary>The flat tensor of each element's learning-rate scale, in the buffers' order.</summary>
    private static Tensor StepScales(List<(Parameter Parameter, double Scale)> members, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        var runs = members.Select(m => ones(m.Parameter.numel(), dtype: dtype, device: device).MulScalar_(m.Scale)).ToArray();
        return cat(runs, 0).MoveToOuterDisposeScope();
    }

    /// <summary>The step size α.</summary>
    public double LearningRate { get; set; }

    /// <summary>Steps taken so far (bias correction depends on it).</summary>
    public long Steps { get; private set; }

    /// <summary>The number of scalar parameters.</summary>
    public long Count => values.numel();

    /// <summary>Sets every gradient to zero, in place.</summary>
    public void ZeroGrad() => gradients.zero_();

    /// <summary>
    /// m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  θ ← θ − s·α/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε),
    /// s the element's group scale (1 without groups).
    /// </summary>
    public void Step()
    {
        Steps++;
        double correction1 = 1 - Math.Pow(beta1, Steps);
        double correction2 = 1 - Math.Pow(beta2, Steps);
        using var _ = no_grad();
        firstMoment.MulScalar_(beta1).AddScaled_(gradients, 1 - beta1);
        secondMoment.MulScalar_(beta2).AddProduct_(gradients, gradients, 1 - beta2);
        denominator.copy_(secondMoment).sqrt_().MulScalar_(1.0 / Math.Sqrt(correction2)).AddScalar_(epsilon);
        if (stepScales is not null) denominator.div_(stepScales);   // s·m/d as m/(d/s): one operation more, none when all are 1
        values.AddQuotient_(firstMoment, denominator, -LearningRate / correction1);
    }

    /// <summary>Writes the step count and both moment estimates.</summary>
    public void Save(BinaryWriter writer)
    {
        writer.Write(Steps);
        writer.Write(Count);
        Write(writer, firstMoment);
        Write(writer, secondMoment);
    }

    /// <summary>Restores what <see cref="Save"/> wrote; the parameter count must match.</summary>
    public void Load(BinaryReader reader)
    {
        long steps = reader.ReadInt64();
        long count = reader.ReadInt64();
        if (count != Count)
            throw new InvalidDataException($"The optimiser state is for {count} parameters; this model has {Count}.");
        Read(reader, firstMoment);
        Read(reader, secondMoment);
        Steps = steps;
    }

    private static void Write(BinaryWriter writer, Tensor t)
    {
        using var cpu = t.cpu().contiguous();
        writer.Write(cpu.bytes);
    }

    private static void Read(BinaryReader reader, Tensor target)
    {
        using var cpu = target.cpu().contiguous();
        var bytes = reader.ReadBytes((int)(cpu.numel() * cpu.ElementSize));
        if (bytes.Length != cpu.numel() * cpu.ElementSize)
            throw new InvalidDataException("The optimiser state is truncated.");
        cpu.bytes = bytes;
        using var _ = no_grad();
        target.copy_(cpu);
    }

    /// <summary>Frees the optimiser's buffers (the parameters keep their storage alive).</summary>
    public void Dispose()
    {
        values.Dispose();
        gradients.Dispose();
        firstMoment.Dispose();
        secondMoment.Dispose();
        denominator.Dispose();
        stepScales?.Dispose();
    }
}
