using System.Diagnostics;
using System.Text.Json.Nodes;
using Loom.Inference;
using Loom.Kernels;
using Loom.Kernels.Quant;

namespace Loom.Benchmarks.Llm;

/// <summary>
/// `dotnet run -c Release --project bench/Loom.Benchmarks -- decode-profile FILE.gguf [--threads 1] [--tokens 128]
/// [--repeat 5] [--json]`: where one decoded token's time goes. First a whole decode (the --tokens tokens of llama-bench's
/// tg test, from an empty cache) gives ms/token; then each mat-vec class runs alone over every layer's weights, as
/// decode runs it (the same grouped jobs: Q/K/V, O, gate/up, down, the output head), giving ms/token and the weights'
/// GB/s per class; what is left of the token (attention, norms, RoPE, residual adds) is the difference. The best of
/// --repeat passes; each pass streams the class's weights of every layer once, as a token does, so the caches hold
/// what they would in decode.
/// </summary>
internal static class DecodeProfileCommand
{
    public const string Verb = "decode-profile";

    public static int Run(string[] args)
    {
        if (args.Length < 1 || args[0].StartsWith("--", StringComparison.Ordinal))
        {
            Console.Error.WriteLine($"usage: {Verb} FILE.gguf [--threads N] [--tokens 128] [--repeat 5] [--json]");
            return 2;
        }
        KernelOptions.Threads = int.Parse(LlmArgs.Option(args, "--threads") ?? "1");
        int tokens = int.Parse(LlmArgs.Option(args, "--tokens") ?? "128");
        int repeat = int.Parse(LlmArgs.Option(args, "--repeat") ?? "5");
        using var model = LlmModel.Load(args[0], contextLength: tokens);
        var c = model.Config;
        var layers = model.Weights.Layers;

        double tokenMs = Best(repeat, () =>
        {
            using var session = model.CreateSession();
            long start = Stopwatch.GetTimestamp();
            for (int t = 0; t < tokens; t++) session.Forward([t % c.VocabSize]);
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds / tokens;
        });

        var x = new float[Math.Max(c.EmbeddingLength, Math.Max(c.FeedForwardLength, c.AttentionOutputWidth))];
        var rng = new Random(1);
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        var q = new float[c.QueryWidth]; var k = new float[c.KeyWidth]; var v = new float[c.ValueWidth];
        var e = new float[c.EmbeddingLength]; var gate = new float[c.FeedForwardLength]; var up = new float[c.FeedForwardLength];
        var logits = new float[c.VocabSize];

        var classes = new List<(string Name, long Bytes, double Ms)>();
        void Measure(string name, long bytes, Action pass) => classes.Add((name, bytes, Best(repeat * 4, () =>
        {
            long start = Stopwatch.GetTimestamp();
            pass();
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        })));
        long Sum(Func<LayerWeights, WeightMatrix> pick) => layers.Sum(l => (long)pick(l).Bytes.Length);

        Measure("qkv", Sum(l => l.Query) + Sum(l => l.Key) + Sum(l => l.Value), () =>
        {
            foreach (var l in layers) QuantMatVecGroup.MatVec(x.AsSpan(0, c.EmbeddingLength), Part(l.Query, q), Part(l.Key, k), Part(l.Value, v));
        });
        Measure("o", Sum(l => l.AttentionOutput), () =>
        {
            foreach (var l in layers) QuantMatVecGroup.MatVec(x.AsSpan(0, c.AttentionOutputWidth), Part(l.AttentionOutput, e));
        });
        Measure("gate+up", Sum(l => l.Gate) + Sum(l => l.Up), () =>
        {
            foreach (var l in layers) QuantMatVecGroup.MatVec(x.AsSpan(0, c.EmbeddingLength), Part(l.Gate, gate), Part(l.Up, up));
        });
        Measure("down", Sum(l => l.Down), () =>
        {
            foreach (var l in layers) QuantMatVecGroup.MatVec(x.AsSpan(0, c.FeedForwardLength), Part(l.Down, e));
        });
        var head = model.Weights.Output;
        Measure($"head ({head.Type})", head.Bytes.Length, () => QuantMatVecGroup.MatVec(x.AsSpan(0, c.EmbeddingLength), Part(head, logits)));

        double matVecMs = classes.Sum(p => p.Ms);
        var rows = new JsonArray();
        foreach (var (name, bytes, ms) in classes)
            rows.Add(new JsonObject { ["op"] = name, ["ms"] = Math.Round(ms, 4), ["share"] = Math.Round(ms / tokenMs, 3), ["weightBytes"] = bytes, ["gbPerSecond"] = Math.Round(bytes / ms / 1e6, 2) });
        rows.Add(new JsonObject { ["op"] = "rest", ["ms"] = Math.Round(tokenMs - matVecMs, 4), ["share"] = Math.Round((tokenMs - matVecMs) / tokenMs, 3) });
        var result = new JsonObject
        {
            ["bench"] = Verb, ["file"] = args[0], ["threads"] = KernelOptions.Threads, ["tokens"] = tokens,
            ["tokenMs"] = Math.Round(tokenMs, 4), ["tokensPerSecond"] = Math.Round(1000 / tokenMs, 2),
            ["weightBytesPerToken"] = model.WeightBytesPerToken,
            ["gbPerSecond"] = Math.Round(model.WeightBytesPerToken / tokenMs / 1e6, 2), ["ops"] = rows,
        };
        if (args.Contains("--json")) Console.WriteLine(result.ToJsonString());
        else
        {
            Console.WriteLine($"{Path.GetFileName(args[0])}: {tokenMs:F3} ms/token ({1000 / tokenMs:F1} tok/s, {model.WeightBytesPerToken / tokenMs / 1e6:F1} GB/s), {KernelOptions.Threads} thread(s)");
            foreach (var (name, bytes, ms) in classes)
                Console.WriteLine($"  {name,-14} {ms,8:F3} ms  {100 * ms / tokenMs,5:F1} %  {bytes / 1e6,8:F1} MB  {bytes / ms / 1e6,6:F1} GB/s");
            Console.WriteLine($"  {"rest",-14} {tokenMs - matVecMs,8:F3} ms  {100 * (tokenMs - matVecMs) / tokenMs,5:F1} %");
        }
        return 0;
    }

    private static MatVecPart Part(WeightMatrix w, float[] y) => w.ToMatVecPart(y);

    // The fastest of the passes: on a shared machine the least disturbed one (the medians moved by ±30 % between runs
    // while other processes trained beside it).
    private static double Best(int count, Func<double> sample)
    {
        sample(); // warm-up: JIT, pool, pages
        return Enumerable.Range(0, count).Select(_ => sample()).Min();
    }
}
