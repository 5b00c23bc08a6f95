using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Training;

/// <summary>Device names as users give them, and moving batches to where the model computes.</summary>
public static class Devices
{
    /// <summary>
    /// The device <paramref name="name"/> names: <c>cpu</c>, <c>cuda</c> (the first GPU), <c>cuda:N</c>, or <c>auto</c>
    /// (the first GPU when this process has CUDA, else the CPU).
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name, or a GPU this process cannot use; the message says why and what to do.</exception>
    public static Device Resolve(string name)
    {
        var text = name.Trim().ToLowerInvariant();
        if (text == "cpu") return CPU;
        if (text == "auto") return CudaAvailable() ? CUDA : CPU;
        if (text == "cuda" || text.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (text.Length > 4 && (!int.TryParse(text.AsSpan(5), out index) || index < 0))
                throw new ArgumentException($"'{name}' is not a device; write cuda:0, cuda:1, …");
            if (!CudaAvailable())
                throw new ArgumentException($"CUDA was asked for ('{name}') but this process cannot use a GPU: it runs TorchSharp's CPU build, or no NVIDIA " +
                                            "driver and device are present. Build with -p:TorchBackend=cuda-linux (or cuda-windows) on a machine with an NVIDIA " +
                                            "driver, or use --device cpu (auto picks the GPU when there is one).");
            int count = cuda.device_count();
            if (index >= count)
                throw new ArgumentException($"'{name}' does not exist: this machine has {count} CUDA device{(count == 1 ? "" : "s")} (cuda:0{(count > 1 ? $" to cuda:{count - 1}" : "")}).");
            return new Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"'{name}' is not a device; use cpu, cuda, cuda:N or auto.");
    }

    /// <summary>Whether this process can use CUDA (false, not an exception, on a CPU-only build).</summary>
    public static bool CudaAvailable()
    {
        try
        {
            InitializeDeviceType(DeviceType.CUDA);   // loads the CUDA backend where the build has one; throws on a CPU-only build
            return cuda.is_available();
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or InvalidOperationException
                                       or System.Runtime.InteropServices.ExternalException)
        {
            return false;
        }
    }

    /// <summary>Whether two devices are the same (cuda and cuda:0 are).</summary>
    public static bool Same(Device a, Device b)
        => a.type == b.type && (a.type == DeviceType.CPU || Math.Max(a.index, 0) == Math.Max(b.index, 0));

    /// <summary>A batch on <paramref name="device"/>: the same tensors when they are there already, else copies (the originals are disposed).</summary>
    public static (Tensor Input, Tensor Target) Move(Tensor input, Tensor target, Device device)
    {
        if (Same(input.device, device) && Same(target.device, device)) return (input, target);
        var moved = (input.to(device), target.to(device));
        if (!ReferenceEquals(moved.Item1, input)) input.Dispose();
        if (!ReferenceEquals(moved.Item2, target)) target.Dispose();
        return moved;
    }
}
