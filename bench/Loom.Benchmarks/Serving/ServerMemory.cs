using System.Globalization;
using System.Text.Json.Nodes;

namespace Loom.Benchmarks.Serving;

/// <summary>
/// One sample of the server's memory: from /proc/PID/status (resident total, anonymous — heap, stacks, native — and
/// file-backed, mostly the mapped weights) and from its /metrics gauges (managed heap now, GC committed, threads, the
/// bytes its sessions hold). A soak compares these after every burst, so growth can be told apart: anonymous but not
/// managed is native or stacks; managed heap is objects; session memory is KV caches; the response cache (estimated
/// bytes) holds every seeded answer up to its bounds.
/// </summary>
internal sealed record ServerMemory(double RssMiB, double AnonMiB, double FileMiB, double HeapMiB, double CommittedMiB, double SessionMiB, double Sessions, double Threads, double CacheEntries, double CacheMiB)
{
    public static async Task<ServerMemory?> SampleAsync(HttpClient http, int? pid)
    {
        if (pid is null) return null;
        var status = ReadStatus($"/proc/{pid}/status");
        if (status.Count == 0) return null;
        double heap = 0, committed = 0, sessionBytes = 0, sessions = 0, threads = 0, cacheEntries = 0, cacheBytes = 0;
        try
        {
            foreach (string line in (await http.GetStringAsync("metrics")).Split('\n'))
            {
                // Prefixes, because the exporter appends the unit: loom_gc_heap_size_bytes.
                if (line.StartsWith("loom_gc_heap_size", StringComparison.Ordinal)) heap = Value(line);
                else if (line.StartsWith("loom_gc_committed", StringComparison.Ordinal)) committed = Value(line);
                else if (line.StartsWith("loom_process_threads", StringComparison.Ordinal)) threads = Value(line);
                else if (line.StartsWith("loom_batch_session_memory", StringComparison.Ordinal)) sessionBytes += Value(line);
                else if (line.StartsWith("loom_batch_sessions", StringComparison.Ordinal)) sessions += Value(line);
                else if (line.StartsWith("loom_response_cache_entries", StringComparison.Ordinal)) cacheEntries = Value(line);
                else if (line.StartsWith("loom_response_cache_size", StringComparison.Ordinal)) cacheBytes = Value(line);
            }
        }
        catch (HttpRequestException)
        {
            // A server without /metrics (or behind a key): the /proc figures alone.
        }
        return new ServerMemory(MiB(status.GetValueOrDefault("VmRSS")), MiB(status.GetValueOrDefault("RssAnon")), MiB(status.GetValueOrDefault("RssFile")),
            MiB(heap), MiB(committed), MiB(sessionBytes), sessions, threads, cacheEntries, MiB(cacheBytes));
    }

    public JsonObject ToJson() => new()
    {
        ["rssMiB"] = RssMiB,
        ["rssAnonMiB"] = AnonMiB,
        ["rssFileMiB"] = FileMiB,
        ["gcHeapMiB"] = HeapMiB,
        ["gcCommittedMiB"] = CommittedMiB,
        ["sessionMiB"] = SessionMiB,
        ["sessions"] = Sessions,
        ["threads"] = Threads,
        ["cacheEntries"] = CacheEntries,
        ["cacheMiB"] = CacheMiB,
    };

    private static double MiB(double bytes) => Math.Round(bytes / 1048576.0, 1);

    private static Dictionary<string, long> ReadStatus(string path)
    {
        var fields = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            foreach (string line in File.ReadLines(path))
            {
                string[] parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 3 && parts[2] == "kB" && long.TryParse(parts[1], out long kb)) fields[parts[0].TrimEnd(':')] = kb * 1024;
            }
        }
        catch (IOException)
        {
            fields.Clear();
        }
        return fields;
    }

    // "name{labels} value [timestamp]": the value is the first field after the labels (or the name).
    private static double Value(string line)
    {
        int labelsEnd = line.LastIndexOf('}');
        int start = labelsEnd >= 0 ? labelsEnd + 1 : line.IndexOf(' ');
        string[] fields = line[start..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 0 && double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : 0;
    }
}
