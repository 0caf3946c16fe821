using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Loom.Kernels;
using Loom.Models.Transformer;

namespace Loom.Cli;

/// <summary>`loom export gguf --model DIR --out FILE [--type …]`: a trained language model as a GGUF file that
/// llama.cpp, Ollama and `loom run` load (see <see cref="GgufExport"/> for how the model and tokenizer map).</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var command = new Command("export", "Write a trained model in another format");
        command.Subcommands.Add(GgufCommand());
        return command;
    }

    private static Command GgufCommand()
    {
        var model = new Option<string>("--model") { Description = "Model directory written by `loom train lm` or `loom finetune`", Required = true };
        var output = new Option<string>("--out") { Description = "GGUF file to write", Required = true };
        var type = new Option<string>("--type") { Description = "Weights: " + string.Join(", ", GgufQuantization.All.Select(q => q.Name)), DefaultValueFactory = _ => "f32" };
        var threads = new Option<int?>("--threads") { Description = "Threads quantizing rows (default: all cores; the output does not depend on it)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var command = new Command("gguf", "Export a language model to GGUF (llama architecture)");
        foreach (var option in new Option[] { model, output, type, threads, json }) command.Options.Add(option);
        command.SetAction((parse, cancellation) =>
        {
            if (parse.GetValue(threads) is { } t) KernelOptions.Threads = t;
            var quantization = GgufQuantization.Parse(parse.GetValue(type)!);
            var clock = Stopwatch.StartNew();
            var result = GgufExport.Export(parse.GetValue(model)!, parse.GetValue(output)!, quantization, cancellation: cancellation);
            foreach (string warning in result.Warnings) Console.Error.WriteLine($"warning: {warning}");
            var summary = QuantizeCommand.Summary(parse.GetValue(model)!, result.Output, quantization, result.Tensors, clock.Elapsed.TotalSeconds);
            summary["warnings"] = new JsonArray([.. result.Warnings.Select(w => (JsonNode)w)]);
            if (parse.GetValue(json)) Console.WriteLine(summary.ToJsonString());
            else
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{result.Output}: llama, {quantization.Name}, {result.Tensors.Tensors.Count} tensors, {result.Tensors.TensorBytesOut / 1048576.0:F2} MiB"));
            return Task.FromResult(0);
        });
        return command;
    }
}
