using System.Runtime.InteropServices;
using TorchSharp;

namespace BayesGen.Torch;

/// <summary>
/// Works around a defect of the LibTorch 2.10 CPU build TorchSharp 0.107 ships: its oneDNN (mkldnn) float32
/// convolution backward pass for the input gradient sometimes reads uninitialised memory in the channel
/// padding of its blocked layout. The input gradient then holds NaNs, or silently wrong values, depending on
/// what the memory held (measured here: 8 of 18 first backward passes of a 8→12-channel 3×3 convolution,
/// compared with the same computation in float64; 0 of 18 with oneDNN off). BayesGen therefore turns oneDNN
/// off for the process before the first convolution runs; LibTorch then uses its im2col + BLAS convolution,
/// which computes the same function. NNPACK is switched off too: LibTorch cannot initialise it on such
/// machines and would print a warning at every convolution.
/// </summary>
/// <remarks>
/// Set the environment variable BAYESGEN_KEEP_ONEDNN=1 to leave LibTorch's settings alone. The switches are
/// LibTorch's own (<c>at::globalContext().setUserEnabledMkldnn</c>, the C++ side of Python's
/// <c>torch.backends.mkldnn.enabled = False</c>), reached through their exported symbols because TorchSharp
/// does not bind them. Where a symbol cannot be found (another LibTorch build or platform) nothing changes.
/// </remarks>
public static class LibTorchFixes
{
    private static int applied;

    /// <summary>Whether oneDNN was switched off by <see cref="Apply"/> in this process.</summary>
    public static bool OneDnnDisabled { get; private set; }

    /// <summary>Applies the workaround once per process (later calls do nothing).</summary>
    public static void Apply()
    {
        if (Interlocked.Exchange(ref applied, 1) == 1) return;
        if (Environment.GetEnvironmentVariable("BAYESGEN_KEEP_ONEDNN") == "1") return;
        try
        {
            // Make sure LibTorch is loaded before its symbols are looked up.
            using (torch.zeros(1)) { }
            var context = GlobalContext();
            if (context == IntPtr.Zero) return;
            SetUserEnabledMkldnn(context, false);
            SetUserEnabledNnpack(context, false);
            OneDnnDisabled = !UserEnabledMkldnn(context);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // Another LibTorch build: leave it as it is.
        }
    }

    private static IntPtr GlobalContext()
        => OperatingSystem.IsWindows() ? Windows.globalContext() : Itanium.globalContext();

    private static void SetUserEnabledMkldnn(IntPtr context, bool value)
    {
        if (OperatingSystem.IsWindows()) Windows.setUserEnabledMkldnn(context, value);
        else Itanium.setUserEnabledMkldnn(context, value);
    }

    private static void SetUserEnabledNnpack(IntPtr context, bool value)
    {
        if (OperatingSystem.IsWindows()) Windows.setUserEnabledNNPACK(context, value);
        else Itanium.setUserEnabledNNPACK(context, value);
    }

    private static bool UserEnabledMkldnn(IntPtr context)
        => OperatingSystem.IsWindows() ? Windows.userEnabledMkldnn(context) : Itanium.userEnabledMkldnn(context);

    /// <summary>Linux and macOS: Itanium C++ ABI names.</summary>
    private static class Itanium
    {
        [DllImport("torch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
        public static extern IntPtr globalContext();

        [DllImport("torch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
        public static extern void setUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool value);

        [DllImport("torch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
        public static extern void setUserEnabledNNPACK(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool value);

        [DllImport("torch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool userEnabledMkldnn(IntPtr context);
    }

    /// <summary>Windows: MSVC decorated names.</summary>
    private static class Windows
    {
        [DllImport("torch_cpu", EntryPoint = "?globalContext@at@@YAAEAVContext@1@XZ")]
        public static extern IntPtr globalContext();

        [DllImport("torch_cpu", EntryPoint = "?setUserEnabledMkldnn@Context@at@@QEAAX_N@Z")]
        public static extern void setUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool value);

        [DllImport("torch_cpu", EntryPoint = "?setUserEnabledNNPACK@Context@at@@QEAAX_N@Z")]
        public static extern void setUserEnabledNNPACK(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool value);

        [DllImport("torch_cpu", EntryPoint = "?userEnabledMkldnn@Context@at@@QEBA_NXZ")]
        [return: MarshalAs(UnmanagedType.I1)]
        public static extern bool userEnabledMkldnn(IntPtr context);
    }
}
