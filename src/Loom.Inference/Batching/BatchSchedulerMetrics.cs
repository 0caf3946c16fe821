using System.Diagnostics.Metrics;

namespace Loom.Inference.Batching;

/// <summary>
/// The batching loop's own meters (System.Diagnostics.Metrics, free when nobody listens; the server exports them at
/// /metrics): decode steps, the tokens they decoded (over steps: the mean batch), the seconds they took (over steps:
/// the step time), and the prompt tokens prefilled and their seconds. Tagged with the model's name. They let a load
/// test tell whether many streams really share steps and whether a step at batch 16 costs what the engine alone pays.
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
}
