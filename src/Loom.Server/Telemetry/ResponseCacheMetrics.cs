using System.Diagnostics.Metrics;
using Loom.Services.Operations.Cache;

namespace Loom.Server.Telemetry;

/// <summary>
/// The response caches' entries and estimated bytes as gauges read when /metrics is scraped: a server under seeded
/// (cacheable) load stores every answer, so its memory grows until the cache's bounds — visible here, not mistaken
/// for a leak. Prometheus names: loom_response_cache_entries, loom_response_cache_size_bytes (summed over the caches
/// of the process; one per server).
/// </summary>
public static class ResponseCacheMetrics
{
    private static readonly Meter Meter = new("Loom.Server.Cache");

    // Weak, so a cache whose server is gone (tests start many) is neither kept alive nor reported.
    private static readonly List<WeakReference<ResponseCache>> Caches = [];

    static ResponseCacheMetrics()
    {
        Meter.CreateObservableGauge("loom.response_cache.entries", () => Sum(c => c.Count), "{entry}", "Responses held by the response cache");
        Meter.CreateObservableGauge("loom.response_cache.size", () => Sum(c => c.Bytes), "By", "Estimated bytes of the responses held by the response cache");
    }

    /// <summary>The meter's name, for <c>AddMeter</c>; reading it creates the gauges.</summary>
    public static string MeterName => Meter.Name;

    public static void Track(ResponseCache cache)
    {
        lock (Caches)
        {
            Caches.RemoveAll(r => !r.TryGetTarget(out _));
            Caches.Add(new WeakReference<ResponseCache>(cache));
        }
    }

    private static long Sum(Func<ResponseCache, long> read)
    {
        long total = 0;
        lock (Caches)
        {
            foreach (var reference in Caches)
                if (reference.TryGetTarget(out var cache)) total += read(cache);
        }
        return total;
    }
}
