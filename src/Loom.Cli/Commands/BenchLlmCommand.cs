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
/// tokens/s reported as mean ± sample standard deviation over the repetitions. Memory is reported beside the speed:
/// the weights' bytes (memory-mapped, so resident as file-backed pages), the KV cache and activation buffers the
/// session holds, and the process's resident memory split as Linux does (file-backed vs anonymous) before the model
/// is loaded and after the runs, so anonymous growth can be compared with the KV cache; beside it the managed heap's
/// committed bytes, and the same readings once more after a full garbage collection (what the process still needs,
/// without garbage the GC had not yet had a reason to collect).
/// </summary>
public static class BenchLlmCommand
{
    public sealed record Settings(int PromptTokens, int GenTokens, int Repetitions, ulong Seed = 1, int ChunkRows = LlmSession.DefaultChunkRows);

    public static Command Create()
    {
        var llm = new LlmCliOptions();
        var prompt = new Option<int>("--prompt-tokens") { Description = "Prompt length of the pp test (0: skip it)", DefaultValueFactory = _ => 512 };
        var gen = new Option<int>("--gen-tokens") { Description = "Tokens decoded in the tg test (0: skip it)", DefaultValueFactory = _ => 128 };
        var repetitions = new Option<int>("--repetitions") { Description = "Timed runs of each test", DefaultValueFactory = _ => 5 };
        var chunkRows = new Option<int>("--chunk-rows")
        {
            Description = "Prompt rows pushed through the layers at once (activation memory scales with it)",
            DefaultValueFactory = _ => LlmSession.DefaultChunkRows,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var command = new Command("llm", "GGUF model speed: prompt and generation tokens/s (as llama-bench reports them)");
        llm.AddTo(command);
        foreach (var option in new Option[] { prompt, gen, repetitions, chunkRows, json }) command.Options.Add(option);
        command.SetAction((parse, cancellation) =>
        {
            var settings = new Settings(parse.GetValue(prompt), parse.GetValue(gen), parse.GetValue(repetitions), ChunkRows: parse.GetValue(chunkRows));
            // Before anything of the model exists: what the runtime itself holds (heap, JIT code, CLI parsing).
            var baseline = ResidentMemory.Read();
            long gcBaseline = GC.GetTotalMemory(forceFullCollection: false);
            // Like llama-bench, a context just large enough for the longer test (the KV cache is allocated whole).
            using var model = llm.Load(parse, defaultContext: Math.Max(1, Math.Max(settings.PromptTokens, settings.GenTokens)));
            var result = Run(model, settings, cancellation, baseline);
            result["gcHeapBaselineBytes"] = gcBaseline;
            if (parse.GetValue(json)) Console.WriteLine(result.ToJsonString());
            else PrintTable(result);
            return Task.FromResult(0);
        });
        return command;
    }

    /// <param name="baseline">Resident memory measured before the model was loaded; without it the baseline and
    /// growth fields are null.</param>
    public static JsonObject Run(LlmModel model, Settings settings, CancellationToken cancellation = default, ResidentMemory? baseline = null)
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
        using var session = model.CreateSession(chunkRows: settings.ChunkRows);

        double[] pp = [], tg = [];
        if (promptIds.Length > 0)
        {
            Prompt(session, promptIds);
            pp = [.. Enumerable.Range(0, settings.Repetitions).Select(_ => TokensPerSecond(promptIds.Length, () => Prompt(session, promptIds), cancellation))];
        }
        if (genIds.Length > 0)
        {
            // A whole untimed run, not one token: .NET compiles the decode path's methods again, optimized, after
            // they have run a few dozen times; a one-token warm-up left that inside the first timed run (−10–15 %).
            Generate(session, genIds);
            tg = [.. Enumerable.Range(0, settings.Repetitions).Select(_ => TokensPerSecond(genIds.Length, () => Generate(session, genIds), cancellation))];
        }
        var after = ResidentMemory.Read();
        long gcHeap = GC.GetTotalMemory(forceFullCollection: false);
        // Everything unreachable collected and the freed heap given back: what the session really keeps resident.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var collected = ResidentMemory.Read();
        long gcCommittedCollected = GC.GetGCMemoryInfo().TotalCommittedBytes;
        GC.KeepAlive(session);
        var c = model.Config;
        long? growth = after is not null && baseline is not null ? after.AnonymousBytes - baseline.AnonymousBytes : null;
        long? growthCollected = collected is not null && baseline is not null ? collected.AnonymousBytes - baseline.AnonymousBytes : null;
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
            ["contextLength"] = c.ContextLength,
            // Every tensor's bytes in the file: what the memory map makes resident once all of it has been read.
            ["weightBytes"] = model.File.Tensors.Sum(t => t.ByteSize),
            ["kvCacheBytes"] = session.Cache.Bytes,
            ["kvCacheBytesAtContext"] = 4L * c.ContextLength * (c.KeyWidth + c.ValueWidth) * c.LayerCount,
            // Held after the runs (decode's one row: a prompt's rows are freed when it is done), and the most held at once.
            ["activationBytes"] = session.BufferBytes,
            ["activationPeakBytes"] = session.PeakBufferBytes,
            ["gemmScratchBytes"] = Gemm.ThreadScratchBytes,
            ["chunkRows"] = session.ChunkRows,
            ["rssFileBytes"] = after?.FileBytes,
            ["rssAnonBytes"] = after?.AnonymousBytes,
            ["rssShmemBytes"] = after?.SharedBytes,
            ["rssFileBaselineBytes"] = baseline?.FileBytes,
            ["rssAnonBaselineBytes"] = baseline?.AnonymousBytes,
            ["rssShmemBaselineBytes"] = baseline?.SharedBytes,
            ["anonGrowthBytes"] = growth,
            // The acceptance reading: anonymous growth over the KV bytes the session holds (its allocated capacity).
            ["anonGrowthPerKvCache"] = Ratio(growth, session.Cache.Bytes),
            // Managed bytes allocated and not yet known to be free (live objects plus garbage not yet collected).
            ["gcHeapBytes"] = gcHeap,
            ["rssAnonAfterCollectBytes"] = collected?.AnonymousBytes,
            ["anonGrowthAfterCollectBytes"] = growthCollected,
            ["anonGrowthAfterCollectPerKvCache"] = Ratio(growthCollected, session.Cache.Bytes),
            ["gcCommittedAfterCollectBytes"] = gcCommittedCollected,
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

    private static JsonNode? Ratio(long? growth, long kv) => growth is { } g && kv > 0 ? Math.Round((double)g / kv, 3) : null;

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
        Console.WriteLine();
        Console.WriteLine(MemoryLine(r));
    }

