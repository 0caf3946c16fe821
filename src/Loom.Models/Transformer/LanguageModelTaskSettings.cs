using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Training.Text;

namespace Loom.Models.Transformer;

/// <summary>
/// What a language-model run trains on and what it trains: the data, how it is split and tokenized, the model
/// preset and the batch size. Saved with every checkpoint, so <c>loom train lm --resume</c> needs none of it again.
/// </summary>
public sealed record LanguageModelTaskSettings
{
    /// <summary>A text file or a folder of them.</summary>
    public required string Data { get; init; }

    /// <summary>An explicit validation file; null: hold out a part of <see cref="Data"/>.</summary>
    public string? Validation { get; init; }

    public TextMode Mode { get; init; } = TextMode.Stream;

    /// <summary>"char" or "bpe:N".</summary>
    public string Tokenizer { get; init; } = "char";

    /// <summary>A built-in preset name or a path to a config .json.</summary>
    public string Preset { get; init; } = "tiny";

    /// <summary>Overrides the preset's context length.</summary>
    public int? ContextLength { get; init; }

    /// <summary>Overrides the preset's dropout.</summary>
    public float? Dropout { get; init; }

    /// <summary>Overrides the preset's dropout on attention weights.</summary>
    public float? AttentionDropout { get; init; }

    /// <summary>Sequences per micro-batch.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>SHA-256 of the data and validation data when the run began; a resumed run refuses changed data.</summary>
    public string? DataSha256 { get; init; }

    public string? ValidationSha256 { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public JsonObject ToJson() => JsonSerializer.SerializeToNode(this, Json)!.AsObject();

    /// <summary>Reads settings saved by <see cref="ToJson"/> (from a checkpoint); <paramref name="source"/> names it in errors.</summary>
    public static LanguageModelTaskSettings FromJson(JsonObject? json, string source)
    {
        try
        {
            return json?.Deserialize<LanguageModelTaskSettings>(Json)
                ?? throw LoomException.Format(source, "the checkpoint has no language-model settings (was it written by `loom train lm`?)");
        }
        catch (JsonException e)
        {
            throw LoomException.Format(source, $"the checkpoint's language-model settings are unreadable: {e.Message}");
        }
    }
}
