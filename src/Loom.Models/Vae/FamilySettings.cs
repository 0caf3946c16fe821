using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core;

namespace Loom.Models.Vae;

/// <summary>
/// What the VAE and GAN families share about their configs: `--set key=value` settings read case-insensitively
/// with errors that name the key, unknown keys rejected, the image-size rule, and the JSON form saved in loom.json.
/// </summary>
public static class FamilySettings
{
    /// <summary>camelCase, every field written, unknown fields rejected (a typo fails instead of keeping a default).</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Throws naming the first key of <paramref name="settings"/> that is not one of <paramref name="known"/>.</summary>
    public static void RejectUnknown(IReadOnlyDictionary<string, string> settings, string family, params string[] known)
    {
        foreach (var key in settings.Keys)
        {
            if (!known.Contains(key, StringComparer.OrdinalIgnoreCase))
                throw LoomException.Argument($"{family}: unknown setting '{key}'; expected one of: {string.Join(", ", known)}");
        }
    }

    public static int Int(IReadOnlyDictionary<string, string> settings, string family, string key, int fallback) =>
        Find(settings, key) is not { } text ? fallback
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value
        : throw LoomException.Argument($"{family}: setting '{key}' must be an integer, found '{text}'");

    public static float Float(IReadOnlyDictionary<string, string> settings, string family, string key, float fallback) =>
        Find(settings, key) is not { } text ? fallback
        : float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) ? value
        : throw LoomException.Argument($"{family}: setting '{key}' must be a number, found '{text}'");

    /// <summary>Square images whose side is a power of two ≥ 8 (the networks halve it down to 4×4).</summary>
    public static void CheckImageShape(string family, int channels, int height, int width)
    {
        if (channels < 1 || channels > 4) throw LoomException.Argument($"{family}: imageChannels must be 1–4, found {channels}");
        if (height != width) throw LoomException.Argument($"{family}: images must be square, found {height}×{width}");
        if (height < 8 || (height & (height - 1)) != 0)
            throw LoomException.Argument($"{family}: imageSize must be a power of two ≥ 8, found {height}");
    }

    public static JsonObject ToJson<T>(T config) => JsonSerializer.SerializeToNode(config, Json)!.AsObject();

    /// <summary>Reads a config from loom.json's config field; errors name <paramref name="source"/>.</summary>
    public static T FromJson<T>(JsonNode? node, string source, string family)
    {
        if (node is null) throw LoomException.Format(source, $"{family}: field 'config' is missing");
        try
        {
            return node.Deserialize<T>(Json) ?? throw LoomException.Format(source, $"{family}: field 'config' is null");
        }
        catch (JsonException e)
        {
            throw LoomException.Format(source, $"{family} config is not valid: {e.Message}");
        }
    }

    private static string? Find(IReadOnlyDictionary<string, string> settings, string key) =>
        settings.FirstOrDefault(kv => string.Equals(kv.Key, key, StringComparison.OrdinalIgnoreCase)).Value;
}
