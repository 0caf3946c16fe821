using System.Globalization;
using Loom.Training.Trainer;
using Spectre.Console;

namespace Loom.Cli;

/// <summary>
/// Shows a training run: on an interactive terminal a Spectre progress bar whose label carries the step, loss,
/// validation loss, throughput and time left; otherwise (a pipe, a log file) one plain line per evaluation and every
/// tenth of the run, so logs stay readable.
/// </summary>
public static class ProgressTraining
{
    /// <summary>
    /// A console on the current standard output. Made per command (not Spectre's static one, bound to whatever
    /// Console.Out was when first used), so output follows a redirected Console.Out.
    /// </summary>
    public static IAnsiConsole StandardOutput() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });

    /// <summary>Runs <paramref name="work"/>, giving it a progress sink drawn on <paramref name="console"/> (none when null).</summary>
    public static T Run<T>(IAnsiConsole? console, string title, Func<IProgress<TrainerProgress>?, T> work)
    {
        if (console is null) return work(null);
        if (!console.Profile.Capabilities.Interactive) return work(new PlainLines(console, title));
        T result = default!;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(title), maxValue: 1);
                result = work(new Inline<TrainerProgress>(p =>
                {
                    if (p.TotalSteps > 0) task.Value = Math.Min(1, (double)p.Step / p.TotalSteps);
                    task.Description = Markup.Escape($"{title}  {Describe(p)}");
                }));
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>"step 120/2000  loss 2.345  val 2.401  12.3k tokens/s  ETA 3m05s" (evaluating: "… evaluating").</summary>
    public static string Describe(TrainerProgress p)
    {
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"step {p.Step}");
        if (p.TotalSteps > 0) text.Append(CultureInfo.InvariantCulture, $"/{p.TotalSteps}");
        text.Append(CultureInfo.InvariantCulture, $"  loss {p.Loss:F3}");
        if (p.ValLoss is { } val) text.Append(CultureInfo.InvariantCulture, $"  val {val:F3}");
        text.Append(CultureInfo.InvariantCulture, $"  {Rate(p.ItemsPerSecond)} {p.ItemName}/s");
        if (p.Evaluating) text.Append("  evaluating…");
        else if (p.Remaining is { } left) text.Append("  ETA ").Append(Duration(left));
        return text.ToString();
    }

    public static string Rate(double perSecond) => perSecond >= 10_000
        ? (perSecond / 1000).ToString("F1", CultureInfo.InvariantCulture) + "k"
        : perSecond.ToString("F0", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan t) => t.TotalHours >= 1
        ? $"{(int)t.TotalHours}h{t.Minutes:D2}m"
        : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:D2}s" : $"{t.TotalSeconds:F0}s";

    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    // Non-interactive output: a line after each evaluation and at every tenth of the planned steps.
    private sealed class PlainLines(IAnsiConsole console, string title) : IProgress<TrainerProgress>
    {
        private long _lastTenth = -1;
        private double? _lastVal;

        public void Report(TrainerProgress p)
        {
            if (p.Evaluating) return;
            long tenth = p.TotalSteps > 0 ? p.Step * 10 / p.TotalSteps : -1;
            bool evaluated = p.ValLoss is { } val && val != _lastVal;
            if (!evaluated && (tenth == _lastTenth || tenth < 0)) return;
            _lastTenth = tenth;
            _lastVal = p.ValLoss;
            console.WriteLine($"{title}  {Describe(p)}");
        }
    }
}
