using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Formats.Gguf;
using Loom.Kernels;
using Loom.Kernels.Threading;

namespace Loom.Benchmarks.Llm;

/// <summary>
/// `dotnet run -c Release --project bench/Loom.Benchmarks -- read-bandwidth [--mib 1024] [--repeat 20]
/// [--threads 1,2] [--model FILE.gguf]... [--json]`: main-memory read bandwidth (GB/s, 1e9 bytes) — a buffer far
/// larger than the caches summed with vector loads, split in 16 MiB chunks over the threads, rounds alternating
/// between the thread counts; the best of the repeats (on a shared machine the best is the one least disturbed) and
/// the median. With --model, the generation speed bound of each GGUF: bytes of weights one decoded token reads (every
/// tensor but token_embd, of which a token reads one row) ÷ bandwidth.
/// </summary>
internal static class ReadBandwidthCommand
{
    public const string Verb = "read-bandwidth";
    private const int ChunkBytes = 16 << 20;

    public static int Run(string[] args)
    {
        bool json = args.Contains("--json");
        int mib = int.Parse(LlmArgs.Option(args, "--mib") ?? "1024");
        int repeat = int.Parse(LlmArgs.Option(args, "--repeat") ?? "20");
        int[] threadCounts = (LlmArgs.Option(args, "--threads") ?? "1,2").Split(',').Select(int.Parse).ToArray();
        var models = args.Select((a, i) => (a, i)).Where(p => p.a == "--model" && p.i + 1 < args.Length)
            .Select(p => args[p.i + 1]).ToList();
        if (mib < 64 || repeat < 1 || threadCounts.Any(t => t < 1))
        {
            Console.Error.WriteLine($"usage: {Verb} [--mib N>=64] [--repeat R] [--threads 1,2] [--model FILE.gguf]... [--json]");
            return 2;
        }

        long length = (long)mib << 20;
        int chunks = (int)(length / ChunkBytes);
        var buffer = GC.AllocateUninitializedArray<float>((int)(length / sizeof(float)));
        for (int i = 0; i < buffer.Length; i++) buffer[i] = i & 1023; // touch every page so reads hit memory, not the zero page
        var partial = new float[chunks];

        // Rounds alternate between the thread counts, so a busy spell on the shared machine hits each alike.
        var samples = threadCounts.Distinct().ToDictionary(t => t, _ => new List<double>());
        for (int r = 0; r <= repeat; r++)
        {
            foreach (var (threads, list) in samples)
            {
                KernelOptions.Threads = threads;
                long start = Stopwatch.GetTimestamp();
                WorkerPool.Shared.For(chunks, c => partial[c] = Sum(buffer.AsSpan(c * (ChunkBytes / sizeof(float)), ChunkBytes / sizeof(float))));
                double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                if (r > 0) list.Add(length / seconds / 1e9); // the first round warms the pool and the pages
            }
        }

        var rows = new JsonArray();
        var best = new Dictionary<int, double>();
        foreach (var (threads, list) in samples)
        {
            list.Sort();
            best[threads] = list[^1];
            rows.Add(new JsonObject
            {
                ["threads"] = threads, ["bestGBps"] = Math.Round(list[^1], 2),
                ["medianGBps"] = Math.Round(list[list.Count / 2], 2), ["checksum"] = partial.Sum(),
            });
            if (!json) Console.WriteLine($"read bandwidth, {threads} thread(s), {mib} MiB x {repeat}: best {list[^1]:F2} GB/s, median {list[list.Count / 2]:F2} GB/s");
        }

        var bounds = new JsonArray();
        foreach (string model in models)
        {
            long bytesPerToken = WeightBytesPerToken(model);
            var bound = new JsonObject { ["model"] = model, ["weightBytesPerToken"] = bytesPerToken };
            foreach (var (threads, gbps) in best)
            {
                double tokensPerSecond = gbps * 1e9 / bytesPerToken;
                bound[$"boundTokensPerSecond{threads}t"] = Math.Round(tokensPerSecond, 1);
                if (!json) Console.WriteLine($"{Path.GetFileName(model)}: {bytesPerToken / 1e6:F1} MB of weights per token; bound at {threads} thread(s): {tokensPerSecond:F1} tokens/s");
            }
            bounds.Add(bound);
        }

        if (json)
        {
            var result = new JsonObject { ["bench"] = Verb, ["mib"] = mib, ["repeat"] = repeat, ["bandwidth"] = rows, ["models"] = bounds };
            Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        }
        return 0;
    }

    /// <summary>Bytes one decoded token reads from the weights: all tensors, but only one row of token_embd.</summary>
    public static long WeightBytesPerToken(string path)
    {
        using var file = GgufFile.Open(path);
        long total = 0;
        foreach (var tensor in file.Tensors)
        {
            // A lookup reads one row of token_embd; a tied embedding is read whole, as the output projection.
            bool lookupOnly = tensor.Name == "token_embd.weight" && file.TryGetTensor("output.weight", out _);
            total += lookupOnly ? tensor.ByteSize / tensor.RowCount : tensor.ByteSize;
        }
        return total;
    }

    private static float Sum(ReadOnlySpan<float> values)
    {
        // Four independent accumulators keep several loads in flight; the sum only stops the JIT dropping the reads.
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        Vector<float> a = default, b = default, c = default, d = default;
        int i = 0;
        for (; i + 4 <= vectors.Length; i += 4)
        {
            a += vectors[i];
            b += vectors[i + 1];
            c += vectors[i + 2];
            d += vectors[i + 3];
        }
        for (; i < vectors.Length; i++) a += vectors[i];
        return Vector.Sum(a + b + c + d);
    }
}
