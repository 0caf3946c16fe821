using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Loom.Kernels;
using Loom.Models.Transformer;

namespace Loom.Cli;

/// <summary>
/// `loom quantize IN.gguf OUT.gguf --type q8_0|q4_0|q4_k_m|q6_k|f16|f32`: rewrites every 2-D weight in the new
/// type with llama-quantize's per-tensor choices (see <see cref="GgufTensorTypeRules"/>); norms stay F32. The output
/// is written to a temporary file and renamed, so a failed run leaves no half-written model.
/// </summary>
public static class QuantizeCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "GGUF file to read" };
        var output = new Argument<string>("output") { Description = "GGUF file to write" };
        var type = new Option<string>("--type") { Description = "Target: " + string.Join(", ", GgufQuantization.All.Select(q => q.Name)), Required = true };
        var threads = new Option<int?>("--threads") { Description = "Threads quantizing rows (default: all cores; the output does not depend on it)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with every tensor's type" };
        var command = new Command("quantize", "Requantize a GGUF model file as llama-quantize does");
        command.Arguments.Add(input);
        command.Arguments.Add(output);
        foreach (var option in new Option[] { type, threads, json }) command.Options.Add(option);
        command.SetAction((parse, cancellation) =>
        {
            if (parse.GetValue(threads) is { } t) KernelOptions.Threads = t;
            bool asJson = parse.GetValue(json);
            var quantization = GgufQuantization.Parse(parse.GetValue(type)!);
            var clock = Stopwatch.StartNew();
            var progress = asJson ? null : new Progress<string>(Console.Error.WriteLine);
            var result = GgufQuantizer.QuantizeFile(parse.GetValue(input)!, parse.GetValue(output)!, quantization, progress, cancellation);
            foreach (string warning in result.Warnings) Console.Error.WriteLine($"warning: {warning}");
            var summary = Summary(parse.GetValue(input)!, parse.GetValue(output)!, quantization, result, clock.Elapsed.TotalSeconds);
            if (asJson) Console.WriteLine(summary.ToJsonString());
            else
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{summary["output"]}: {quantization.Name}, {result.Tensors.Count} tensors, {result.TensorBytesIn / 1048576.0:F2} MiB -> {result.TensorBytesOut / 1048576.0:F2} MiB in {summary["seconds"]} s"));
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>The run as JSON: files, type, sizes, and every tensor with its type before and after.</summary>
    public static JsonObject Summary(string input, string output, GgufQuantization quantization, GgufQuantizeResult result, double seconds)
    {
        var tensors = new JsonObject();
        foreach (var choice in result.Tensors)
            tensors[choice.Tensor.Name] = new JsonObject { ["from"] = choice.Tensor.Type.ToString(), ["to"] = choice.Target.ToString() };
        return new JsonObject
        {
            ["input"] = input,
            ["output"] = output,
            ["type"] = quantization.Name,
            ["fileType"] = quantization.FileType,
            ["tensorBytesIn"] = result.TensorBytesIn,
            ["tensorBytesOut"] = result.TensorBytesOut,
            ["seconds"] = Math.Round(seconds, 2),
            ["warnings"] = new JsonArray([.. result.Warnings.Select(w => (JsonNode)w)]),
            ["tensors"] = tensors,
        };
    }
}
