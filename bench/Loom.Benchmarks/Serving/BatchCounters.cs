using System.Globalization;

namespace Loom.Benchmarks.Serving;

/// <summary>
/// The server's batching counters (Loom.Inference.Batching meters) read from its Prometheus text at /metrics, summed
/// over models. Two scrapes around a load level give that level's steps, mean batch and step time.
/// </summary>
internal sealed record BatchCounters(double Steps, double DecodedTokens, double DecodeSeconds, double NextSeconds, double PrefillTokens, double PrefillSeconds)
{
    public BatchCounters Minus(BatchCounters before) => new(Steps - before.Steps, DecodedTokens - before.DecodedTokens,
        DecodeSeconds - before.DecodeSeconds, NextSeconds - before.NextSeconds, PrefillTokens - before.PrefillTokens, PrefillSeconds - before.PrefillSeconds);

    /// <summary>Zeros when /metrics cannot be read (a server without it, or behind a key the client lacks).</summary>
    public static async Task<BatchCounters> ScrapeAsync(HttpClient http)
    {
        string text;
        try
        {
            text = await http.GetStringAsync("metrics");
        }
        catch (HttpRequestException)
        {
            return new(0, 0, 0, 0, 0, 0);
        }
        double steps = 0, decoded = 0, decodeSeconds = 0, nextSeconds = 0, prefillTokens = 0, prefillSeconds = 0;
        foreach (string line in text.Split('\n'))
        {
            if (!line.StartsWith("loom_batch_", StringComparison.Ordinal)) continue;
            double value = Value(line);
            // Prefixes, because the exporter appends the unit and _total: loom_batch_decode_time_seconds_total.
            if (line.StartsWith("loom_batch_steps", StringComparison.Ordinal)) steps += value;
            else if (line.StartsWith("loom_batch_decoded_tokens", StringComparison.Ordinal)) decoded += value;
            else if (line.StartsWith("loom_batch_decode_time", StringComparison.Ordinal)) decodeSeconds += value;
            else if (line.StartsWith("loom_batch_next_time", StringComparison.Ordinal)) nextSeconds += value;
            else if (line.StartsWith("loom_batch_prefill_tokens", StringComparison.Ordinal)) prefillTokens += value;
            else if (line.StartsWith("loom_batch_prefill_time", StringComparison.Ordinal)) prefillSeconds += value;
        }
        return new(steps, decoded, decodeSeconds, nextSeconds, prefillTokens, prefillSeconds);
    }

    // "name{labels} value [timestamp]": the value is the first field after the labels.
    private static double Value(string line)
    {
        int labelsEnd = line.LastIndexOf('}');
        string[] fields = line[(labelsEnd + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 0 && double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : 0;
    }
}
