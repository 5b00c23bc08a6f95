using System.Diagnostics;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace BayesGen.Torch;

/// <summary>
/// Decides, once per process and before its first convolution, whether LibTorch's oneDNN (mkldnn) convolution may
/// be used. LibTorch 2.10's CPU build has been seen to compute wrong float32 convolutions with oneDNN on some
/// machines: input gradients holding NaN or values off by 1 % (reads of uninitialised channel padding in its
/// blocked layout), and a forward pass off by up to 2 against float64 on an AVX-512 EPYC. Whether a machine is
/// affected is not known in advance, so BayesGen checks: it runs a few float32 convolutions and their input and weight gradients
/// with oneDNN on, on shapes that exercised the failing kernels, compares each with the same computation in
/// float64, and keeps oneDNN only if every one agrees. Otherwise LibTorch uses its im2col + BLAS convolution,
/// which computes the same function. NNPACK, which cannot initialise on such machines and would warn at every
/// call, is switched off either way.
/// </summary>
/// <remarks>
/// <para>The environment variable <c>BAYESGEN_ONEDNN</c> overrides the check: <c>off</c> switches oneDNN off,
/// <c>on</c> leaves LibTorch's setting alone without checking, <c>auto</c> (or unset) checks.
/// <c>BAYESGEN_KEEP_ONEDNN=1</c>, an older spelling, means <c>on</c>. <see cref="Decision"/> says what was
/// decided and why; the command line prints it.</para>
/// <para>A check passing cannot prove that a defect which depends on what uninitialised memory holds will never
/// show: where results matter more than speed, set <c>BAYESGEN_ONEDNN=off</c>. The switches are LibTorch's own
/// (<c>at::globalContext().setUserEnabledMkldnn</c>, the C++ side of <c>torch.backends.mkldnn.enabled</c>), reached
/// through their exported symbols because TorchSharp does not bind them; where a symbol is missing (another
/// LibTorch build or platform) nothing changes and the decision says so.</para>
/// </remarks>
public static class LibTorchFixes
{
    private static readonly object Gate = new();
    private static bool applied;

    /// <summary>Largest difference from float64, relative to the largest magnitude, a correct float32 convolution stays under.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>Whether oneDNN is off for convolutions in this process (after <see cref="Apply"/>).</summary>
    public static bool OneDnnDisabled { get; private set; }

    /// <summary>What <see cref="Apply"/> decided and why, in one line (null before it ran).</summary>
    public static string? Decision { get; private set; }

    /// <summary>The worst relative difference the check measured with oneDNN on (null when it did not run).</summary>
    public static double? MeasuredDifference { get; private set; }

    /// <summary>Decides once per process (later calls do nothing).</summary>
    public static void Apply()
    {
        lock (Gate)
        {
            if (applied) return;
            applied = true;
            try
            {
                Decide();
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                Decision = "oneDNN: LibTorch's switches were not found in this build; its own setting stays.";
            }
        }
    }

    private static void Decide()
    {
        // Make sure LibTorch is loaded before its symbols are looked up.
        using (zeros(1)) { }
        var context = GlobalContext();
        if (context == IntPtr.Zero)
        {
            Decision = "oneDNN: LibTorch's context was not found; its own setting stays.";
            return;
        }
        SetUserEnabledNnpack(context, false);
        var choice = (Environment.GetEnvironmentVariable("BAYESGEN_ONEDNN") ?? "").Trim().ToLowerInvariant();
        if (choice is "" or "auto" && Environment.GetEnvironmentVariable("BAYESGEN_KEEP_ONEDNN") == "1") choice = "on";
        switch (choice)
        {
            case "off":
                SetUserEnabledMkldnn(context, false);
                OneDnnDisabled = true;
                Decision = "oneDNN: off (BAYESGEN_ONEDNN=off).";
                return;
            case "on":
                OneDnnDisabled = !UserEnabledMkldnn(context);
                Decision = $"oneDNN: {(OneDnnDisabled ? "off" : "on")} as LibTorch set it, not checked (BAYESGEN_ONEDNN=on).";
                return;
        }
        SetUserEnabledMkldnn(context, true);
        var clock = Stopwatch.StartNew();
        double worst = Check();
        MeasuredDifference = worst;
        bool agrees = worst <= Tolerance;
        SetUserEnabledMkldnn(context, agrees);
        OneDnnDisabled = !agrees;
        Decision = agrees
            ? $"oneDNN: on; its float32 convolutions agreed with float64 within {worst:G2} (checked in {clock.Elapsed.TotalMilliseconds:F0} ms; BAYESGEN_ONEDNN=off turns it off)."
            : $"oneDNN: off; its float32 convolutions {Disagreement(worst)} on this machine, so LibTorch's im2col convolution is used (BAYESGEN_ONEDNN=on keeps oneDNN).";
    }

