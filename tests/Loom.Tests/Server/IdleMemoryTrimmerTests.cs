using System.Diagnostics.Metrics;
using Loom.Server.Hosting;
using Loom.Server.Telemetry;

namespace Loom.Tests.Server;

/// <summary>The idle trim collects only when nothing is in flight, the server has been quiet long enough, and enough
/// was allocated since the last trim — so a busy server never pays for it and an idle one pays once.</summary>
public class IdleMemoryTrimmerTests
{
    private sealed class Meters : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in _meters) meter.Dispose();
        }
    }

    // Garbage the trim is allowed to collect: more than its allocation floor, in arrays nobody keeps.
    private static void AllocateGarbage()
    {
        for (int i = 0; i < 40; i++) GC.KeepAlive(new byte[1024 * 1024]);
    }

    [Fact]
    public void It_trims_once_when_idle_and_never_while_a_request_is_in_flight()
    {
        using var meters = new Meters();
        using var metrics = new ServerMetrics(meters);
        var trimmer = new IdleMemoryTrimmer(new ServerOptions { IdleTrimSeconds = 0 }, metrics);
        AllocateGarbage();
        trimmer.RequestStarted();
        Assert.False(trimmer.TryTrim());
        trimmer.RequestEnded();
        Assert.True(trimmer.TryTrim());
        Assert.Equal(1, trimmer.Trims);
        // Nothing much allocated since: an idle server is not collected again and again.
        Assert.False(trimmer.TryTrim());
        AllocateGarbage();
        Assert.True(trimmer.TryTrim());
        Assert.Equal(2, trimmer.Trims);
    }

    [Fact]
    public void It_waits_for_the_idle_time_after_the_last_request()
    {
        using var meters = new Meters();
        using var metrics = new ServerMetrics(meters);
        var trimmer = new IdleMemoryTrimmer(new ServerOptions { IdleTrimSeconds = 3600 }, metrics);
        AllocateGarbage();
        trimmer.RequestStarted();
        trimmer.RequestEnded();
        Assert.False(trimmer.TryTrim());
        Assert.Equal(0, trimmer.Trims);
    }
}
