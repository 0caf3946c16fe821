using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Kernels;
using Loom.Nn.Optim;
using Loom.Training.BuiltIn;
using Loom.Training.Classification;
using Loom.Training.Demos;
using Spectre.Console;

namespace Loom.Cli;

/// <summary>
/// `loom bench train-mlp`: training throughput of a tanh MLP on the two-spirals data, and the process's memory
/// sampled at 10 %, 50 % and 100 % of the steps — flat numbers mean no leak across steps.
/// </summary>
public static class BenchTrainingCommands
{
    public static IEnumerable<Command> Create() => [TrainMlp()];

    private static Command TrainMlp()
    {
        var steps = new Option<int>("--steps") { Description = "Optimizer steps to run", DefaultValueFactory = _ => 1000 };
        var batch = new Option<int>("--batch") { Description = "Examples per step", DefaultValueFactory = _ => 256 };
        var hidden = new Option<int>("--hidden") { Description = "Width of the two hidden layers", DefaultValueFactory = _ => 256 };
        var threads = new Option<int>("--threads") { Description = "Kernel threads (default: all cores)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var command = new Command("train-mlp", "Train an MLP for N steps: steps/s and memory over time");
        foreach (var option in new Option[] { steps, batch, hidden, threads, json }) command.Options.Add(option);
        command.SetAction((parse, cancellation) =>
        {
            KernelOptions.Threads = parse.GetValue(threads);
            var result = Run(parse.GetValue(steps), parse.GetValue(batch), parse.GetValue(hidden), cancellation);
            if (parse.GetValue(json)) Console.WriteLine(result.ToJsonString());
            else Print(result);
            return Task.FromResult(0);
        });
        return command;
    }

    public static JsonObject Run(int steps, int batchSize, int hidden, CancellationToken cancellation = default)
    {
        if (steps < 1 || batchSize < 1 || hidden < 1)
            throw LoomException.Argument($"bench train-mlp: steps, batch and hidden must be positive, found {steps}, {batchSize}, {hidden}");
        var rng = new LoomRandom(1);
        var data = TwoSpirals.Generate(Math.Max(batchSize, 512), 0.02f, rng.Fork());
        var model = SpiralsDemo.CreateModel(hidden, rng.Fork());
        var optimizer = new AdamW(model.NamedParameters(), 1e-3f);
        var samples = new JsonArray();
        int[] samplePoints = [Math.Max(1, steps / 10), Math.Max(1, steps / 2), steps];
        var batches = Batches(data.Count, batchSize, rng.Fork()).GetEnumerator();
        float loss = 0;
        var clock = Stopwatch.StartNew();
        for (int step = 1; step <= steps; step++)
        {
            cancellation.ThrowIfCancellationRequested();
            batches.MoveNext();
            var (inputs, labels) = data.Gather(batches.Current);
            loss = ClassifierTrainer.Step(model, optimizer, inputs, labels).Loss;
            if (samplePoints.Contains(step) && (samples.Count == 0 || (int)samples[^1]!["step"]! != step))
                samples.Add(Sample(step, clock.Elapsed.TotalSeconds));
        }
        double seconds = clock.Elapsed.TotalSeconds;
        return new JsonObject
        {
            ["bench"] = "train-mlp",
            ["steps"] = steps,
            ["batch"] = batchSize,
            ["hidden"] = hidden,
            ["parameters"] = model.ParameterCount,
            ["threads"] = KernelOptions.Threads,
            ["seconds"] = Math.Round(seconds, 3),
            ["stepsPerSecond"] = Math.Round(steps / seconds, 1),
            ["finalLoss"] = loss,
            ["memory"] = samples,
        };
    }

    // Endless seeded epochs of batch indices.
    private static IEnumerable<int[]> Batches(int count, int batchSize, LoomRandom rng)
    {
        while (true)
            foreach (var batch in Loom.Training.MiniBatches.Epoch(count, batchSize, rng, dropLast: count >= batchSize))
                yield return batch;
    }

    private static JsonObject Sample(int step, double seconds)
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        const double MiB = 1 << 20;
        return new JsonObject
        {
            ["step"] = step,
            ["seconds"] = Math.Round(seconds, 3),
            ["workingSetMiB"] = Math.Round(process.WorkingSet64 / MiB, 1),
            ["peakWorkingSetMiB"] = Math.Round(process.PeakWorkingSet64 / MiB, 1),
            ["managedHeapMiB"] = Math.Round(GC.GetTotalMemory(forceFullCollection: false) / MiB, 1),
            ["gen2Collections"] = GC.CollectionCount(2),
        };
    }

    private static void Print(JsonObject result)
    {
        AnsiConsole.MarkupLine($"train-mlp: {result["steps"]} steps, batch {result["batch"]}, hidden {result["hidden"]} " +
            $"({result["parameters"]} parameters), {result["threads"]} thread(s): [bold]{result["stepsPerSecond"]} steps/s[/], final loss {(float)result["finalLoss"]!:F4}");
        var table = new Table().AddColumns("step", "seconds", "working set MiB", "peak working set MiB", "managed heap MiB", "gen2 GCs");
        foreach (var sample in result["memory"]!.AsArray())
            table.AddRow(sample!["step"]!.ToString(), sample["seconds"]!.ToString(), sample["workingSetMiB"]!.ToString(),
                sample["peakWorkingSetMiB"]!.ToString(), sample["managedHeapMiB"]!.ToString(), sample["gen2Collections"]!.ToString());
        AnsiConsole.Write(table);
    }
}
