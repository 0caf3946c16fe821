using System.Globalization;
using System.Text.Json;
using Loom.Server.Errors;

namespace Loom.Server.Json;

/// <summary>
/// Reads one JSON object of a request field by field, so every wrong type, missing field or out-of-range value is a
/// 400 naming the parameter by its path (<c>messages[2].content</c>), as OpenAI does. JSON null counts as absent.
/// </summary>
public readonly struct JsonFields
{
    private readonly JsonElement _object;
    private readonly string _path;

    public JsonFields(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw path.Length == 0
                ? ApiException.BadRequest($"The request body must be a JSON object, not {Describe(element)}.", code: "invalid_json")
                : ApiException.WrongType(path, "an object", Describe(element));
        _object = element;
        _path = path;
    }

    public string PathOf(string name) => _path.Length == 0 ? name : $"{_path}.{name}";

    /// <summary>The field's value when present and not null.</summary>
    public JsonElement? Get(string name) =>
        _object.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public bool Has(string name) => Get(name) is not null;

    public string RequiredString(string name) => String(name) ?? throw ApiException.Missing(PathOf(name));

    public string? String(string name)
    {
        if (Get(name) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.String) throw ApiException.WrongType(PathOf(name), "a string", Describe(value));
        return value.GetString();
    }

    public bool? Bool(string name)
    {
        if (Get(name) is not { } value) return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw ApiException.WrongType(PathOf(name), "a boolean", Describe(value)),
        };
    }

    public double? Number(string name, double min, double max)
    {
        return Get(name) is { } value ? ReadNumber(value, PathOf(name), min, max) : null;
    }

    /// <summary>A JSON number within [min, max].</summary>
    public static double ReadNumber(JsonElement value, string path, double min, double max)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double number))
            throw ApiException.WrongType(path, "a number", Describe(value));
        if (!(number >= min && number <= max))
            throw ApiException.OutOfRange(path, $"a number from {Format(min)} to {Format(max)}", Format(number));
        return number;
    }

    public long? Integer(string name, long min, long max)
    {
        if (Get(name) is not { } value) return null;
        long number = ReadInteger(value, PathOf(name));
        if (number < min || number > max)
            throw ApiException.OutOfRange(PathOf(name), max == long.MaxValue ? $"an integer ≥ {min}" : $"an integer from {min} to {max}",
                number.ToString(CultureInfo.InvariantCulture));
        return number;
    }

    /// <summary>An integer JSON number (1.0 passes, 1.5 and "1" do not).</summary>
    public static long ReadInteger(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetInt64(out long whole)) return whole;
            if (value.TryGetDouble(out double d) && d == Math.Floor(d) && Math.Abs(d) < 9e15) return (long)d;
        }
        throw ApiException.WrongType(path, "an integer", Describe(value));
    }

    public JsonElement? Array(string name)
    {
        if (Get(name) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.Array) throw ApiException.WrongType(PathOf(name), "an array", Describe(value));
        return value;
    }

    public JsonFields? Object(string name) => Get(name) is { } value ? new JsonFields(value, PathOf(name)) : null;

    public JsonElement.ObjectEnumerator Properties() => _object.EnumerateObject();

    /// <summary>How a wrong value is named in an error: its JSON kind and a short excerpt.</summary>
    public static string Describe(JsonElement value)
    {
        string raw = value.GetRawText();
        if (raw.Length > 40) raw = raw[..37] + "...";
        return value.ValueKind switch
        {
            JsonValueKind.String => $"a string ({raw})",
            JsonValueKind.Number => $"a number ({raw})",
            JsonValueKind.True or JsonValueKind.False => $"a boolean ({raw})",
            JsonValueKind.Array => "an array",
            JsonValueKind.Object => "an object",
            _ => "null",
        };
    }

    private static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
