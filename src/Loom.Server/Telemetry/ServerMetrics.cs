using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Loom.Server.Telemetry;

/// <summary>
/// Loom's own meters beside ASP.NET Core's request metrics, exported at /metrics: tokens generated, time to the first
/// token of a generation, sequences being generated now, and the idle-time collections. Prometheus names:
/// loom_tokens_generated_total, loom_time_to_first_token_seconds, loom_active_sequences, loom_gc_idle_trims_total,
/// loom_gc_idle_trim_time_seconds_total.
/// </summary>
public sealed class ServerMetrics : IDisposable
{
    public const string MeterName = "Loom.Server";

    private readonly Meter _meter;
    private readonly Counter<long> _tokens;
    private readonly Histogram<double> _firstToken;
    private readonly UpDownCounter<long> _active;
    private readonly Counter<long> _trims;
    private readonly Counter<double> _trimSeconds;

    public ServerMetrics(IMeterFactory factory)
    {
        _meter = factory.Create(MeterName);
        _tokens = _meter.CreateCounter<long>("loom.tokens.generated", "{token}", "Completion tokens generated");
        _firstToken = _meter.CreateHistogram<double>("loom.time_to_first_token", "s", "Time from request start to the first generated token");
        _active = _meter.CreateUpDownCounter<long>("loom.active_sequences", "{sequence}", "Sequences being generated now");
        _trims = _meter.CreateCounter<long>("loom.gc.idle_trims", "{collection}", "Collections run because the server went idle (Hosting/IdleMemoryTrimmer)");
        _trimSeconds = _meter.CreateCounter<double>("loom.gc.idle_trim_time", "s", "Time those collections took");
    }

    public void TokensGenerated(long count, string model)
    {
        if (count > 0) _tokens.Add(count, new KeyValuePair<string, object?>("model", model));
    }

    public void FirstToken(long startTimestamp, string model) =>
        _firstToken.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new KeyValuePair<string, object?>("model", model));

    public void SequencesStarted(int count) => _active.Add(count);

    public void SequencesEnded(int count) => _active.Add(-count);

    public void IdleTrim(double seconds)
    {
        _trims.Add(1);
        _trimSeconds.Add(seconds);
    }

    public void Dispose() => _meter.Dispose();
}