    /// <summary>How the float32 convolutions went wrong: by how much, or (a NaN or an infinity) that they broke.</summary>
    internal static string Disagreement(double worst)
        => double.IsFinite(worst)
            ? $"differed from float64 by {worst:G3} (relative)"
            : "gave NaN or infinity where float64 gave finite values";

    /// <summary>
    /// The largest relative difference between float32 convolutions (as the current setting computes them) and
    /// float64 ones: forward passes on the shapes that went wrong (20→50 5×5 on 12×12, a 17-channel input as
    /// pruning leaves them, inputs after ReLU), and input and weight gradients of 3×3 convolutions with channel
    /// counts that are not multiples of the blocked layout's 16 (training needs both), each twice on fresh
    /// allocations.
    /// </summary>
    internal static double Check()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var generator = new Generator(20251129);
        double worst = 0;
        for (int round = 0; round < 2; round++)
        {
            foreach (var (batch, cin, cout, kernel, size) in new[] { (64, 20, 50, 5, 12), (24, 17, 50, 5, 12), (32, 1, 20, 5, 28) })
            {
                var x = nn.functional.relu(randn(new long[] { batch, cin, size, size }, generator: generator));
                var w = randn(new long[] { cout, cin, kernel, kernel }, generator: generator).MulScalar_(0.1);
                var b = randn(new long[] { cout }, generator: generator);
                var y = nn.functional.conv2d(x, w, b);
                var reference = nn.functional.conv2d(x.to(ScalarType.Float64), w.to(ScalarType.Float64), b.to(ScalarType.Float64));
                worst = Math.Max(worst, Relative(y, reference));
            }
            foreach (var (cin, cout) in new[] { (8, 12), (20, 50), (3, 7) })
                worst = Math.Max(worst, InputGradient(cin, cout, generator));
        }
        return worst;
    }

    private static double InputGradient(int cin, int cout, Generator generator)
    {
        using var scope = NewDisposeScope();
        using var enabled = enable_grad();
        var weight = randn(new long[] { cout, cin, 3, 3 }, generator: generator).MulScalar_(0.1);
        var x = nn.functional.relu(randn(new long[] { 16, cin, 14, 14 }, generator: generator));
        var (single, singleWeight) = (x.clone().requires_grad_(), weight.clone().requires_grad_());
        nn.functional.conv2d(single.square(), singleWeight, null, padding: new long[] { 1, 1 }).sum().backward();
        var (reference, referenceWeight) = (x.to(ScalarType.Float64).requires_grad_(), weight.to(ScalarType.Float64).requires_grad_());
        nn.functional.conv2d(reference.square(), referenceWeight, null, padding: new long[] { 1, 1 }).sum().backward();
        return Math.Max(Relative(single.grad!, reference.grad!), Relative(singleWeight.grad!, referenceWeight.grad!));
    }

    /// <summary>max |a − b| / max(max |b|, 1); NaN anywhere counts as infinitely wrong.</summary>
    private static double Relative(Tensor float32, Tensor float64)
    {
        using var scope = NewDisposeScope();
        var a = float32.to(ScalarType.Float64);
        if (a.isnan().any().item<bool>()) return double.PositiveInfinity;
        double scale = Math.Max(float64.abs().max().item<double>(), 1);
        return (a - float64).abs().max().item<double>() / scale;
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
