using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Benchmarks.Llm;

namespace Loom.Benchmarks.Serving;

/// <summary>
/// `dotnet run -c Release --project bench/Loom.Benchmarks -- serve-load --url http://127.0.0.1:PORT --model ID
/// [--clients 1,4,16] [--requests R] [--max-tokens M] [--api-key K] [--pid PID] [--soak N] [--idle S] [--settle S]`: C concurrent clients each send R
/// streaming chat requests one after another over HTTP (SSE, stream_options.include_usage) and the command prints
/// one JSON object: per level, aggregate completion tokens/s, p50/p99 time to first token, failed requests, and the
/// server's resident memory (VmRSS of --pid) before and after the level — so "memory flat after the run" is visible.
/// With --pid, every level also records the server's memory after it (<see cref="ServerMemory"/>: resident split into
/// anonymous and file pages, managed heap, GC committed, session bytes, threads). --soak N appends N bursts at the
/// largest client count and one single-client level (a long soak in one command); --idle S waits S seconds after the
/// last level and samples the memory again, so what an idle server gives back is visible. --settle S waits S seconds
/// after each level before its memory sample (the server trims its memory once idle, Server:IdleTrimSeconds).
/// Runs from Program.cs before BenchmarkDotNet (not from a module initializer: its async continuations need this
/// assembly to be initialized).
/// </summary>
internal static class ServeLoadCommand
{
    public const string Verb = "serve-load";

