using System.Globalization;
using Loom.Core;
using Loom.Services.Models;
using Loom.Text.Sampling;
using Microsoft.Extensions.AI;

namespace Loom.Services.Local;

/// <summary>
/// A request's <see cref="ChatOptions"/> (plus the <see cref="LoomChatOptions"/> keys) as the engine uses them: the
/// sampler options, the token budget and what to report.
/// </summary>
/// <remarks>
/// <para>Context rule (OpenAI's): a prompt that fills the context, or a prompt plus an explicit MaxOutputTokens that
/// exceeds it, is a <see cref="LoomErrorCode.ContextLengthExceeded"/> error naming both numbers; without
/// MaxOutputTokens the budget is whatever the context has left. Prompts are never truncated.</para>
/// <para>Presence/frequency penalties follow OpenAI: logit −= presence·[c &gt; 0] + frequency·c where c counts the
/// token in the completion so far (the prompt does not count).</para>
/// <para>Temperature defaults to 1 as in OpenAI; Seed (a long) makes a request repeatable.</para>
/// </remarks>
public sealed record GenerationSettings(SamplingOptions Sampling, int MaxTokens, int? TopLogprobs)
{
    public static GenerationSettings From(ChatOptions? options, int promptTokens, int contextLength, string modelId)
    {
        if (promptTokens >= contextLength)
        {
            throw new LoomException(LoomErrorCode.ContextLengthExceeded,
                $"model '{modelId}': the prompt has {promptTokens} tokens but the context holds {contextLength}, leaving no room to generate; shorten the prompt");
        }
        int left = contextLength - promptTokens;
        int max = left;
        if (options?.MaxOutputTokens is { } asked)
        {
            if (asked < 1) throw LoomException.Argument($"max_tokens: {asked} is out of range; allowed 1 or more");
            if (asked > left)
            {
                throw new LoomException(LoomErrorCode.ContextLengthExceeded,
                    $"model '{modelId}': the context holds {contextLength} tokens, but the prompt has {promptTokens} and {asked} more were asked for ({promptTokens + asked}); lower max_tokens or shorten the prompt");
            }
            max = asked;
        }
        var extra = options?.AdditionalProperties;
        bool logprobs = extra is not null && extra.TryGetValue(LoomChatOptions.Logprobs, out object? lp) && ToBool(lp, LoomChatOptions.Logprobs);
        int? top = null;
        if (extra is not null && extra.TryGetValue(LoomChatOptions.TopLogprobs, out object? t) && t is not null) top = ToInt(t, LoomChatOptions.TopLogprobs);
        if (top is not null && !logprobs) logprobs = true;
        var sampling = new SamplingOptions
        {
            Temperature = options?.Temperature ?? 1f,
            TopP = options?.TopP ?? 1f,
            TopK = options?.TopK ?? 0,
            PresencePenalty = options?.PresencePenalty ?? 0f,
            FrequencyPenalty = options?.FrequencyPenalty ?? 0f,
            PenaltyLastN = -1,
            Seed = options?.Seed is { } seed ? unchecked((ulong)seed) : null,
            LogitBias = extra is not null && extra.TryGetValue(LoomChatOptions.LogitBias, out object? bias) ? ToBias(bias) : null,
            StopStrings = options?.StopSequences is { Count: > 0 } stops ? [.. stops] : null,
            MaxTokens = max,
            TopLogprobs = logprobs ? top ?? 0 : null,
        }.Validate();
        return new GenerationSettings(sampling, max, sampling.TopLogprobs);
    }

    private static bool ToBool(object? value, string key) => value switch
    {
        bool b => b,
        System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.True } => true,
        System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.False } => false,
        _ => throw LoomException.Argument($"{key}: expected true or false, found {value}"),
    };

    private static int ToInt(object value, string key) => value switch
    {
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.Number } e when e.TryGetInt32(out int i) => i,
        _ => throw LoomException.Argument($"{key}: expected an integer, found {value}"),
    };

    private static IReadOnlyDictionary<int, float>? ToBias(object? value)
    {
        switch (value)
        {
            case null: return null;
            case IReadOnlyDictionary<int, float> ready: return ready;
            case IEnumerable<KeyValuePair<string, float>> named:
                return named.ToDictionary(p => ParseId(p.Key), p => p.Value);
            case IEnumerable<KeyValuePair<int, float>> ids:
                return ids.ToDictionary(p => p.Key, p => p.Value);
            default:
                throw LoomException.Argument($"{LoomChatOptions.LogitBias}: expected a map of token id to bias, found {value.GetType().Name}");
        }
    }

    private static int ParseId(string key) => int.TryParse(key, NumberStyles.Integer, CultureInfo.InvariantCulture, out int id)
        ? id
        : throw LoomException.Argument($"{LoomChatOptions.LogitBias}: '{key}' is not a token id");
}
