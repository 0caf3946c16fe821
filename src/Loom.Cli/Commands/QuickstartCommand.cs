using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Loom.Training.Classification;
using Loom.Training.Demos;
using Spectre.Console;

namespace Loom.Cli;

/// <summary>What every quickstart demo is given.</summary>
/// <param name="OutDir">Where demos that write files (the image model and its sample grid) put them; null: a folder in the temp directory.</param>
public sealed record QuickstartOptions(ulong Seed = 42, bool Quick = false, string? OutDir = null);

/// <summary>
/// One thing the quickstart trains and shows. Each model family adds one to <see cref="QuickstartCommand.Demos"/>:
/// it trains on built-in data (reporting progress), then renders what it learned and summarizes it as JSON.
/// </summary>
public interface IQuickstartDemo
{
    /// <summary>Key of this demo in the JSON output.</summary>
    string Name { get; }

    /// <summary>Label of its progress bar.</summary>
    string Title { get; }

    IQuickstartOutcome Run(QuickstartOptions options, Action<TrainingProgress> progress, CancellationToken cancellation);
}

public interface IQuickstartOutcome
{
    /// <summary>The figures a script or test reads (accuracies, …).</summary>
    JsonObject ToJson();

    /// <summary>Shows what the model learned.</summary>
    void Render(IAnsiConsole console);
}

/// <summary>`loom quickstart`: trains small models on built-in data and shows what they learned.</summary>
public static class QuickstartCommand
{
    /// <summary>The demos, in the order they run.</summary>
    public static IReadOnlyList<IQuickstartDemo> Demos { get; } = [new SpiralsQuickstart(), new ShapesQuickstart(), new CharLmQuickstart(), new ImageQuickstart()];

