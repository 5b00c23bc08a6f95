using BayesGen.Training;
using Spectre.Console;

namespace BayesGen.Samples.Console;

/// <summary>
/// Shows training progress: a live progress bar with the running cross-entropy on a terminal, and one line per
/// epoch with loss, test error and the kept groups of every layer (also when the output goes to a file).
/// </summary>
public sealed class TrainingView : ITrainingObserver
{
    private readonly IAnsiConsole console;
    private ProgressContext? progress;
    private ProgressTask? task;
    private double runningLoss;
    private int stepsSeen;

    public TrainingView(IAnsiConsole console) => this.console = console;

    /// <summary>Whether a live bar can be drawn (a terminal, not a redirected stream).</summary>
    public bool Interactive => console.Profile.Capabilities.Interactive;

    /// <summary>Runs <paramref name="work"/> with a live progress display when the console is interactive.</summary>
    public T Run<T>(Func<T> work)
    {
        if (!Interactive) return work();
        T result = default!;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                progress = ctx;
                result = work();
            });
        progress = null;
        return result;
    }

    public void Resumed(int epoch) => console.MarkupLine($"[grey]resuming after epoch {epoch} from the checkpoint[/]");

    public void EpochStarted(int epoch, int steps)
    {
        runningLoss = 0;
        stepsSeen = 0;
        task = progress?.AddTask($"epoch {epoch}", maxValue: steps);
    }

    public void StepFinished(int epoch, int step, double crossEntropy)
    {
        stepsSeen++;
        runningLoss += (crossEntropy - runningLoss) / Math.Min(stepsSeen, 50);
        if (task is null) return;
        task.Increment(1);
        if (step % 20 == 0) task.Description = $"epoch {epoch}  cross-entropy {runningLoss:F4}";
    }

    public void EpochFinished(EpochSummary s)
    {
        task?.StopTask();
        var kept = string.Join("  ", s.KeptGroups.Select(k => $"{k.Layer} {k.Kept}/{k.Total}"));
        console.MarkupLine(
            $"epoch {s.Epoch,3}  loss {s.Loss:F4}  ce {s.CrossEntropy:F4}  test error [bold]{s.TestErrorPercent:F2} %[/]  " +
            $"kept {Markup.Escape(kept)}  [grey]{s.SamplesPerSecond:F0} samples/s, {s.Seconds:F1} s[/]");
    }
}
