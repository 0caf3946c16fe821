using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Inference;
using Loom.Kernels;

namespace Loom.Cli;

/// <summary>
/// `loom bench llm FILE.gguf`: prompt processing (pp) and generation (tg) speed as llama-bench measures them: pp feeds
/// --prompt-tokens ids as one prompt, tg decodes --gen-tokens ids one at a time; each repetition starts from an empty
/// KV cache; ids are seeded random ones (the speed does not depend on them); one untimed warm-up run of each first;
/// tokens/s reported as mean ± sample standard deviation over the repetitions.
/// </summary>
public static class BenchLlmCommand
{
    public sealed record Settings(int PromptTokens, int GenTokens, int Repetitions, ulong Seed = 1);

    public static Command Create()
    {
        var llm = new LlmCliOptions();
        var prompt = new Option<int>("--prompt-tokens") { Description = "Prompt length of the pp test (0: skip it)", DefaultValueFactory = _ => 512 };
        var gen = new Option<int>("--gen-tokens") { Description = "Tokens decoded in the tg test (0: skip it)", DefaultValueFactory = _ => 128 };
        var repetitions = new Option<int>("--repetitions") { Description = "Timed runs of each test", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var command = new Command("llm", "GGUF model speed: prompt and generation tokens/s (as llama-bench reports them)");
        llm.AddTo(command);
        foreach (var option in new Option[] { prompt, gen, repetitions, json }) command.Options.Add(option);
        command.SetAction((parse, cancellation) =>
        {
            var settings = new Settings(parse.GetValue(prompt), parse.GetValue(gen), parse.GetValue(repetitions));
            // Like llama-bench, a context just large enough for the longer test (the KV cache is allocated whole).
            using var model = llm.Load(parse, defaultContext: Math.Max(1, Math.Max(settings.PromptTokens, settings.GenTokens)));
            var result = Run(model, settings, cancellation);
            if (parse.GetValue(json)) Console.WriteLine(result.ToJsonString());
            else PrintTable(result);
            return Task.FromResult(0);
        });
        return command;
    }

    public static JsonObject Run(LlmModel model, Settings settings, CancellationToken cancellation = default)
    {
        if (settings.PromptTokens < 0 || settings.GenTokens < 0 || settings.Repetitions < 1)
            throw LoomException.Argument($"bench llm: token counts must be non-negative and repetitions positive, found pp {settings.PromptTokens}, tg {settings.GenTokens}, r {settings.Repetitions}");
        int needed = Math.Max(settings.PromptTokens, settings.GenTokens);
        if (needed > model.Config.ContextLength)
            throw LoomException.Argument($"bench llm: {needed} tokens do not fit the context length {model.Config.ContextLength}; pass --ctx {needed}");
        var rng = new LoomRandom(settings.Seed);
        int vocab = model.Config.VocabSize;
        int[] promptIds = [.. Enumerable.Range(0, settings.PromptTokens).Select(_ => rng.NextInt(vocab))];
        int[] genIds = [.. Enumerable.Range(0, settings.GenTokens).Select(_ => rng.NextInt(vocab))];
        var session = model.CreateSession();

        double[] pp = [], tg = [];
        if (promptIds.Length > 0)
        {
            Prompt(session, promptIds);
            pp = [.. Enumerable.Range(0, settings.Repetitions).Select(_ => TokensPerSecond(promptIds.Length, () => Prompt(session, promptIds), cancellation))];
        }
        if (genIds.Length > 0)
        {
            Generate(session, genIds[..1]);
            tg = [.. Enumerable.Range(0, settings.Repetitions).Select(_ => TokensPerSecond(genIds.Length, () => Generate(session, genIds), cancellation))];
        }
        return new JsonObject
        {
            ["model"] = model.Name,
            ["file"] = model.File.Path,
            ["architecture"] = model.Config.Architecture,
            ["fileBytes"] = model.File.FileLength,
            ["weightBytesPerToken"] = model.WeightBytesPerToken,
            ["threads"] = KernelOptions.Threads,
            ["promptTokens"] = settings.PromptTokens,
            ["genTokens"] = settings.GenTokens,
            ["repetitions"] = settings.Repetitions,
            ["promptTokensPerSecond"] = Mean(pp),
            ["promptTokensPerSecondStddev"] = StdDev(pp),
            ["generationTokensPerSecond"] = Mean(tg),
            ["generationTokensPerSecondStddev"] = StdDev(tg),
            ["promptSamples"] = new JsonArray([.. pp.Select(v => (JsonNode)Math.Round(v, 2))]),
            ["generationSamples"] = new JsonArray([.. tg.Select(v => (JsonNode)Math.Round(v, 2))]),
        };
    }

    private static void Prompt(LlmSession session, int[] ids)
    {
        session.Reset();
        session.Forward(ids);
    }

    private static void Generate(LlmSession session, int[] ids)
    {
        session.Reset();
        for (int i = 0; i < ids.Length; i++) session.Forward(ids.AsSpan(i, 1));
    }

    private static double TokensPerSecond(int tokens, Action run, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        long start = Stopwatch.GetTimestamp();
        run();
        return tokens / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static JsonNode? Mean(double[] samples) => samples.Length == 0 ? null : Math.Round(samples.Average(), 2);

    private static JsonNode? StdDev(double[] samples)
    {
        if (samples.Length == 0) return null;
        if (samples.Length == 1) return 0.0;
        double mean = samples.Average();
        return Math.Round(Math.Sqrt(samples.Sum(v => (v - mean) * (v - mean)) / (samples.Length - 1)), 2);
    }

    private static void PrintTable(JsonObject r)
    {
        string size = string.Create(CultureInfo.InvariantCulture, $"{(long)r["fileBytes"]! / 1048576.0:F2} MiB");
        Console.WriteLine("| model | size | threads | test | t/s |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        if ((int)r["promptTokens"]! > 0)
            Console.WriteLine($"| {r["model"]} | {size} | {r["threads"]} | pp{r["promptTokens"]} | {r["promptTokensPerSecond"]} ± {r["promptTokensPerSecondStddev"]} |");
        if ((int)r["genTokens"]! > 0)
            Console.WriteLine($"| {r["model"]} | {size} | {r["threads"]} | tg{r["genTokens"]} | {r["generationTokensPerSecond"]} ± {r["generationTokensPerSecondStddev"]} |");
    }
}
