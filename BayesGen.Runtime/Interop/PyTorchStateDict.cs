using System.Collections;
using System.Text.Json;
using BayesGen.Deployment;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace BayesGen.Interop;

/// <summary>
/// PyTorch state dicts (the files <c>torch.save(model.state_dict(), path)</c> writes) in and out, without Python, through
/// TorchSharp.PyBridge. Names are PyTorch's: a TorchSharp module's field <c>fc1</c> is <c>fc1.weight</c> and
/// <c>fc1.bias</c>, the third child of a Sequential <c>features</c> is <c>features.2.weight</c>, a BatchNorm adds
/// <c>running_mean</c>, <c>running_var</c> and <c>num_batches_tracked</c>; a network written with the same member names
/// as its PyTorch original reads the original's file unchanged.
/// </summary>
public static class PyTorchStateDict
{
    /// <summary>Keys under which training scripts commonly nest the state dict in a larger checkpoint.</summary>
    private static readonly string[] Wrappers = ["state_dict", "model_state_dict", "model"];

    /// <summary>
    /// Loads the state dict in <paramref name="path"/> into <paramref name="module"/>: every parameter and buffer, all of
    /// them present with the same shapes (values are converted to the module's dtypes). A checkpoint that nests the
    /// state dict under <c>state_dict</c>, <c>model_state_dict</c> or <c>model</c> is unwrapped.
    /// </summary>
    /// <exception cref="InvalidDataException">Not a readable state dict, or the names or shapes do not match; the message lists the differences.</exception>
    public static void LoadInto(nn.Module module, string path)
        => LoadInto(module, path, rename: null,
            "Names must be those of the network's members (fc1.weight, features.0.bias); rename the members, or the keys in PyTorch before saving.");

    /// <summary>
    /// Loads a Bayesian network's posterior (a state dict of the generated Bayesian model) into <paramref name="network"/>.
    /// Names may be BayesGen's (<c>fc1.weight_mu</c>, <c>fc1.scale.z_mu</c>) or those of the group Normal-Jeffreys layers of
    /// the paper's public tutorial code (<c>LinearGroupNJ</c>, <c>Conv2dGroupNJ</c>), which keep the scale posterior in
    /// the layer itself: <c>fc1.z_mu</c> and <c>fc1.z_logvar</c> are read as <c>fc1.scale.z_mu</c> and <c>fc1.scale.z_logvar</c>.
    /// Both name the same quantities (weight means and log-variances given z = 1, bias means and log-variances, the
    /// scales' means and log-variances), so a network trained with those layers is compressed here as it stands.
    /// </summary>
    /// <exception cref="InvalidDataException">As <see cref="LoadInto(nn.Module, string)"/>.</exception>
    public static void LoadPosteriorInto(nn.Module network, string path)
        => LoadInto(network, path, TutorialToBayesGen,
            "A posterior holds, per layer, weight_mu, weight_logvar, bias_mu, bias_logvar and z_mu, z_logvar (or scale.z_mu, scale.z_logvar) " +
            "under the network's member names; a plain network's weights (fc1.weight) are a starting point for training instead (train --init-from).");

    /// <summary><c>fc1.z_mu</c> → <c>fc1.scale.z_mu</c> (likewise <c>z_logvar</c>); every other name as it is.</summary>
    public static string TutorialToBayesGen(string name)
    {
        foreach (var parameter in new[] { "z_mu", "z_logvar" })
        {
            if (name == parameter) return $"scale.{parameter}";
            if (name.EndsWith("." + parameter, StringComparison.Ordinal) && !name.EndsWith(".scale." + parameter, StringComparison.Ordinal))
                return $"{name[..^parameter.Length]}scale.{parameter}";
        }
        return name;
    }

