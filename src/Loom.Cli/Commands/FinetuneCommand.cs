using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Kernels;
using Loom.Models.Transformer;
using Loom.Training.Trainer;
using Spectre.Console;

namespace Loom.Cli;

/// <summary>
/// `loom finetune`: continues training a saved language model on new data — every weight, or with --lora R only a
/// low-rank adapter saved apart from the base (apply it with `loom generate --lora`).
/// </summary>
public static class FinetuneCommand
{
    public const long DefaultSteps = 500;

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Base model directory", Required = true };
        var data = new Option<string>("--data") { Description = "New training text: a UTF-8 file or a folder of them", Required = true };
        var val = new Option<string>("--val") { Description = "Validation text file (default: hold out 10 % of --data)" };
        var outDir = new Option<string>("--out") { Description = "Output directory: the fine-tuned model or the adapter, checkpoint and metrics", Required = true };
        var lora = new Option<int?>("--lora") { Description = "Train a LoRA adapter of this rank instead of every weight" };
        var alpha = new Option<float?>("--lora-alpha") { Description = "LoRA alpha (default: 2 × rank)" };
        var targets = new Option<string>("--targets") { Description = "Comma-separated modules to adapt (default q_proj,v_proj; patterns like self_attn.* work)" };
        var merge = new Option<bool>("--merge") { Description = "With --lora: also save the model with the adapter merged in" };
        var steps = new Option<long?>("--steps") { Description = $"Optimizer steps (default {DefaultSteps}, or as many as --minutes allows)" };
        var minutes = new Option<double?>("--minutes") { Description = "Stop after this many minutes" };
        var lr = new Option<float?>("--lr") { Description = "Peak learning rate (default 3e-4 full, 2e-3 LoRA)" };
        var batch = new Option<int>("--batch") { Description = "Sequences per micro-batch", DefaultValueFactory = _ => 32 };
        var seed = new Option<ulong>("--seed") { Description = "Seed for the split, adapter initialization and batches", DefaultValueFactory = _ => 1337 };
        var threads = new Option<int?>("--threads") { Description = "Kernel threads (default: all cores)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with the results" };
        var command = new Command("finetune", "Continue training a language model on new data, fully or with a LoRA adapter");
        foreach (var option in new Option[] { model, data, val, outDir, lora, alpha, targets, merge, steps, minutes, lr, batch, seed, threads, json })
            command.Options.Add(option);
        // The work runs on a task so the action returns at once and System.CommandLine's Ctrl-C handling is armed:
        // Ctrl-C cancels the token, and the training loop then saves a checkpoint and returns.
        command.SetAction((parse, cancellation) => Task.Run(() =>
        {
            if (parse.GetValue(threads) is { } t) KernelOptions.Threads = t;
            var settings = new FinetuneSettings
            {
                Model = parse.GetValue(model)!,
                Data = parse.GetValue(data)!,
                Validation = parse.GetValue(val),
                LoraRank = parse.GetValue(lora),
                LoraAlpha = parse.GetValue(alpha),
                Targets = ParseTargets(parse.GetValue(targets)),
                Merge = parse.GetValue(merge),
                BatchSize = parse.GetValue(batch),
            };
            var options = Options(settings, parse.GetValue(outDir)!, parse.GetValue(steps), parse.GetValue(minutes), parse.GetValue(lr), parse.GetValue(seed));
            bool asJson = parse.GetValue(json);
            var console = asJson ? null : AnsiConsole.Console;
            var result = ProgressTraining.Run(console, "finetune", progress =>
                LanguageModelFinetuner.Run(settings, options, progress, message => console?.MarkupLine($"[grey]{Markup.Escape(message)}[/]"), cancellation));
            if (asJson) Console.WriteLine(ToJson(result).ToJsonString());
            else Print(AnsiConsole.Console, result);
            return result.Summary.Stopped == StopReason.Cancelled ? 130 : 0;
        }, CancellationToken.None));
        return command;
    }

    /// <summary>
    /// Trainer options for a fine-tune: a gentler learning rate than pre-training for full fine-tuning (the model
    /// already knows a lot), a larger one for LoRA (its B starts at zero); short warmup; no weight decay on adapters.
    /// </summary>
    public static TrainerOptions Options(FinetuneSettings settings, string outDir, long? steps, double? minutes, float? learningRate, ulong seed)
    {
        bool lora = settings.LoraRank is not null;
        long? stepCount = steps ?? (minutes is null ? DefaultSteps : null);
        return new TrainerOptions
        {
            Steps = stepCount,
            MaxMinutes = minutes,
            LearningRate = learningRate ?? (lora ? 2e-3f : 3e-4f),
            WarmupSteps = Math.Min(50, (stepCount ?? 500) / 10),
            WeightDecay = lora ? 0f : 0.1f,
            Seed = seed,
            EvalEvery = Math.Max(50, (stepCount ?? 500) / 5),
            OutDir = outDir,
        };
    }

    public static IReadOnlyList<string> ParseTargets(string? text)
    {
        if (text is null) return ["q_proj", "v_proj"];
        var targets = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (targets.Length == 0) throw LoomException.Argument("--targets: give at least one module name, e.g. q_proj,v_proj");
        return targets;
    }

    public static JsonObject ToJson(FinetuneResult result)
    {
        var s = result.Summary;
        var json = new JsonObject
        {
            ["base"] = result.BaseModel,
            ["out"] = result.OutDirectory,
            ["model"] = result.SavedModel ? result.OutDirectory : null,
            ["adapter"] = result.SavedAdapter ? result.OutDirectory : null,
            ["adaptedModules"] = new JsonArray([.. result.AdaptedModules.Select(m => JsonValue.Create(m))]),
            ["trainableParameters"] = result.TrainableParameters,
            ["parameters"] = result.TotalParameters,
            ["steps"] = s.Steps,
            ["stopped"] = s.Stopped.ToString().ToLowerInvariant(),
            ["trainLoss"] = float.IsNaN(s.FinalLoss) ? null : s.FinalLoss,
            ["baseValLoss"] = result.BaseValLoss,
            ["valLoss"] = s.Validation?.Loss,
            ["tokensPerSecond"] = Math.Round(s.ItemsPerSecond, 1),
            ["seconds"] = Math.Round(s.Elapsed.TotalSeconds, 1),
        };
        return json;
    }

    private static void Print(IAnsiConsole console, FinetuneResult result)
    {
        var s = result.Summary;
        console.MarkupLine($"{(s.Stopped == StopReason.Cancelled ? "[yellow]interrupted[/]" : "done")}: {s.Steps} steps in {ProgressTraining.Duration(s.Elapsed)}, " +
            $"{ProgressTraining.Rate(s.ItemsPerSecond)} tokens/s, {result.TrainableParameters:N0} of {result.TotalParameters:N0} parameters trained");
        if (s.Validation is { } v)
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"validation: {result.BaseValLoss:F4} → [bold]{v.Loss:F4} nats/token[/]"));
        string dir = Markup.Escape(result.OutDirectory);
        if (result.SavedAdapter) console.MarkupLine($"adapter saved to [bold]{dir}[/]");
        if (result.SavedModel) console.MarkupLine($"model saved to [bold]{dir}[/] (try: loom generate --model {dir})");
        else console.MarkupLine($"(try: loom generate --model {Markup.Escape(result.BaseModel)} --lora {dir})");
    }
}
