using System.Text.Json;
using Loom.Text.Constraints;

namespace Loom.Tests.Text.Constraints;

/// <summary>An independent check that a parsed document satisfies a compiled schema (the supported subset).</summary>
public static class SchemaValidator
{
    public static bool Valid(JsonElement e, JsonSchemaNode s)
    {
        if (s.Alternatives is { } alts) return alts.Any(a => Valid(e, a));
        if (s.Literals is { } lits)
            return lits.Any(l => JsonSerializer.Serialize(JsonDocument.Parse(l).RootElement) == JsonSerializer.Serialize(e));
        var k = s.Kinds;
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                if (!k.HasFlag(JsonKinds.Object)) return false;
                var names = e.EnumerateObject().Select(p => p.Name).ToList();
                if (names.Distinct().Count() != names.Count && s.AdditionalProperties is null) return false;
                if (!s.Required.All(names.Contains)) return false;
                foreach (var p in e.EnumerateObject())
                {
                    var ps = s.Properties is { } d && d.TryGetValue(p.Name, out var x) ? x : s.AdditionalProperties;
                    if (ps is null || !Valid(p.Value, ps)) return false;
                }
                return true;
            case JsonValueKind.Array:
                int n = e.GetArrayLength();
                return k.HasFlag(JsonKinds.Array) && n >= s.MinItems && n <= s.MaxItems && e.EnumerateArray().All(i => Valid(i, s.Items));
            case JsonValueKind.String:
                int len = e.GetString()!.EnumerateRunes().Count();
                return k.HasFlag(JsonKinds.String) && len >= s.MinLength && len <= s.MaxLength;
            case JsonValueKind.Number:
                return k.HasFlag(JsonKinds.Number) || (k.HasFlag(JsonKinds.Integer) && e.TryGetInt64(out _) && !e.GetRawText().Contains('.'));
            case JsonValueKind.True or JsonValueKind.False:
                return k.HasFlag(JsonKinds.Boolean);
            case JsonValueKind.Null:
                return k.HasFlag(JsonKinds.Null);
            default:
                return false;
        }
    }

    /// <summary>True when <paramref name="text"/> parses and validates.</summary>
    public static bool ParsesAndValidates(string text, JsonSchemaNode s)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return Valid(doc.RootElement, s);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