    private static void LoadInto(nn.Module module, string path, Func<string, string>? rename, string namesHint)
    {
        var tensors = Read(path);
        try
        {
            if (rename is not null) tensors = Renamed(tensors, rename, path);   // the same tensors: disposed below either way
            var target = module.state_dict();
            var problems = Differences(target, tensors);
            if (problems.Count > 0)
                throw new InvalidDataException($"{path} does not fit {TypeName(module.GetType())}:{Environment.NewLine}" +
                                               string.Join(Environment.NewLine, problems.Select(p => "  - " + p)) + Environment.NewLine +
                                               namesHint);
            using var _ = no_grad();
            foreach (var (name, tensor) in target)
                if (tensors.TryGetValue(name, out var value)) tensor.copy_(value.to(tensor.dtype));
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>A class's name as written in C#, with the class it is nested in: LeNet300.Bayesian, not Bayesian.</summary>
    private static string TypeName(Type type) => type.DeclaringType is { } outer ? $"{TypeName(outer)}.{type.Name}" : type.Name;

    private static Dictionary<string, Tensor> Renamed(Dictionary<string, Tensor> tensors, Func<string, string> rename, string path)
    {
        var renamed = new Dictionary<string, Tensor>();
        foreach (var (name, tensor) in tensors)
            if (!renamed.TryAdd(rename(name), tensor))
                throw new InvalidDataException($"{path} holds {rename(name)} twice, under two names ({string.Join(" and ", tensors.Keys.Where(k => rename(k) == rename(name)))}); keep one.");
        return renamed;
    }

    /// <summary>Writes <paramref name="module"/>'s parameters and buffers as a PyTorch state dict.</summary>
    public static void Save(nn.Module module, string path)
        => IO.AtomicFile.Write(path, stream => module.save_py(stream, leaveOpen: true));

    /// <summary>
    /// Writes the pruned network of <paramref name="model"/> as a PyTorch state dict of the smaller architecture: each
    /// layer's kept block (<c>fc1.weight</c> of shape [kept outputs, kept inputs]) and bias, each BatchNorm's kept
    /// channels. Which units of the original survive goes to <c>&lt;path&gt;.kept.json</c> (per layer, the indices of the
    /// kept inputs and outputs), so that a PyTorch user can gather the inputs the pruned network reads.
    /// </summary>
    /// <returns>The path of the JSON file with the kept indices.</returns>
    public static string SaveCompressed(CompressedModel model, string path)
    {
        var tensors = new Dictionary<string, Tensor>();
        try
        {
            foreach (var layer in model.Layers)
            {
                tensors[$"{layer.Name}.weight"] = tensor(layer.Weights, layer.KeptShape);
                if (layer.Bias is not null) tensors[$"{layer.Name}.bias"] = tensor(layer.Bias);
            }
            foreach (var norm in model.Norms)
            {
                tensors[$"{norm.Name}.weight"] = tensor(norm.Weight);
                tensors[$"{norm.Name}.bias"] = tensor(norm.Bias);
                tensors[$"{norm.Name}.running_mean"] = tensor(norm.RunningMean);
                tensors[$"{norm.Name}.running_var"] = tensor(norm.RunningVariance);
                tensors[$"{norm.Name}.num_batches_tracked"] = tensor(0L);
            }
            IO.AtomicFile.Write(path, stream => PyTorchPickler.PickleStateDict(stream, tensors, leaveOpen: true));
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
        var kept = model.Layers.ToDictionary(l => l.Name, l => new { kept_inputs = l.KeptInputs, kept_outputs = l.KeptOutputs, original_shape = l.WeightShape });
        var keptPath = Path.ChangeExtension(path, null) + ".kept.json";
        IO.AtomicFile.WriteAllText(keptPath, JsonSerializer.Serialize(new { model = model.Model, input_shape = model.InputShape, layers = kept },
            new JsonSerializerOptions { WriteIndented = true }));
        return keptPath;
    }

    /// <summary>The tensors of a state dict file, unwrapped from a training checkpoint if need be.</summary>
    private static Dictionary<string, Tensor> Read(string path)
    {
        Hashtable table;
        try
        {
            using var stream = IO.InputFiles.Open(path, 22, 16L << 30, "a PyTorch state dict");
            table = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true);
        }
        catch (FileNotFoundException)
        {
            throw;
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            throw new InvalidDataException($"{path} is not a PyTorch state dict torch.save wrote ({e.GetType().Name}: {e.Message}).", e);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        foreach (var key in Wrappers)
            if (table.Count <= 8 && table[key] is Hashtable inner && inner.Values.OfType<Tensor>().Any()) table = inner;
        var tensors = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is not string name)
                throw new InvalidDataException($"{path}: a key of its dictionary is a {entry.Key?.GetType().Name ?? "null"}, not a parameter name.");
            if (entry.Value is Tensor t) tensors[name] = t;
            else if (entry.Value is long or int) tensors[name] = tensor(Convert.ToInt64(entry.Value));   // num_batches_tracked saved as a number
        }
        if (tensors.Count == 0) throw new InvalidDataException($"{path} holds no tensors; save model.state_dict() with torch.save.");
        return tensors;
    }

    /// <summary>Missing names, unexpected names and shape mismatches, at most ten of each, with counts.</summary>
    private static List<string> Differences(IDictionary<string, Tensor> target, IReadOnlyDictionary<string, Tensor> file)
    {
        var problems = new List<string>();
        void Add(string what, IReadOnlyList<string> names)
        {
            if (names.Count > 0) problems.Add($"{what} ({names.Count}): {string.Join(", ", names.Take(10))}{(names.Count > 10 ? ", …" : "")}");
        }
        // A BatchNorm's batch counter only matters with momentum=None; PyTorch and TorchSharp differ in saving it.
        static bool Optional(string name) => name.EndsWith(".num_batches_tracked", StringComparison.Ordinal);
        Add("missing from the file", target.Keys.Where(k => !file.ContainsKey(k) && !Optional(k)).ToList());
        Add("in the file but not in the network", file.Keys.Where(k => !target.ContainsKey(k) && !Optional(k)).Order(StringComparer.Ordinal).ToList());
        Add("shapes differ (file vs network)", target.Where(p => file.TryGetValue(p.Key, out var t) && !t.shape.SequenceEqual(p.Value.shape))
            .Select(p => $"{p.Key} [{string.Join(", ", file[p.Key].shape)}] vs [{string.Join(", ", p.Value.shape)}]").ToList());
        return problems;
    }
}
