using TorchSharp;

namespace BayesGen.Torch;

/// <summary>
/// Keeps LibTorch's CPU threads to the cores other processes leave free. LibTorch's OpenMP threads spin while they
/// wait, so two trainings that each use every core slow each other down many times over (measured on two cores:
/// 18,231 samples/s alone, 3,224 each side by side). Every second or so the governor reads how busy the machine is
/// (<c>/proc/stat</c>) and how much of that is this process (<c>/proc/self/stat</c>), and sets the thread count to
/// the cores the others leave, at least one: alone a training keeps every core, beside another each takes its share.
/// Linux only; elsewhere, and when the user fixed the thread count (<c>--threads</c>), it does nothing.
/// </summary>
public sealed class ThreadGovernor
{
    private readonly int cores = Environment.ProcessorCount;
    private (long Total, long Idle, long Self)? last;
    private long lastMilliseconds;

    /// <summary>Creates a governor; <paramref name="enabled"/> false makes <see cref="Adjust"/> do nothing.</summary>
    public ThreadGovernor(bool enabled = true) => Enabled = enabled && OperatingSystem.IsLinux() && File.Exists("/proc/stat");

    /// <summary>Whether the governor changes the thread count.</summary>
    public bool Enabled { get; }

    /// <summary>The cores other processes used over the last interval (NaN before the first reading).</summary>
    public double OthersLastInterval { get; private set; } = double.NaN;

    /// <summary>Reads the machine's load when at least a second has passed and sets LibTorch's thread count from it.</summary>
    public void Adjust()
    {
        if (!Enabled) return;
        long now = Environment.TickCount64;
        if (last is not null && now - lastMilliseconds < 1000) return;
        var reading = Read();
        if (reading is null) return;
        if (last is { } before)
        {
            double total = reading.Value.Total - before.Total;
            if (total <= 0) return;
            double perCore = total / cores;
            double busy = (total - (reading.Value.Idle - before.Idle)) / perCore;
            double own = (reading.Value.Self - before.Self) / perCore;
            OthersLastInterval = Math.Max(0, busy - own);
            int threads = Threads(cores, OthersLastInterval);
            if (threads != torch.get_num_threads()) torch.set_num_threads(threads);
        }
        last = reading;
        lastMilliseconds = now;
    }

    /// <summary>The threads to use on <paramref name="cores"/> cores when others keep <paramref name="othersBusy"/> of them busy.</summary>
    public static int Threads(int cores, double othersBusy) => Math.Clamp((int)Math.Round(cores - othersBusy), 1, cores);

    /// <summary>All CPUs' jiffies, their idle part, and this process's user and system jiffies.</summary>
    private static (long Total, long Idle, long Self)? Read()
    {
        try
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
            long total = cpu.Take(8).Sum();   // user nice system idle iowait irq softirq steal (guest time is inside user)
            long idle = cpu[3] + (cpu.Length > 4 ? cpu[4] : 0);
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');   // after the command name, which may hold spaces
            long self = long.Parse(fields[11]) + long.Parse(fields[12]);   // utime, stime
            return (total, idle, self);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException or IndexOutOfRangeException or InvalidOperationException)
        {
            return null;
        }
    }
}
