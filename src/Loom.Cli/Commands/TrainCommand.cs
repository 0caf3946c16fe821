using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Kernels;
using Loom.Models.Transformer;
using Loom.Training.Text;
using Loom.Training.Trainer;
using Spectre.Console;

namespace Loom.Cli;

/// <summary>
/// `loom train lm`: trains a language model on a text file or folder into an output directory that holds the
/// checkpoint, metrics.jsonl and, at the end, the model directory. Ctrl-C saves a checkpoint; `--resume` continues
/// it exactly, with the settings it was started with.
/// </summary>
public static class TrainCommand
{
    /// <summary>Steps when neither --steps nor --minutes is given.</summary>
    public const long DefaultSteps = 2000;

    public static Command Create()
    {
        var command = new Command("train", "Train a model on your data");
        command.Subcommands.Add(Lm());
        command.Subcommands.Add(TrainImageCommand.Create());
        return command;
    }

    private static Command Lm()
    {
        var data = new Option<string>("--data") { Description = "Training text: a UTF-8 file or a folder of them" };
        var val = new Option<string>("--val") { Description = "Validation text file (default: hold out 10 % of --data)" };
        var mode = new Option<string>("--mode") { Description = "stream: one continuous text; lines: one example per line (names)" };
        var tokenizer = new Option<string>("--tokenizer") { Description = "char, or bpe:N for byte-level BPE with N ids trained on the data" };
        var preset = new Option<string>("--preset") { Description = $"Model size: {string.Join(", ", TransformerPresets.Names)} or a config .json" };
        var context = new Option<int?>("--context") { Description = "Context length in tokens (default: the preset's)" };
        var dropout = new Option<float?>("--dropout") { Description = "Dropout (default: the preset's)" };
        var attentionDropout = new Option<float?>("--attn-dropout") { Description = "Dropout on attention weights (default: the preset's, usually 0)" };
        var outDir = new Option<string>("--out") { Description = "Output directory: checkpoint, metrics.jsonl and the trained model", Required = true };
        var steps = new Option<long?>("--steps") { Description = $"Optimizer steps (default {DefaultSteps}, or as many as --minutes allows)" };
        var minutes = new Option<double?>("--minutes") { Description = "Stop after this many minutes (a checkpoint is saved)" };
        var batch = new Option<int?>("--batch") { Description = "Sequences per micro-batch (default 32)" };
        var accumulation = new Option<int?>("--grad-accum") { Description = "Micro-batches per optimizer step (default 1)" };
        var lr = new Option<float?>("--lr") { Description = "Peak learning rate (default 1e-3)" };
        var minLr = new Option<float?>("--min-lr") { Description = "Learning rate at the end of the cosine (default lr/10)" };
        var warmup = new Option<long?>("--warmup") { Description = "Warmup steps (default 100, at most the step count)" };
        var weightDecay = new Option<float?>("--weight-decay") { Description = "AdamW weight decay (default 0.1)" };
        var dataParallel = new Option<bool?>("--data-parallel")
        {
            Description = "Run the --grad-accum micro-batches of each step at the same time, one per thread, each on one core " +
                          "(for small models, whose ops are too small to split across cores; results do not depend on --threads)",
        };
        var ema = new Option<float?>("--ema") { Description = "Keep an exponential moving average of the weights with this decay (e.g. 0.999); the saved model and the final validation use it" };
        var seed = new Option<ulong?>("--seed") { Description = "Seed for the split, initialization and batches (default 1337)" };
        var threads = new Option<int?>("--threads") { Description = "Kernel threads (default: all cores)" };
        var evalEvery = new Option<long?>("--eval-every") { Description = "Evaluate every N steps (default 250; 0: only at the end)" };
        var checkpointEvery = new Option<long?>("--checkpoint-every") { Description = "Checkpoint every N steps (default 500)" };
        var resume = new Option<bool>("--resume") { Description = "Continue from OUT/checkpoint with the settings it was started with" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with the results" };
        var command = new Command("lm", "Train a transformer language model on text");
        foreach (var option in new Option[] { data, val, mode, tokenizer, preset, context, dropout, attentionDropout, outDir, steps, minutes, batch, accumulation, dataParallel, ema,
                     lr, minLr, warmup, weightDecay, seed, threads, evalEvery, checkpointEvery, resume, json })
            command.Options.Add(option);

        command.SetAction((parse, cancellation) =>
        {
            if (parse.GetValue(threads) is { } t) KernelOptions.Threads = t;
            string output = parse.GetValue(outDir)!;
            string checkpointDir = Path.Combine(output, Checkpoint.DirectoryName);
            bool resuming = parse.GetValue(resume) && Checkpoint.Exists(checkpointDir);
            if (!parse.GetValue(resume) && Checkpoint.Exists(checkpointDir))
                throw LoomException.Argument($"train lm: {output} already holds a checkpoint; add --resume to continue it, or choose another --out");

            // A resumed run starts from the settings it was saved with; options given now replace them (and a
            // change that would break exact resume is refused by name further down).
            var savedManifest = resuming ? Checkpoint.ReadManifest(checkpointDir) : null;
            var baseSettings = savedManifest is null ? null : LanguageModelTaskSettings.FromJson(savedManifest.Run, savedManifest.Path);
            string? dataPath = parse.GetValue(data) ?? baseSettings?.Data;
            if (dataPath is null) throw LoomException.Argument("train lm: --data is required (a text file or a folder of text files)");
            var settings = (baseSettings ?? new LanguageModelTaskSettings { Data = dataPath }) with
            {
                Data = dataPath,
                Validation = parse.GetResult(val) is null ? baseSettings?.Validation : parse.GetValue(val),
                Mode = parse.GetValue(mode) is { } m ? ParseMode(m) : baseSettings?.Mode ?? TextMode.Stream,
                Tokenizer = parse.GetValue(tokenizer) ?? baseSettings?.Tokenizer ?? "char",
                Preset = parse.GetValue(preset) ?? baseSettings?.Preset ?? "tiny",
                ContextLength = parse.GetValue(context) ?? baseSettings?.ContextLength,
                Dropout = parse.GetValue(dropout) ?? baseSettings?.Dropout,
                AttentionDropout = parse.GetValue(attentionDropout) ?? baseSettings?.AttentionDropout,
                BatchSize = parse.GetValue(batch) ?? baseSettings?.BatchSize ?? 32,
            };
            var saved = savedManifest?.Options ?? new TrainerOptions();
            long? stepCount = parse.GetValue(steps) ?? (savedManifest is null ? null : saved.Steps);
            double? limit = parse.GetValue(minutes);
            // A time-limited run resumed without a new limit finishes the schedule it had planned.
            if (stepCount is null && limit is null) stepCount = savedManifest is { PlannedSteps: > 0 } ? savedManifest.PlannedSteps : DefaultSteps;
            long warmupSteps = parse.GetValue(warmup) ?? (savedManifest is null ? Math.Min(saved.WarmupSteps, stepCount ?? long.MaxValue) : saved.WarmupSteps);
            var options = saved with
            {
                Steps = stepCount,
                MaxMinutes = limit,
                LearningRate = parse.GetValue(lr) ?? saved.LearningRate,
                MinLearningRate = parse.GetValue(minLr) ?? saved.MinLearningRate,
                WarmupSteps = warmupSteps,
                WeightDecay = parse.GetValue(weightDecay) ?? saved.WeightDecay,
                EmaDecay = parse.GetValue(ema) ?? saved.EmaDecay,
                GradAccumulation = parse.GetValue(accumulation) ?? saved.GradAccumulation,
                ConcurrentMicroBatches = parse.GetValue(dataParallel) ?? saved.ConcurrentMicroBatches,
                Seed = parse.GetValue(seed) ?? saved.Seed,
                EvalEvery = parse.GetValue(evalEvery) ?? saved.EvalEvery,
                CheckpointEvery = parse.GetValue(checkpointEvery) ?? saved.CheckpointEvery,
                OutDir = output,
                Resume = resuming,
            };

            bool asJson = parse.GetValue(json);
            var console = asJson ? null : ProgressTraining.StandardOutput();
            using var interrupt = new InterruptSource(cancellation);
            var result = ProgressTraining.Run(console, "train lm", progress =>
                LanguageModelTaskRunner.Train(settings, options, progress, message => console?.MarkupLine($"[grey]{Markup.Escape(message)}[/]"), interrupt.Token));
            if (asJson) Console.WriteLine(ToJson(result).ToJsonString());
            else Print(console!, result);
            return Task.FromResult(result.Summary.Stopped == StopReason.Cancelled ? 130 : 0);
        });
        return command;
    }

    public static TextMode ParseMode(string text) => text.ToLowerInvariant() switch
    {
        "stream" => TextMode.Stream,
        "lines" => TextMode.Lines,
        _ => throw LoomException.Argument($"--mode: expected stream or lines, found '{text}'"),
    };

    public static JsonObject ToJson(LanguageModelTrainingResult result)
    {
        var s = result.Summary;
        var json = new JsonObject
        {
            ["model"] = result.ModelDirectory,
            ["steps"] = s.Steps,
            ["plannedSteps"] = s.PlannedSteps,
            ["stopped"] = s.Stopped.ToString().ToLowerInvariant(),
            ["resumedFromStep"] = s.ResumedFromStep,
            ["trainLoss"] = float.IsNaN(s.FinalLoss) ? null : s.FinalLoss,
            ["tokensPerSecond"] = Math.Round(s.ItemsPerSecond, 1),
            ["seconds"] = Math.Round(s.Elapsed.TotalSeconds, 1),
            ["parameters"] = result.Run.Model.ParameterCount,
            ["vocabSize"] = result.Run.Model.Config.VocabSize,
        };
        if (s.Validation is { } v)
        {
            json["valLoss"] = v.Loss;
            foreach (var (key, value) in v.Extra ?? new Dictionary<string, double>()) json[key] = value;
        }
        return json;
    }

    private static void Print(IAnsiConsole console, LanguageModelTrainingResult result)
    {
        var s = result.Summary;
        string how = s.Stopped switch
        {
            StopReason.Cancelled => "[yellow]interrupted[/]: checkpoint saved, continue with --resume",
            StopReason.TimeLimit => "time limit reached",
            _ => "done",
        };
        console.MarkupLine($"{how}: {s.Steps} steps in {ProgressTraining.Duration(s.Elapsed)}, {ProgressTraining.Rate(s.ItemsPerSecond)} tokens/s");
        if (s.Validation is { } v)
        {
            double bpc = v.Extra?.GetValueOrDefault("valBitsPerChar") ?? double.NaN;
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"validation: [bold]{v.Loss:F4} nats/token[/], {bpc:F4} bits/char, perplexity {Math.Exp(v.Loss):F2}"));
        }
        console.MarkupLine($"model saved to [bold]{Markup.Escape(result.ModelDirectory)}[/] (try: loom generate --model {Markup.Escape(result.ModelDirectory)})");
    }

    /// <summary>
    /// Ctrl-C while training: the action runs synchronously, so System.CommandLine's own handler is not armed yet;
    /// this one keeps the process alive and cancels the run, which then saves a checkpoint and returns.
    /// </summary>
    internal sealed class InterruptSource : IDisposable
    {
        private readonly CancellationTokenSource _source;
        private readonly PosixSignalRegistration? _registration;

        public InterruptSource(CancellationToken outer)
        {
            _source = CancellationTokenSource.CreateLinkedTokenSource(outer);
            try
            {
                _registration = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
                {
                    context.Cancel = true;
                    _source.Cancel();
                });
            }
            catch (PlatformNotSupportedException)
            {
                _registration = null;
            }
        }

        public CancellationToken Token => _source.Token;

        public void Dispose()
        {
            _registration?.Dispose();
            _source.Dispose();
        }
    }
}
