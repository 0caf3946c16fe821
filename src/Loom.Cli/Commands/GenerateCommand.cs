using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Kernels;
using Loom.Models.Storage;
using Loom.Models.Transformer;
using Loom.Nn.Lora;
using Loom.Text.Sampling;

namespace Loom.Cli;

/// <summary>What `loom generate` was asked for: the model (and optional LoRA adapter), the prompt, how many samples, how to sample.</summary>
public sealed record GenerateRequest(string Model, string Prompt, int Samples, SamplingOptions Sampling, string? Lora = null);

/// <summary>`loom generate`: samples text from a trained language model, streaming each token as it is produced.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model directory written by `loom train lm` or `loom finetune`", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "Text to continue (default: start a fresh sequence)", DefaultValueFactory = _ => "" };
        var n = new Option<int>("--n") { Description = "Number of samples", DefaultValueFactory = _ => 1 };
        var sampling = new SamplingCliOptions(defaultMaxTokens: 200);
        var lora = new Option<string>("--lora") { Description = "LoRA adapter directory (from `loom finetune --lora`) to apply on top of the model" };
        var threads = new Option<int?>("--threads") { Description = "Kernel threads (default: all cores)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with every sample instead of streaming text" };
        var command = new Command("generate", "Sample text from a trained language model");
        foreach (var option in new Option[] { model, prompt, n }) command.Options.Add(option);
        sampling.AddTo(command);
        foreach (var option in new Option[] { lora, threads, json }) command.Options.Add(option);
        command.SetAction((parse, cancellation) =>
        {
            if (parse.GetValue(threads) is { } t) KernelOptions.Threads = t;
            var request = new GenerateRequest(parse.GetValue(model)!, parse.GetValue(prompt)!, parse.GetValue(n), sampling.Read(parse), parse.GetValue(lora));
            bool asJson = parse.GetValue(json);
            var result = Run(request, asJson ? null : Console.Out, asJson ? null : Console.Error, cancellation);
            if (asJson) Console.WriteLine(result.ToJsonString());
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>
    /// Generates <see cref="GenerateRequest.Samples"/> samples one after another. With a <paramref name="stream"/>,
    /// writes each sample (the prompt, then every piece of text as soon as it is sampled) followed by a line break;
    /// a summary line goes to <paramref name="log"/>. Returns every sample with its finish reason and token counts.
    /// </summary>
    public static JsonObject Run(GenerateRequest request, TextWriter? stream = null, TextWriter? log = null, CancellationToken cancellation = default)
    {
        if (request.Samples < 1) throw LoomException.Argument($"generate: --n must be at least 1, found {request.Samples}");
        var lm = TransformerLmDirectory.Load(request.Model);
        if (request.Lora is { } adapterDir) ApplyAdapter(lm, adapterDir, log);
        var promptTokens = lm.EncodePrompt(request.Prompt);
        var generator = lm.CreateGenerator();
        var samples = new JsonArray();
        var clock = Stopwatch.StartNew();
        long generated = 0;
        for (int i = 0; i < request.Samples; i++)
        {
            stream?.Write(request.Prompt);
            var (text, finish, _, completion) = PieceStreamer.Stream(generator.Generate(promptTokens, request.Sampling, i, cancellation), stream);
            generated += completion;
            samples.Add(new JsonObject
            {
                ["text"] = text,
                ["finish"] = finish?.ToWireName(),
                ["completionTokens"] = completion,
            });
        }
        double seconds = clock.Elapsed.TotalSeconds;
        double tokensPerSecond = seconds > 0 ? generated / seconds : 0;
        log?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{request.Samples} sample(s), {generated} tokens, {tokensPerSecond:F1} tokens/s, seed {request.Sampling.Seed}]"));
        return new JsonObject
        {
            ["model"] = request.Model,
            ["lora"] = request.Lora,
            ["prompt"] = request.Prompt,
            ["promptTokens"] = promptTokens.Length,
            ["seed"] = request.Sampling.Seed,
            ["samples"] = samples,
            ["tokensPerSecond"] = Math.Round(tokensPerSecond, 1),
        };
    }

    /// <summary>Loads a LoRA adapter onto the model; warns when it was trained on a base whose weights differ.</summary>
    internal static void ApplyAdapter(LanguageModel lm, string adapterDirectory, TextWriter? log)
    {
        var info = Lora.LoadAdapter(lm.Model, adapterDirectory);
        lm.Model.Eval();
        if (info.BaseModelSha256 is { } expected)
        {
            string actual = ModelDirectory.Sha256OfFile(Path.Combine(lm.Directory, lm.Manifest.Weights));
            if (actual != expected)
                log?.WriteLine($"warning: {adapterDirectory} was trained on a base model with other weights ({info.BaseModelPath}); the shapes fit, so it is applied anyway");
        }
    }
}