    /// <summary>One line: weights, KV cache and activations, then resident memory where the OS reports it.</summary>
    internal static string MemoryLine(JsonObject r)
    {
        static string MiB(JsonNode? bytes) => string.Create(CultureInfo.InvariantCulture, $"{(long)bytes! / 1048576.0:F1} MiB");
        string line = $"memory: weights {MiB(r["weightBytes"])} (mapped), KV cache {MiB(r["kvCacheBytes"])} " +
            $"({r["contextLength"]}-token context: {MiB(r["kvCacheBytesAtContext"])}), activations {MiB(r["activationBytes"])} " +
            $"(prompt peak {MiB(r["activationPeakBytes"])})";
        if (r["rssAnonBytes"] is null) return line;
        line += $"; resident: file-backed {MiB(r["rssFileBytes"])}, shared (JIT code) {MiB(r["rssShmemBytes"])}, anonymous {MiB(r["rssAnonBytes"])}";
        if (r["anonGrowthBytes"] is not { } growth) return line;
        static string Times(JsonNode? ratio) => ratio is null ? "" : string.Create(CultureInfo.InvariantCulture, $", {(double)ratio:F2}× the KV cache");
        line += $" ({MiB(r["rssAnonBaselineBytes"])} before loading: growth {MiB(growth)}{Times(r["anonGrowthPerKvCache"])}";
        return r["anonGrowthAfterCollectBytes"] is { } collected
            ? line + $"; after a full GC {MiB(collected)}{Times(r["anonGrowthAfterCollectPerKvCache"])})"
            : line + ")";
    }

    /// <summary>
    /// The process's resident memory as Linux splits it in /proc/self/status: <c>RssFile</c>, pages backed by files
    /// (the memory-mapped weights, and the runtime's own libraries and assemblies), and <c>RssAnon</c>, everything
    /// else (the managed heap with the KV cache and activations, thread stacks, native allocations), and
    /// <c>RssShmem</c>, shared memory: the JIT's code, which .NET maps twice (writable and executable) through a
    /// shared memory file.
    /// </summary>
    public sealed record ResidentMemory(long FileBytes, long AnonymousBytes, long SharedBytes)
    {
        /// <summary>Now, or null where /proc/self/status is absent (not Linux) or lacks the fields.</summary>
        public static ResidentMemory? Read()
        {
            try
            {
                return File.Exists("/proc/self/status") ? Parse(File.ReadAllText("/proc/self/status")) : null;
            }
            catch (IOException)
            {
                return null;
            }
        }

        /// <summary>The RssFile, RssAnon and RssShmem lines ("RssAnon:\t  1234 kB") of a status file's text.</summary>
        public static ResidentMemory? Parse(string status)
        {
            long? file = null, anonymous = null, shared = null;
            foreach (string line in status.Split('\n'))
            {
                if (line.StartsWith("RssFile:", StringComparison.Ordinal)) file = Kilobytes(line);
                else if (line.StartsWith("RssAnon:", StringComparison.Ordinal)) anonymous = Kilobytes(line);
                else if (line.StartsWith("RssShmem:", StringComparison.Ordinal)) shared = Kilobytes(line);
            }
            return file is { } f && anonymous is { } a && shared is { } s ? new ResidentMemory(f, a, s) : null;
        }

        private static long? Kilobytes(string line)
        {
            string[] parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            return parts.Length == 3 && parts[2] == "kB" && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kb)
                ? kb * 1024
                : null;
        }
    }
}
