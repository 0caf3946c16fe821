using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Kernels;
using Loom.Models.Storage;
using Loom.Models.Transformer;
using Loom.Training.Text;
using Spectre.Console;

namespace Loom.Cli;

/// <summary>`loom eval lm`: the likelihood a trained language model gives a text — nats/token, bits/char, perplexity.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var command = new Command("eval", "Evaluate a trained model on data");
        command.Subcommands.Add(Lm());
        command.Subcommands.Add(EvalImagesCommand.Create());
        return command;
    }

    private static Command Lm()
    {
        var model = new Option<string>("--model") { Description = "Model directory written by `loom train lm`", Required = true };
        var data = new Option<string>("--data") { Description = "Text to evaluate: a UTF-8 file or a folder of them", Required = true };
        var mode = new Option<string>("--mode") { Description = "stream or lines (default: the mode the model was trained in)" };
        var batch = new Option<int>("--batch") { Description = "Sequences per evaluation batch", DefaultValueFactory = _ => 32 };
        var threads = new Option<int?>("--threads") { Description = "Kernel threads (default: all cores)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var command = new Command("lm", "Nats/token, bits/char and perplexity of a language model on a text");
        foreach (var option in new Option[] { model, data, mode, batch, threads, json }) command.Options.Add(option);
        command.SetAction((parse, cancellation) =>
        {
            if (parse.GetValue(threads) is { } t) KernelOptions.Threads = t;
            var result = Run(parse.GetValue(model)!, parse.GetValue(data)!,
                parse.GetValue(mode) is { } m ? TrainCommand.ParseMode(m) : null, parse.GetValue(batch), cancellation);
            if (parse.GetValue(json)) Console.WriteLine(result.ToJsonString());
            else Print(ProgressTraining.StandardOutput(), result);
            return Task.FromResult(0);
        });
        return command;
    }

    public static JsonObject Run(string modelDirectory, string dataPath, TextMode? mode, int batchSize, CancellationToken cancellation = default)
    {
        if (batchSize < 1) throw LoomException.Argument($"eval lm: --batch must be at least 1, found {batchSize}");
        var loaded = TransformerLmDirectory.Load(modelDirectory);
        var text = TextData.Read(dataPath);
        var chosenMode = mode ?? (loaded.TextFormat.Mode == TextFormat.LinesMode ? TextMode.Lines : TextMode.Stream);
        var dataset = LanguageModelData.Tokenize(text.Text, chosenMode, loaded.Tokenizer, loaded.Model.Config.ContextLength, dataPath);
        var eval = LanguageModelTask.Evaluate(loaded.Model, dataset, batchSize, cancellation);
        return new JsonObject
        {
            ["model"] = modelDirectory,
            ["data"] = dataPath,
            ["mode"] = chosenMode.ToString().ToLowerInvariant(),
            ["tokens"] = eval.Items,
            ["characters"] = dataset.CharacterCount,
            ["natsPerToken"] = eval.Loss,
            ["bitsPerChar"] = eval.Extra!["valBitsPerChar"],
            ["perplexity"] = eval.Extra!["valPerplexity"],
        };
    }

    private static void Print(IAnsiConsole console, JsonObject r) => console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
        $"{Markup.Escape((string)r["data"]!)} ({r["mode"]} mode, {(long)r["tokens"]!:N0} tokens, {(long)r["characters"]!:N0} characters): " +
        $"[bold]{(double)r["natsPerToken"]!:F4} nats/token[/], {(double)r["bitsPerChar"]!:F4} bits/char, perplexity {(double)r["perplexity"]!:F3}"));
}
