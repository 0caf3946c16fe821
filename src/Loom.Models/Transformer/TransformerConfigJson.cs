using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core;

namespace Loom.Models.Transformer;

/// <summary>
/// The JSON form of <see cref="TransformerConfig"/>: camelCase fields, the style as "llama" or "gpt2", every field
/// written. Unknown fields are rejected, so a typo ("layer": 6) fails loudly instead of silently keeping a default.
/// </summary>
public static class TransformerConfigJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>The JSON name of a config property ("KvHeads" → "kvHeads").</summary>
    public static string FieldName(string property) => JsonNamingPolicy.CamelCase.ConvertName(property);

    public static string Serialize(TransformerConfig config) => JsonSerializer.Serialize(config, Options);

    public static JsonNode ToNode(TransformerConfig config) => JsonSerializer.SerializeToNode(config, Options)!;

    /// <summary>Parses and validates a config; <paramref name="source"/> (a file name) starts every error message.</summary>
    public static TransformerConfig Deserialize(string json, string source)
    {
        TransformerConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<TransformerConfig>(json, Options);
        }
        catch (JsonException e)
        {
            throw LoomException.Format(source, $"transformer config is not valid: {Describe(e)}");
        }
        return Checked(config, source);
    }

    public static TransformerConfig FromNode(JsonNode? node, string source)
    {
        TransformerConfig? config;
        try
        {
            config = node?.Deserialize<TransformerConfig>(Options);
        }
        catch (JsonException e)
        {
            throw LoomException.Format(source, $"transformer config is not valid: {Describe(e)}");
        }
        return Checked(config, source);
    }

    private static TransformerConfig Checked(TransformerConfig? config, string source)
    {
        if (config is null) throw LoomException.Format(source, "transformer config is missing (found null)");
        try
        {
            return config.Validate();
        }
        catch (LoomException e)
        {
            throw new LoomException(e.Code, $"{source}: {e.Message}", e);
        }
    }

    // System.Text.Json's messages name the JSON path ("$.layers") but also mention .NET types; keep the useful part.
    private static string Describe(JsonException e) =>
        e.Path is { Length: > 0 } path ? $"{e.Message.Split(" Path:")[0]} (at {path})" : e.Message;
}
