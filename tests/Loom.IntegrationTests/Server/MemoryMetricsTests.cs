using System.Globalization;

namespace Loom.IntegrationTests.Server;

/// <summary>/metrics shows the server's memory (Telemetry/ProcessMemoryMetrics and the runtime's own meter), so a
/// long-running server's growth can be watched and told apart: resident anonymous vs file pages, managed heap, GC
/// committed, threads.</summary>
public class MemoryMetricsTests(FakeServerFixture fixture) : IClassFixture<FakeServerFixture>
{
    private readonly HttpClient _http = fixture.Http;

    /// <summary>The value of the first sample of metric <paramref name="name"/> whose labels include
    /// <paramref name="label"/> (the exporter adds its own, such as otel_scope_name).</summary>
    private static double Sample(string text, string name, string label = "")
    {
        string? line = text.Split('\n').FirstOrDefault(l => (l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
            && l.Contains(label, StringComparison.Ordinal));
        Assert.True(line is not null, $"/metrics has no sample of {name} {label}");
        int labelsEnd = line!.LastIndexOf('}');
        string value = line[(labelsEnd >= 0 ? labelsEnd + 1 : name.Length)..].Trim().Split(' ')[0];
        return double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Metrics_show_the_process_memory_with_plausible_values()
    {
        string text = await _http.GetStringAsync("/metrics");
        const double MiB = 1024 * 1024, TiB = MiB * MiB;
        double heap = Sample(text, "loom_gc_heap_size_bytes");
        double committed = Sample(text, "loom_gc_committed_bytes");
        double threads = Sample(text, "loom_process_threads");
        // A running ASP.NET Core server has some managed objects, more than a few threads, and far less than a TiB.
        Assert.InRange(heap, 64 * 1024, TiB);
        Assert.InRange(committed, 64 * 1024, TiB);
        Assert.InRange(threads, 2, 10_000);
        Assert.Contains("dotnet_process_memory_working_set_bytes", text);
        if (!OperatingSystem.IsLinux()) return; // the resident split comes from /proc/self/status
        double total = Sample(text, "loom_process_memory_resident_bytes", "kind=\"total\"");
        double anonymous = Sample(text, "loom_process_memory_resident_bytes", "kind=\"anonymous\"");
        double file = Sample(text, "loom_process_memory_resident_bytes", "kind=\"file\"");
        double shared = Sample(text, "loom_process_memory_resident_bytes", "kind=\"shared\"");
        Assert.InRange(total, 16 * MiB, TiB);
        Assert.InRange(anonymous, 1 * MiB, total);
        Assert.InRange(file, 1 * MiB, total);
        Assert.InRange(shared, 0, total);
        // VmRSS is RssAnon + RssFile + RssShmem; the four are read at once, from one /proc/self/status.
        Assert.Equal(total, anonymous + file + shared);
    }
}
