using System.Diagnostics;
using System.Runtime;
using Loom.Server.Telemetry;
using Microsoft.Extensions.Hosting;

namespace Loom.Server.Hosting;

/// <summary>
/// Gives memory back to the system once the server goes quiet: when no HTTP request has been in flight for
/// <see cref="ServerOptions.IdleTrimSeconds"/> and at least <see cref="MinAllocatedBytes"/> were allocated since the
/// last trim, it runs one aggressive (blocking, compacting, large objects included, decommitting) collection.
/// </summary>
/// <remarks>
/// Why: a burst of streaming requests leaves tens of MiB of garbage (soak of a 200M GGUF model: the managed heap
/// 145–185 MiB after 16-client bursts, of which 98 MiB the pooled sessions' KV caches), some of it on the
/// large-object heap (each request's sampler holds four vocabulary-sized arrays, 128–256 KB for a 32k vocabulary),
/// and the GC only runs when allocating — an idle server never collects, so its resident memory after a burst was
/// wherever the last burst's allocation budget left it (anonymous RSS 125–154 MiB, wandering ±8 MiB burst to burst,
/// the GC's committed 153–189 MiB). Collecting once at idle makes the memory after every burst the live set (the models,
/// pooled sessions, caches) plus a constant. It only runs while nothing is in flight, so no request waits for it
/// unless one arrives during the collection (tens of milliseconds for a heap of a few hundred MiB); the allocation
/// floor keeps an idle server (health checks, scrapes) from collecting again and again.
/// </remarks>
public sealed class IdleMemoryTrimmer(ServerOptions options, ServerMetrics metrics) : BackgroundService
{
    /// <summary>Allocation since the last trim below which an idle server is left alone.</summary>
    public const long MinAllocatedBytes = 16L * 1024 * 1024;

    private int _inFlight;
    private long _lastActivity = Stopwatch.GetTimestamp();
    private long _allocatedAtTrim = GC.GetTotalAllocatedBytes();

    /// <summary>Trims done so far.</summary>
    public int Trims { get; private set; }

    public void RequestStarted()
    {
        Interlocked.Increment(ref _inFlight);
        Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());
    }

    public void RequestEnded()
    {
        Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());
        Interlocked.Decrement(ref _inFlight);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.IdleTrimSeconds == 0) return;
        // A quarter of the idle time (at least 250 ms) between checks: the trim comes at most that late.
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Max(250, options.IdleTrimSeconds * 250)));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) TryTrim();
        }
        catch (OperationCanceledException)
        {
            // The host is stopping.
        }
    }

    /// <summary>Trims when the server is idle long enough and has allocated enough since the last trim; true when it did.</summary>
    public bool TryTrim()
    {
        if (Volatile.Read(ref _inFlight) > 0) return false;
        if (Stopwatch.GetElapsedTime(Volatile.Read(ref _lastActivity)) < TimeSpan.FromSeconds(options.IdleTrimSeconds)) return false;
        if (GC.GetTotalAllocatedBytes() - _allocatedAtTrim < MinAllocatedBytes) return false;
        long start = Stopwatch.GetTimestamp();
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _allocatedAtTrim = GC.GetTotalAllocatedBytes();
        Trims++;
        metrics.IdleTrim(Stopwatch.GetElapsedTime(start).TotalSeconds);
        return true;
    }
}
