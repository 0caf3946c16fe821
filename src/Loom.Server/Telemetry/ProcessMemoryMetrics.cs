using System.Diagnostics.Metrics;
using System.Globalization;

namespace Loom.Server.Telemetry;

/// <summary>
/// The server process's memory as observable gauges, read only when /metrics is scraped, so a long-running
/// <c>loom serve</c> shows whether it grows and where: the resident set split into anonymous pages (the managed heap,
/// thread stacks, native allocations — where a leak shows) and file pages (mostly the memory-mapped GGUF weights, which
/// the kernel may drop and re-read at will) and shared pages (the runtime's double-mapped code), the managed heap now and the memory the GC has committed. Prometheus
/// names: loom_process_memory_resident_bytes{kind="total|anonymous|file|shared"}, loom_gc_heap_size_bytes,
/// loom_gc_committed_bytes, loom_process_threads. (The runtime's own "System.Runtime" meter, exported beside it,
/// adds per-generation heap sizes after the last collection, GC counts and thread-pool figures.)
/// </summary>
public static class ProcessMemoryMetrics
{
    private static readonly Meter Meter = new("Loom.Process");

    /// <summary>The meter's name, for <c>AddMeter</c>; reading it creates the gauges.</summary>
    public static string MeterName => Meter.Name;

    static ProcessMemoryMetrics()
    {
        Meter.CreateObservableGauge("loom.process.memory.resident", ObserveResident, "By",
            "Resident memory of the server process (VmRSS, RssAnon, RssFile, RssShmem of /proc/self/status; Linux only)");
        Meter.CreateObservableGauge("loom.gc.heap_size", () => GC.GetTotalMemory(false), "By",
            "Bytes in the managed heap now: live objects and garbage not yet collected");
        Meter.CreateObservableGauge("loom.gc.committed", () => GC.GetGCMemoryInfo().TotalCommittedBytes, "By",
            "Memory the GC had committed at its last collection");
        Meter.CreateObservableGauge("loom.process.threads", ObserveThreads, "{thread}", "Operating-system threads of the process");
    }

    // Each thread-pool thread that runs kernels holds its own [ThreadStatic] scratch, so a growing thread count is
    // one way a server's memory grows.
    private static long ObserveThreads()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.Threads.Count;
    }

    private static IEnumerable<Measurement<long>> ObserveResident()
    {
        var status = ReadStatus("/proc/self/status");
        foreach (var (field, kind) in new[] { ("VmRSS", "total"), ("RssAnon", "anonymous"), ("RssFile", "file"), ("RssShmem", "shared") })
        {
            if (status.TryGetValue(field, out long bytes)) yield return new Measurement<long>(bytes, new KeyValuePair<string, object?>("kind", kind));
        }
    }

    /// <summary>The "Name: N kB" lines of a /proc status file, in bytes; empty where there is no such file (not Linux).</summary>
    public static Dictionary<string, long> ReadStatus(string path)
    {
        var fields = new Dictionary<string, long>(StringComparer.Ordinal);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return fields;
        }
        foreach (string line in lines)
        {
            int colon = line.IndexOf(':');
            if (colon < 0 || !line.EndsWith(" kB", StringComparison.Ordinal)) continue;
            if (long.TryParse(line.AsSpan(colon + 1, line.Length - colon - 4).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long kb))
                fields[line[..colon]] = kb * 1024;
        }
        return fields;
    }
}
