using System.Globalization;
using Loom.Core;

namespace Loom.Text.Sampling;

/// <summary>
/// How to choose each next token. Every field has a default that turns its step off, so <c>new SamplingOptions()</c>
/// samples from the model's plain softmax. Field meanings follow llama.cpp (top-k, min-p, repetition penalty) and
/// OpenAI (presence/frequency penalty, logit bias, logprobs) so the CLI flags and the server's JSON map one to one.
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>The largest |bias| OpenAI accepts; ±100 already makes a token certain or impossible.</summary>
    public const float MaxLogitBias = 100f;

    /// <summary>The most alternatives per position OpenAI reports (top_logprobs).</summary>
    public const int MaxTopLogprobs = 20;

    /// <summary>Divides the logits before the final draw; 0 means greedy (always the most likely token).</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Keep only the K most likely tokens; 0 turns it off.</summary>
    public int TopK { get; init; }

    /// <summary>Nucleus: keep the smallest set of most likely tokens whose probability sums to at least P; 1 is off.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Keep tokens at least MinP times as likely as the most likely one; 0 is off.</summary>
    public float MinP { get; init; }

    /// <summary>CTRL / llama.cpp style: a recent token's positive logit is divided by this, a negative one multiplied;
    /// 1 is off.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>OpenAI style: subtracted once from the logit of every token that appeared in the penalty window.</summary>
    public float PresencePenalty { get; init; }

    /// <summary>OpenAI style: subtracted from a token's logit once per time it appeared in the penalty window.</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>How many of the latest accepted tokens the three penalties look at: −1 all of them (OpenAI's
    /// "the text so far"), 0 none (penalties off), N the last N (llama.cpp's repeat_last_n, default 64).</summary>
    public int PenaltyLastN { get; init; } = 64;

    /// <summary>Added to the logits of the given token ids before anything else; −∞ (or −100) bans a token.</summary>
    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }

    /// <summary>Seeds the draw; null draws a fresh seed, so two runs differ. Sample i of n uses Seed + i.</summary>
    public ulong? Seed { get; init; }

    /// <summary>The most tokens to generate (the prompt not counted); null stops only at the model's context.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Generation stops before any of these strings would appear; none of their text is emitted.</summary>
    public IReadOnlyList<string>? StopStrings { get; init; }

    /// <summary>Null: no log-probabilities. N ≥ 0: report the chosen token's log-probability and the N most likely
    /// alternatives (OpenAI's logprobs = true with top_logprobs = N).</summary>
    public int? TopLogprobs { get; init; }

    /// <summary>Always the most likely token.</summary>
    public static SamplingOptions Greedy { get; } = new() { Temperature = 0f };

    /// <summary>True when the final pick is the arg-max rather than a draw.</summary>
    public bool IsGreedy => Temperature == 0f;

    /// <summary>Checks every field against its allowed range; the error names the field, the value and the range.</summary>
    /// <returns>This instance, so construction can read <c>options.Validate()</c>.</returns>
    public SamplingOptions Validate()
    {
        Check(float.IsFinite(Temperature) && Temperature >= 0f, "Temperature", "temperature", Temperature, "0 (greedy) or more");
        Check(TopK >= 0, "TopK", "top_k", TopK, "0 (off) or more");
        Check(TopP > 0f && TopP <= 1f, "TopP", "top_p", TopP, "(0, 1]");
        Check(MinP >= 0f && MinP <= 1f, "MinP", "min_p", MinP, "[0, 1]");
        Check(float.IsFinite(RepetitionPenalty) && RepetitionPenalty > 0f, "RepetitionPenalty", "repetition_penalty",
            RepetitionPenalty, "more than 0 (1 = off)");
        Check(PresencePenalty >= -2f && PresencePenalty <= 2f, "PresencePenalty", "presence_penalty", PresencePenalty, "[-2, 2]");
        Check(FrequencyPenalty >= -2f && FrequencyPenalty <= 2f, "FrequencyPenalty", "frequency_penalty", FrequencyPenalty, "[-2, 2]");
        Check(PenaltyLastN >= -1, "PenaltyLastN", "repeat_last_n", PenaltyLastN, "-1 (all), 0 (off) or more");
        if (MaxTokens is { } max) Check(max >= 1, "MaxTokens", "max_tokens", max, "1 or more");
        if (TopLogprobs is { } top) Check(top is >= 0 and <= MaxTopLogprobs, "TopLogprobs", "top_logprobs", top, $"[0, {MaxTopLogprobs}]");
        if (LogitBias is not null)
        {
            foreach (var (token, bias) in LogitBias)
            {
                Check(token >= 0, "LogitBias", "logit_bias", token, "token ids of 0 or more");
                // −∞ is accepted as an explicit ban; NaN and +∞ would poison the softmax.
                Check(float.IsNegativeInfinity(bias) || (bias >= -MaxLogitBias && bias <= MaxLogitBias),
                    $"LogitBias[{token}]", $"logit_bias[{token}]", bias, $"[-{MaxLogitBias}, {MaxLogitBias}] or -Infinity");
            }
        }
        if (StopStrings is not null)
        {
            for (int i = 0; i < StopStrings.Count; i++)
            {
                if (string.IsNullOrEmpty(StopStrings[i]))
                    throw LoomException.Argument($"SamplingOptions.StopStrings (stop): entry {i} is empty; every stop string needs at least one character");
            }
        }
        return this;
    }

    private static void Check<T>(bool ok, string field, string apiName, T value, string allowed) where T : IFormattable
    {
        if (ok) return;
        string shown = value.ToString(null, CultureInfo.InvariantCulture);
        throw LoomException.Argument($"SamplingOptions.{field} ({apiName}): {shown} is out of range; allowed {allowed}");
    }
}