    public static async Task<int> RunAsync(string[] args)
    {
        string? url = LlmArgs.Option(args, "--url"), model = LlmArgs.Option(args, "--model");
        if (url is null || model is null)
        {
            Console.Error.WriteLine($"usage: {Verb} --url http://127.0.0.1:PORT --model ID [--clients 1,4,16] [--requests R] [--max-tokens M] [--api-key K] [--pid PID] [--soak N] [--idle S] [--settle S]");
            return 2;
        }
        int[] levels = [.. (LlmArgs.Option(args, "--clients") ?? "1,4,16").Split(',').Select(int.Parse)];
        int soak = int.Parse(LlmArgs.Option(args, "--soak") ?? "0");
        if (soak > 0) levels = [.. levels, .. Enumerable.Repeat(levels.Max(), soak), 1];
        int idleSeconds = int.Parse(LlmArgs.Option(args, "--idle") ?? "0");
        int settleSeconds = int.Parse(LlmArgs.Option(args, "--settle") ?? "0");
        int requests = int.Parse(LlmArgs.Option(args, "--requests") ?? "2");
        int maxTokens = int.Parse(LlmArgs.Option(args, "--max-tokens") ?? "64");
        int? pid = LlmArgs.Option(args, "--pid") is { } p ? int.Parse(p) : null;
        using var http = new HttpClient { BaseAddress = new Uri(url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(10) };
        if (LlmArgs.Option(args, "--api-key") is { } key) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        await RunLevel(http, model, 0, 4, 2, 16); // warm-up: JIT tiers on both sides, buffers, the model's first load
        var results = new JsonArray();
        for (int index = 0; index < levels.Length; index++)
        {
            int clients = levels[index];
            long rssBefore = ResidentBytes(pid);
            var batchBefore = await BatchCounters.ScrapeAsync(http);
            double serverCpuBefore = CpuSeconds(pid), clientCpuBefore = CpuSeconds(Environment.ProcessId), engineCpuBefore = EngineCpuSeconds(pid);
            var level = await RunLevel(http, model, index + 1, clients, requests, maxTokens);
            double serverCpu = CpuSeconds(pid) - serverCpuBefore, clientCpu = CpuSeconds(Environment.ProcessId) - clientCpuBefore;
            double engineCpu = EngineCpuSeconds(pid) - engineCpuBefore;
            var batch = (await BatchCounters.ScrapeAsync(http)).Minus(batchBefore);
            long rssAfter = ResidentBytes(pid);
            double seconds = level["seconds"]!.GetValue<double>();
            // CPU seconds per wall second: on a 2-core machine 2.0 is everything; the client's share is what the
            // load generator takes away from the server it measures.
            level["serverCpuCores"] = pid is null ? null : Math.Round(serverCpu / seconds, 2);
            level["clientCpuCores"] = Math.Round(clientCpu / seconds, 2);
            // The server's CPU split: its batching loop and kernel threads vs everything else (HTTP, JSON, GC, timers).
            level["serverEngineCpuMsPerToken"] = pid is null || level["completionTokens"]!.GetValue<long>() == 0 ? null
                : Math.Round(engineCpu * 1000 / level["completionTokens"]!.GetValue<long>(), 2);
            level["serverOtherCpuMsPerToken"] = pid is null || level["completionTokens"]!.GetValue<long>() == 0 ? null
                : Math.Round((serverCpu - engineCpu) * 1000 / level["completionTokens"]!.GetValue<long>(), 2);
            level["meanDecodeBatch"] = batch.Steps == 0 ? null : Math.Round(batch.DecodedTokens / batch.Steps, 2);
            level["meanStepMs"] = batch.Steps == 0 ? null : Math.Round(batch.DecodeSeconds / batch.Steps * 1000, 2);
            level["meanNextMsPerToken"] = batch.DecodedTokens == 0 ? null : Math.Round(batch.NextSeconds / batch.DecodedTokens * 1000, 3);
            level["decodeBusy"] = Math.Round(batch.DecodeSeconds / seconds, 3);
            level["prefillBusy"] = Math.Round(batch.PrefillSeconds / seconds, 3);
            level["prefillTokens"] = (long)batch.PrefillTokens;
            level["rssBeforeMiB"] = rssBefore < 0 ? null : Math.Round(rssBefore / 1048576.0, 1);
            level["rssAfterMiB"] = rssAfter < 0 ? null : Math.Round(rssAfter / 1048576.0, 1);
            if (settleSeconds > 0) await Task.Delay(TimeSpan.FromSeconds(settleSeconds));
            level["memoryAfter"] = (await ServerMemory.SampleAsync(http, pid))?.ToJson();
            results.Add(level);
            if (pid is not null) Console.Error.WriteLine($"level {index + 1}/{levels.Length}: {level.ToJsonString()}");
        }
        var output = new JsonObject { ["url"] = url, ["model"] = model, ["requestsPerClient"] = requests, ["maxTokens"] = maxTokens, ["levels"] = results };
        if (idleSeconds > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(idleSeconds));
            output["idleSeconds"] = idleSeconds;
            output["memoryAfterIdle"] = (await ServerMemory.SampleAsync(http, pid))?.ToJson();
        }
        Console.WriteLine(output.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    // Every request of a run has its own seed and prompt (level, client, request), so none is answered from the
    // server's response cache, which serves identical seeded requests.
    private static async Task<JsonObject> RunLevel(HttpClient http, string model, int levelIndex, int clients, int requests, int maxTokens)
    {
        var clock = Stopwatch.StartNew();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
        {
            var mine = new List<Outcome>();
            for (int r = 0; r < requests; r++)
            {
                int seed = (levelIndex * 1000 + c) * 100 + r;
                mine.Add(await StreamOne(http, model, $"Tell me story {seed}.", seed, maxTokens));
            }
            return mine;
        }));
        double seconds = clock.Elapsed.TotalSeconds;
        var all = outcomes.SelectMany(o => o).ToList();
        var ok = all.Where(o => o.Error is null).ToList();
        var ttft = ok.Select(o => o.TimeToFirstToken).Order().ToList();
        long tokens = ok.Sum(o => o.CompletionTokens);
        return new JsonObject
        {
            ["clients"] = clients,
            ["requests"] = all.Count,
            ["failed"] = all.Count - ok.Count,
            ["firstError"] = all.FirstOrDefault(o => o.Error is not null)?.Error,
            ["completionTokens"] = tokens,
            ["seconds"] = Math.Round(seconds, 3),
            ["tokensPerSecond"] = Math.Round(tokens / seconds, 2),
            ["ttftP50Ms"] = ttft.Count == 0 ? null : Math.Round(Percentile(ttft, 0.50) * 1000, 1),
            ["ttftP99Ms"] = ttft.Count == 0 ? null : Math.Round(Percentile(ttft, 0.99) * 1000, 1),
        };
    }

