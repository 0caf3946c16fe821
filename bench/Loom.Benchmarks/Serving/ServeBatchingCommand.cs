using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Loom.Benchmarks.Llm;
using Loom.Kernels;
using Loom.Services.Local;
using Microsoft.Extensions.AI;

namespace Loom.Benchmarks.Serving;

/// <summary>
/// `dotnet run -c Release --project bench/Loom.Benchmarks -- serve-batching --model FILE.gguf [--threads N]
/// [--tokens T] [--concurrency 1,4,16]`: streams T tokens (EOS banned, so every sequence runs to T) to each of C
/// concurrent requests through <see cref="LocalModelCatalog"/> and the model's IChatClient-side completer — the
/// continuous-batching path the server uses, without HTTP — and prints one JSON object: per C, the aggregate
/// completion tokens/s, p50/p99 time to first token and the mean decode batch.
/// </summary>
internal static class ServeBatchingCommand
{
    public const string Verb = "serve-batching";

#pragma warning disable CA2255 // An application, not a library: intercepting its own arguments is the point.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void DispatchBeforeMain()
    {
        string[] args = Environment.GetCommandLineArgs();
        if (args.Length >= 2 && args[1] == Verb) Environment.Exit(Run(args[2..]));
    }

    private static int Run(string[] args)
    {
        string? model = LlmArgs.Option(args, "--model");
        if (model is null || !File.Exists(model))
        {
            Console.Error.WriteLine($"usage: {Verb} --model FILE.gguf [--threads N] [--tokens T] [--concurrency 1,4,16]");
            return 2;
        }
        KernelOptions.Threads = int.Parse(LlmArgs.Option(args, "--threads") ?? Environment.ProcessorCount.ToString());
        int tokens = int.Parse(LlmArgs.Option(args, "--tokens") ?? "32");
        int[] levels = [.. (LlmArgs.Option(args, "--concurrency") ?? "1,4,16").Split(',').Select(int.Parse)];
        using var catalog = new LocalModelCatalog(new LocalModelCatalogOptions
        {
            Directory = Path.GetDirectoryName(Path.GetFullPath(model))!, SweepInterval = null, ContextLength = 512,
            Batching = new() { MaxSequences = Math.Max(16, levels.Max()) },
        });
        using var lease = catalog.AcquireAsync(Path.GetFileNameWithoutExtension(model)).AsTask().GetAwaiter().GetResult();
        var served = lease.Model;
        var ban = new Dictionary<int, float>();
        foreach (int eos in EndTokens(served)) ban[eos] = float.NegativeInfinity;
        RunLevel(served, 1, 4, ban); // warm-up: JIT, buffers
        var results = new List<object>();
        foreach (int c in levels)
        {
            var scheduler = ((GgufServedModel)served).Scheduler;
            long steps0 = scheduler.Steps, decoded0 = scheduler.DecodedTokens;
            var decodeTime0 = scheduler.DecodeTime;
            var (seconds, completion, ttft) = RunLevel(served, c, tokens, ban);
            long steps = scheduler.Steps - steps0, decoded = scheduler.DecodedTokens - decoded0;
            var decodeTime = scheduler.DecodeTime - decodeTime0;
            ttft.Sort();
            results.Add(new
            {
                concurrency = c,
                completionTokens = completion,
                seconds = Math.Round(seconds, 3),
                tokensPerSecond = Math.Round(completion / seconds, 2),
                ttftP50Ms = Math.Round(ttft[ttft.Count / 2] * 1000, 1),
                ttftP99Ms = Math.Round(ttft[Math.Min(ttft.Count - 1, (int)Math.Ceiling(ttft.Count * 0.99) - 1)] * 1000, 1),
                meanDecodeBatch = steps == 0 ? 0 : Math.Round((double)decoded / steps, 2),
                meanStepMs = steps == 0 ? 0 : Math.Round(decodeTime.TotalMilliseconds / steps, 2),
            });
        }
        Console.WriteLine(JsonSerializer.Serialize(new { model = Path.GetFileName(model), threads = KernelOptions.Threads, tokensPerSequence = tokens, results },
            new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    private static IEnumerable<int> EndTokens(Loom.Services.Models.IServedModel served) =>
        ((GgufServedModel)served).EndOfGeneration;

    // Everything here runs on the calling thread: the command is dispatched from a module initializer, and another
    // thread running this assembly's code (an async continuation) would wait for that initializer to finish.
    private static (double Seconds, long Completion, List<double> Ttft) RunLevel(Loom.Services.Models.IServedModel served, int concurrency,
        int tokens, Dictionary<int, float> ban)
    {
        var clock = Stopwatch.StartNew();
        var ttft = new List<double>();
        long completion = 0;
        var streams = new IAsyncEnumerator<ChatResponseUpdate>[concurrency];
        var pending = new Task<bool>[concurrency];
        var seen = new bool[concurrency];
        for (int i = 0; i < concurrency; i++)
        {
            var options = new ChatOptions
            {
                Seed = i, Temperature = 1f, MaxOutputTokens = tokens,
                AdditionalProperties = new() { [Loom.Services.Models.LoomChatOptions.LogitBias] = ban },
            };
            streams[i] = served.Completions!.CompleteStreamingAsync($"Once upon a time {i}", options).GetAsyncEnumerator();
            pending[i] = streams[i].MoveNextAsync().AsTask();
        }
        int open = concurrency;
        while (open > 0)
        {
            int i = Task.WaitAny(pending.Where(t => t is not null).ToArray());
            i = Array.IndexOf(pending, pending.Where(t => t is not null).ToArray()[i]);
            if (!pending[i].Result)
            {
                pending[i] = null!;
                open--;
                continue;
            }
            var update = streams[i].Current;
            if (!seen[i])
            {
                ttft.Add(clock.Elapsed.TotalSeconds);
                seen[i] = true;
            }
            foreach (var usage in update.Contents.OfType<UsageContent>()) completion += usage.Details.OutputTokenCount ?? 0;
            pending[i] = streams[i].MoveNextAsync().AsTask();
        }
        return (clock.Elapsed.TotalSeconds, completion, ttft);
    }
}
