using System.Globalization;
using Loom.Server.Errors;
using Loom.Server.Json;
using Loom.Services.Models;
using Microsoft.Extensions.AI;

namespace Loom.Server.Endpoints;

/// <summary>
/// The sampling fields /v1/chat/completions and /v1/completions share, validated to OpenAI's ranges, and their
/// translation into <see cref="ChatOptions"/> (+ <see cref="LoomChatOptions"/> keys) for the model's client.
/// </summary>
public sealed record SamplingRequest
{
    public required string Model { get; init; }
    public int? MaxTokens { get; init; }
    public string MaxTokensParam { get; init; } = "max_tokens";
    public float? Temperature { get; init; }
    public float? TopP { get; init; }
    public int? TopK { get; init; }
    public long? Seed { get; init; }
    public IList<string>? Stop { get; init; }
    public int N { get; init; } = 1;
    public float? PresencePenalty { get; init; }
    public float? FrequencyPenalty { get; init; }
    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }
    public bool Logprobs { get; init; }
    public int TopLogprobs { get; init; }
    public bool Stream { get; init; }
    public bool IncludeUsage { get; init; }

    public const int MaxStopSequences = 4;

    /// <summary>Reads the shared fields; <paramref name="maxChoices"/> bounds n. Logprobs are read by each endpoint
    /// (chat: a bool + top_logprobs; completions: an integer).</summary>
    public static SamplingRequest Read(JsonFields body, int maxChoices)
    {
        string model = body.RequiredString("model");
        long? maxCompletion = body.Integer("max_completion_tokens", 1, int.MaxValue);
        long? maxTokens = body.Integer("max_tokens", 1, int.MaxValue);
        bool stream = body.Bool("stream") ?? false;
        var streamOptions = body.Object("stream_options");
        if (streamOptions is not null && !stream)
            throw ApiException.BadRequest("'stream_options' is only allowed when 'stream' is true.", "stream_options");
        return new SamplingRequest
        {
            Model = model,
            MaxTokens = (int?)(maxCompletion ?? maxTokens),
            MaxTokensParam = maxCompletion is not null ? "max_completion_tokens" : "max_tokens",
            Temperature = (float?)body.Number("temperature", 0, 2),
            TopP = (float?)body.Number("top_p", 0, 1),
            TopK = (int?)body.Integer("top_k", 0, int.MaxValue),
            Seed = body.Integer("seed", long.MinValue, long.MaxValue),
            Stop = ReadStop(body),
            N = (int)(body.Integer("n", 1, maxChoices) ?? 1),
            PresencePenalty = (float?)body.Number("presence_penalty", -2, 2),
            FrequencyPenalty = (float?)body.Number("frequency_penalty", -2, 2),
            LogitBias = ReadLogitBias(body),
            Stream = stream,
            IncludeUsage = streamOptions?.Bool("include_usage") ?? false,
        };
    }

    private static List<string>? ReadStop(JsonFields body)
    {
        if (body.Get("stop") is not { } stop) return null;
        if (stop.ValueKind == System.Text.Json.JsonValueKind.String) return Nonempty([stop.GetString()!]);
        if (stop.ValueKind != System.Text.Json.JsonValueKind.Array)
            throw ApiException.WrongType("stop", "a string or an array of strings", JsonFields.Describe(stop));
        var list = new List<string>();
        int i = 0;
        foreach (var item in stop.EnumerateArray())
        {
            if (item.ValueKind != System.Text.Json.JsonValueKind.String)
                throw ApiException.WrongType($"stop[{i}]", "a string", JsonFields.Describe(item));
            list.Add(item.GetString()!);
            i++;
        }
        if (list.Count > MaxStopSequences)
            throw ApiException.OutOfRange("stop", $"at most {MaxStopSequences} sequences", $"{list.Count}");
        return Nonempty(list);

        static List<string>? Nonempty(List<string> list)
        {
            if (list.Any(s => s.Length == 0)) throw ApiException.BadRequest("'stop' sequences must not be empty strings.", "stop");
            return list.Count == 0 ? null : list;
        }
    }

    private static Dictionary<int, float>? ReadLogitBias(JsonFields body)
    {
        if (body.Object("logit_bias") is not { } bias) return null;
        var result = new Dictionary<int, float>();
        foreach (var entry in bias.Properties())
        {
            string param = $"logit_bias.{entry.Name}";
            if (!int.TryParse(entry.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int token))
                throw ApiException.BadRequest($"Invalid key in 'logit_bias': '{entry.Name}' is not a token id (a non-negative integer).", param, "invalid_value");
            result[token] = (float)JsonFields.ReadNumber(entry.Value, param, -100, 100);
        }
        return result.Count == 0 ? null : result;
    }

    /// <summary>Token ids must exist in the model's vocabulary (checked once the model is known).</summary>
    public void CheckTokens(IServedModel model)
    {
        if (LogitBias is null || model.Tokenizer?.VocabSize is not { } vocab) return;
        foreach (int token in LogitBias.Keys)
            if (token >= vocab)
                throw ApiException.OutOfRange($"logit_bias.{token}", $"a token id from 0 to {vocab - 1} for model '{Model}'", token.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Options for choice <paramref name="choice"/> of n: with a seed, choice i samples with seed + i so
    /// the n choices differ yet each is reproducible.</summary>
    public ChatOptions ToChatOptions(int choice)
    {
        var options = new ChatOptions
        {
            ModelId = Model,
            MaxOutputTokens = MaxTokens,
            Temperature = Temperature,
            TopP = TopP,
            TopK = TopK,
            Seed = Seed is { } seed ? unchecked(seed + choice) : null,
            StopSequences = Stop is null ? null : [.. Stop],
            PresencePenalty = PresencePenalty,
            FrequencyPenalty = FrequencyPenalty,
            AdditionalProperties = [],
        };
        if (LogitBias is not null) options.AdditionalProperties[LoomChatOptions.LogitBias] = LogitBias;
        if (Logprobs)
        {
            options.AdditionalProperties[LoomChatOptions.Logprobs] = true;
            options.AdditionalProperties[LoomChatOptions.TopLogprobs] = TopLogprobs;
        }
        return options;
    }
}