    public static Command Create()
    {
        var seed = new Option<ulong>("--seed") { Description = "Seed for data, initialization and batching", DefaultValueFactory = _ => 42 };
        var quick = new Option<bool>("--quick") { Description = "Fewer training steps: a first look in a few seconds" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with the results instead of pictures" };
        var outDir = new Option<string>("--out") { Description = "Folder for the files demos write (image model, sample grid); default: a folder in the temp directory" };
        var command = new Command("quickstart", "Train small models on built-in data and show what they learned");
        command.Options.Add(seed);
        command.Options.Add(quick);
        command.Options.Add(json);
        command.Options.Add(outDir);
        command.SetAction((parse, cancellation) =>
        {
            var options = new QuickstartOptions(parse.GetValue(seed), parse.GetValue(quick), parse.GetValue(outDir));
            bool asJson = parse.GetValue(json);
            var result = Run(options, asJson ? null : AnsiConsole.Console, cancellation);
            if (asJson) Console.WriteLine(result.ToJsonString());
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>
    /// Runs every demo and returns their JSON summaries. With a console, shows a progress bar while training and
    /// each demo's pictures after it; with none, runs silently.
    /// </summary>
    public static JsonObject Run(QuickstartOptions options, IAnsiConsole? console, CancellationToken cancellation = default)
    {
        var demos = new JsonObject();
        var result = new JsonObject { ["seed"] = options.Seed, ["quick"] = options.Quick, ["demos"] = demos };
        foreach (var demo in Demos)
        {
            var clock = Stopwatch.StartNew();
            IQuickstartOutcome outcome;
            if (console is null)
            {
                outcome = demo.Run(options, _ => { }, cancellation);
            }
            else
            {
                outcome = null!;
                console.Progress()
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .Start(context =>
                    {
                        var task = context.AddTask(demo.Title, maxValue: 1);
                        outcome = demo.Run(options, p =>
                        {
                            task.Value = (double)p.Step / Math.Max(1, p.TotalSteps);
                            // Generative demos (the VAE) have no accuracy: their progress reports NaN there.
                            task.Description = double.IsNaN(p.BatchAccuracy)
                                ? $"{demo.Title}  loss {p.Loss:F3}"
                                : $"{demo.Title}  loss {p.Loss:F3}  batch acc {p.BatchAccuracy:P0}";
                        }, cancellation);
                        task.Value = 1;
                    });
            }
            var summary = outcome.ToJson();
            summary["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2);
            demos[demo.Name] = summary;
            if (console is not null)
            {
                outcome.Render(console);
                console.WriteLine();
            }
        }
        return result;
    }
}

/// <summary>An MLP separates two spirals; shown as a map of its decision regions with the training points.</summary>
internal sealed class SpiralsQuickstart : IQuickstartDemo
{
    public string Name => "spirals";
    public string Title => "two spirals, MLP";

    public IQuickstartOutcome Run(QuickstartOptions options, Action<TrainingProgress> progress, CancellationToken cancellation) =>
        new Outcome(SpiralsDemo.Run(options.Quick ? SpiralsConfig.Quick : new SpiralsConfig(), options.Seed, progress, cancellation));

    private sealed class Outcome(SpiralsResult result) : IQuickstartOutcome
    {
        private const int Width = 56, Height = 28;
        private const float Extent = 1.2f;
        private static readonly string[] RegionStyle = ["grey on navy", "grey on maroon"];
        private static readonly string[] PointStyle = ["bold deepskyblue1 on navy", "bold orange1 on maroon"];
        private static readonly char[] RegionGlyph = ['·', ' '];
        private static readonly char[] PointGlyph = ['o', '●'];

        public JsonObject ToJson() => new()
        {
            ["trainAccuracy"] = result.TrainAccuracy,
            ["points"] = result.Data.Count,
            ["parameters"] = result.Model.ParameterCount,
        };

        public void Render(IAnsiConsole console)
        {
            console.Write(new Rule("[bold]Two spirals[/]: what the MLP learned").LeftJustified());
            console.MarkupLine($"Training accuracy [bold]{result.TrainAccuracy:P1}[/] on {result.Data.Count} points, {result.Model.ParameterCount} parameters. " +
                "Background: the class the network predicts there; [deepskyblue1]o[/] / [orange1]●[/]: training points, [red]x[/]: misclassified.");
            var regions = SpiralsDemo.DecisionMap(result.Model, Width, Height, Extent);
            var points = PointCells();
            for (int row = 0; row < Height; row++)
            {
                var line = new StringBuilder();
                for (int col = 0; col < Width; col++)
                {
                    int cell = row * Width + col, region = regions[cell];
                    string style = RegionStyle[region];
                    char glyph = RegionGlyph[region];
                    if (points.TryGetValue(cell, out var point))
                    {
                        style = point.Correct ? PointStyle[point.Label] : "bold red on " + (region == 0 ? "navy" : "maroon");
                        glyph = point.Correct ? PointGlyph[point.Label] : 'x';
                    }
                    line.Append('[').Append(style).Append(']').Append(glyph).Append("[/]");
                }
                console.MarkupLine(line.ToString());
            }
        }

        // The grid cell of each training point with its label and whether the model gets it right (judged at the
        // point itself, not at the cell's centre). Where several points share a cell, a wrong one wins.
        private Dictionary<int, (int Label, bool Correct)> PointCells()
        {
            var cells = new Dictionary<int, (int Label, bool Correct)>();
            var xy = result.Data.Inputs.ToArray();
            var predicted = ClassifierTrainer.Predict(result.Model, result.Data.Inputs);
            for (int i = 0; i < result.Data.Count; i++)
            {
                int col = (int)((xy[2 * i] / Extent + 1) / 2 * Width);
                int row = (int)((1 - xy[2 * i + 1] / Extent) / 2 * Height);
                if (col < 0 || col >= Width || row < 0 || row >= Height) continue;
                int cell = row * Width + col;
                bool correct = predicted[i] == result.Data.Labels[i];
                if (!cells.TryGetValue(cell, out var existing) || existing.Correct) cells[cell] = (result.Data.Labels[i], correct);
            }
            return cells;
        }
    }
}

/// <summary>A conv net tells drawn shapes apart; shown as held-out accuracy, a confusion table and a few images.</summary>
internal sealed class ShapesQuickstart : IQuickstartDemo
{
    public string Name => "shapes";
    public string Title => "shapes, conv net";

    public IQuickstartOutcome Run(QuickstartOptions options, Action<TrainingProgress> progress, CancellationToken cancellation) =>
        new Outcome(ShapesDemo.Run(options.Quick ? ShapesConfig.Quick : new ShapesConfig(), options.Seed, progress, cancellation));

    private sealed class Outcome(ShapesResult result) : IQuickstartOutcome
    {
        private const string Ramp = " .:-=+*#%@";
        private const int MostShown = 6;

        public JsonObject ToJson() => new()
        {
            ["trainAccuracy"] = result.TrainAccuracy,
            ["heldOutAccuracy"] = result.TestAccuracy,
            ["heldOutImages"] = result.Test.Count,
            ["parameters"] = result.Model.ParameterCount,
        };

        public void Render(IAnsiConsole console)
        {
            var names = result.Test.ClassNames;
            console.Write(new Rule("[bold]Shapes[/]: what the conv net learned").LeftJustified());
            console.MarkupLine($"Held-out accuracy [bold]{result.TestAccuracy:P1}[/] on {result.Test.Count} images it never saw " +
                $"(training {result.TrainAccuracy:P1}), {result.Model.ParameterCount} parameters.");

            var confusion = ClassifierTrainer.ConfusionMatrix(result.Test.Labels, result.TestPredictions, names.Count);
            var table = new Table().Title("true (rows) × predicted").AddColumn("");
            foreach (var name in names) table.AddColumn(new TableColumn(name).RightAligned());
            for (int t = 0; t < names.Count; t++)
            {
                var cells = new List<string> { names[t] };
                for (int p = 0; p < names.Count; p++) cells.Add(t == p ? $"[green]{confusion[t, p]}[/]" : confusion[t, p] == 0 ? "[grey]0[/]" : $"[red]{confusion[t, p]}[/]");
                table.AddRow(cells.ToArray());
            }
            console.Write(table);
            RenderImages(console);
        }

        // A few held-out images as text, two pixel rows per line so they keep their aspect, with the predictions.
        private void RenderImages(IAnsiConsole console)
        {
            // As many as fit the console's width (each image is size + 3 characters wide); the first mistake, if
            // there is one, takes the last place, so a reader sees what the network confuses.
            int size = result.Test.Inputs.Size(-1);
            int count = Math.Min(Math.Min(MostShown, result.Test.Count), Math.Max(1, console.Profile.Width / (size + 3)));
            var shown = Enumerable.Range(0, count).ToArray();
            int mistake = Enumerable.Range(0, result.Test.Count).FirstOrDefault(i => result.TestPredictions[i] != result.Test.Labels[i], -1);
            if (mistake >= count) shown[^1] = mistake;

            console.MarkupLine("A few held-out images, with the class the network gives them:");
            var pixels = result.Test.Inputs.ToArray();
            for (int line = 0; line < size / 2; line++)
            {
                var text = new StringBuilder();
                foreach (int i in shown)
                {
                    int top = i * size * size + 2 * line * size;
                    for (int x = 0; x < size; x++)
                    {
                        float v = (pixels[top + x] + pixels[top + size + x]) / 2;
                        text.Append(Ramp[Math.Clamp((int)(v * Ramp.Length), 0, Ramp.Length - 1)]);
                    }
                    text.Append("   ");
                }
                console.WriteLine(text.ToString());
            }
            var labels = new StringBuilder();
            foreach (int i in shown)
            {
                bool right = result.TestPredictions[i] == result.Test.Labels[i];
                string label = (right ? "✓ " : "✗ ") + result.Test.ClassNames[result.TestPredictions[i]];
                labels.Append(right ? "[green]" : "[red]").Append(Markup.Escape(label.PadRight(size + 3))).Append("[/]");
            }
            console.MarkupLine(labels.ToString());
        }
    }
}