    private sealed record Outcome(double TimeToFirstToken, long CompletionTokens, string? Error);

    // One streaming chat request: time to the first content chunk, and the completion tokens the usage chunk reports.
    private static async Task<Outcome> StreamOne(HttpClient http, string model, string prompt, int seed, int maxTokens)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
            ["stream"] = true,
            ["stream_options"] = new JsonObject { ["include_usage"] = true },
            ["max_tokens"] = maxTokens,
            ["temperature"] = 1.0,
            ["seed"] = seed,
        };
        var clock = Stopwatch.StartNew();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if (!response.IsSuccessStatusCode) return new Outcome(0, 0, $"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            double first = -1;
            long completion = 0;
            bool done = false;
            // Cheap on purpose (the client shares the server's cores): lines are searched, not parsed, except the
            // one usage chunk and an error event.
            while (await reader.ReadLineAsync() is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                if (line.AsSpan(6).SequenceEqual("[DONE]")) { done = true; break; }
                if (first < 0 && HasContent(line)) first = clock.Elapsed.TotalSeconds;
                if (line.Contains("\"usage\":{", StringComparison.Ordinal) || line.Contains("\"error\":", StringComparison.Ordinal))
                {
                    using var chunk = JsonDocument.Parse(line.AsMemory(6));
                    if (chunk.RootElement.TryGetProperty("error", out var error)) return new Outcome(0, 0, error.GetRawText());
                    if (chunk.RootElement.TryGetProperty("usage", out var usage) && usage.TryGetProperty("completion_tokens", out var tokens))
                        completion = tokens.GetInt64();
                }
            }
            return done ? new Outcome(first < 0 ? clock.Elapsed.TotalSeconds : first, completion, null) : new Outcome(0, 0, "stream ended without [DONE]");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or JsonException or TaskCanceledException)
        {
            return new Outcome(0, 0, e.Message);
        }
    }

    // A chunk whose delta carries text: "content":" followed by anything but the closing quote.
    private static bool HasContent(string line)
    {
        int at = line.IndexOf("\"content\":\"", StringComparison.Ordinal);
        return at >= 0 && at + 11 < line.Length && line[at + 11] != '"';
    }

    private static double Percentile(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(sorted.Count * q) - 1)];

    // utime + stime of a process from /proc/PID/stat (Linux, clock ticks of 1/100 s); 0 when it cannot be read.
    private static double CpuSeconds(int? pid)
    {
        if (pid is null) return 0;
        try
        {
            return StatCpuSeconds(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (IOException)
        {
            return 0;
        }
    }

    // utime + stime from a /proc stat line: the fields after the command name (which may hold spaces) start at state,
    // field 3; utime and stime are fields 14 and 15.
    private static double StatCpuSeconds(string stat)
    {
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
    }

    // CPU of the server's engine threads (the batching loop "loom-batch-…" and the kernel pool "loom-kernel-…", by
    // their names in /proc/PID/task/*/comm); 0 when they cannot be read.
    private static double EngineCpuSeconds(int? pid)
    {
        if (pid is null) return 0;
        double total = 0;
        try
        {
            foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    string name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                    if (!name.StartsWith("loom-batch", StringComparison.Ordinal) && !name.StartsWith("loom-kernel", StringComparison.Ordinal)) continue;
                    total += StatCpuSeconds(File.ReadAllText(Path.Combine(task, "stat")));
                }
                catch (IOException)
                {
                    // The thread ended between the listing and the read.
                }
            }
        }
        catch (IOException)
        {
            return 0;
        }
        return total;
    }

    // VmRSS of the server process from /proc (Linux); −1 when no pid was given or it cannot be read.
    private static long ResidentBytes(int? pid)
    {
        if (pid is null) return -1;
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (IOException) { }
        return -1;
    }
}
