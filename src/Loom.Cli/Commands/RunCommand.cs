using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Loom.Inference;
using Loom.Text.Sampling;

namespace Loom.Cli;

/// <summary>`loom run FILE.gguf --prompt TEXT`: continues a prompt with a GGUF model, streaming text to stdout.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var llm = new LlmCliOptions();
        var prompt = new Option<string>("--prompt") { Description = "Text to continue (BOS added when the vocabulary asks for it; special-token text is parsed)", Required = true };
        var sampling = new SamplingCliOptions(defaultMaxTokens: 256);
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of streaming text" };
        var command = new Command("run", "Generate text with a GGUF model (llama, qwen2, qwen3)");
        llm.AddTo(command);
        command.Options.Add(prompt);
        sampling.AddTo(command);
        command.Options.Add(json);
        command.SetAction((parse, cancellation) =>
        {
            bool asJson = parse.GetValue(json);
            using var model = llm.Load(parse);
            var result = Run(model, parse.GetValue(prompt)!, sampling.Read(parse), asJson ? null : Console.Out, asJson ? null : Console.Error, cancellation);
            if (asJson) Console.WriteLine(result.ToJsonString());
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>
    /// Generates one continuation of <paramref name="prompt"/>. With a <paramref name="stream"/>, writes the prompt and
    /// then each piece as it is sampled; a summary line (prompt and generation speed) goes to <paramref name="log"/>.
    /// </summary>
    public static JsonObject Run(LlmModel model, string prompt, SamplingOptions sampling, TextWriter? stream = null,
        TextWriter? log = null, CancellationToken cancellation = default)
    {
        var generator = LlmGeneration.CreateGenerator(model);
        stream?.Write(prompt);
        var ids = new JsonArray();
        var clock = Stopwatch.StartNew();
        double promptSeconds = 0;
        var (text, finish, promptTokens, completion) = PieceStreamer.Stream(generator.Generate(prompt, sampling, 0, cancellation), stream, piece =>
        {
            // The first piece comes once the prompt is processed and one token sampled.
            if (promptSeconds == 0) promptSeconds = clock.Elapsed.TotalSeconds;
            if (piece.Token is { } id) ids.Add(id);
        });
        double total = clock.Elapsed.TotalSeconds, generation = total - promptSeconds;
        double promptRate = promptSeconds > 0 ? promptTokens / promptSeconds : 0;
        double generationRate = generation > 0 && completion > 1 ? (completion - 1) / generation : 0;
        log?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{promptTokens} prompt tokens at {promptRate:F1} t/s, {completion} generated at {generationRate:F1} t/s, finish {finish?.ToWireName()}, seed {sampling.Seed}]"));
        return new JsonObject
        {
            ["model"] = model.Name,
            ["contextLength"] = model.Config.ContextLength,
            ["prompt"] = prompt,
            ["text"] = text,
            ["ids"] = ids,
            ["finish"] = finish?.ToWireName(),
            ["promptTokens"] = promptTokens,
            ["completionTokens"] = completion,
            ["seed"] = sampling.Seed,
            ["promptTokensPerSecond"] = Math.Round(promptRate, 1),
            ["generationTokensPerSecond"] = Math.Round(generationRate, 1),
        };
    }
}
