using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Loom.Inference.Batching;

/// <summary>
/// The batching loop's own meters (System.Diagnostics.Metrics, free when nobody listens; the server exports them at
/// /metrics): decode steps, the tokens they decoded (over steps: the mean batch), the seconds they took (over steps:
/// the step time), and the prompt tokens prefilled and their seconds. Tagged with the model's name. They let a load
/// test tell whether many streams really share steps and whether a step at batch 16 costs what the engine alone pays.
/// Two gauges, read when scraped, show the memory the live schedulers' sessions hold (KV caches and activation
/// buffers of running and pooled sessions) and how many sessions that is.
/// </summary>
public static class BatchSchedulerMetrics
{
    public const string MeterName = "Loom.Inference.Batching";

    private static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> Steps = Meter.CreateCounter<long>("loom.batch.steps", "{step}", "Batched decode steps run");

    internal static readonly Counter<long> DecodedTokens = Meter.CreateCounter<long>("loom.batch.decoded_tokens", "{token}",
        "Tokens decoded by batched steps (the sum of their batch sizes)");

    internal static readonly Counter<double> DecodeSeconds = Meter.CreateCounter<double>("loom.batch.decode_time", "s",
        "Time spent in batched decode steps (model forward and sampling)");

    internal static readonly Counter<double> NextSeconds = Meter.CreateCounter<double>("loom.batch.next_time", "s",
        "Part of the decode time spent in the sequences' own Next (sampling, detokenizing, queueing text)");

    internal static readonly Counter<long> PrefillTokens = Meter.CreateCounter<long>("loom.batch.prefill_tokens", "{token}", "Prompt tokens read");

    internal static readonly Counter<double> PrefillSeconds = Meter.CreateCounter<double>("loom.batch.prefill_time", "s", "Time spent reading prompts");

    private static readonly ConcurrentDictionary<BatchScheduler, byte> Live = new();

    internal static readonly ObservableGauge<long> SessionMemory = Meter.CreateObservableGauge("loom.batch.session_memory",
        () => Live.Keys.Select(s => new Measurement<long>(s.SessionBytes, new KeyValuePair<string, object?>("model", s.ModelName))), "By",
        "Bytes held by the sessions of loaded models (KV caches and activation buffers, running and pooled)");

    internal static readonly ObservableGauge<int> Sessions = Meter.CreateObservableGauge("loom.batch.sessions",
        () => Live.Keys.Select(s => new Measurement<int>(s.Sessions, new KeyValuePair<string, object?>("model", s.ModelName))), "{session}",
        "Sessions held by loaded models (running and pooled)");

    internal static void Track(BatchScheduler scheduler) => Live.TryAdd(scheduler, 0);

    internal static void Untrack(BatchScheduler scheduler) => Live.TryRemove(scheduler, out _);
}
