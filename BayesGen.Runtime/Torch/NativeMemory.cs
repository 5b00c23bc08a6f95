using System.Runtime.InteropServices;

namespace BayesGen.Torch;

/// <summary>
/// Tunes the C allocator LibTorch uses on Linux (glibc) for training loops.
/// </summary>
/// <remarks>
/// A training step frees and allocates the same large buffers (activations, gradients) every time. glibc
/// serves allocations above its mmap threshold with fresh <c>mmap</c> pages and returns them on free, so each
/// step pays for zeroed pages and page faults (about a tenth of the step on LeNet-300-100, measured with
/// <c>perf</c>). Raising the mmap and trim thresholds keeps freed buffers in the heap for reuse. This is the
/// same as starting the process with MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ set. It does nothing
/// where glibc is not the allocator.
/// </remarks>
public static class NativeMemory
{
    private const int MallocTrimThreshold = -1;   // M_TRIM_THRESHOLD
    private const int MallocMmapThreshold = -3;   // M_MMAP_THRESHOLD
    private const int MaxMmapThreshold = 32 * 1024 * 1024; // glibc's ceiling on 64-bit systems
    private static int tuned;

    /// <summary>Raises glibc's mmap and trim thresholds once per process; returns whether it applied.</summary>
    public static bool TuneForTraining()
    {
        if (!OperatingSystem.IsLinux()) return false;
        if (Interlocked.Exchange(ref tuned, 1) == 1) return true;
        try
        {
            return mallopt(MallocMmapThreshold, MaxMmapThreshold) == 1
                && mallopt(MallocTrimThreshold, 2 * MaxMmapThreshold) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}
