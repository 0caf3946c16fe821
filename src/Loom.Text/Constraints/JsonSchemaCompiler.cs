using System.Text.Encodings.Web;
using System.Text.Json;
using Loom.Core;

namespace Loom.Text.Constraints;

/// <summary>
/// Compiles the JSON Schema subset Loom can enforce while decoding: type (and type arrays), properties, required,
/// additionalProperties, items, enum, const, anyOf/oneOf, min/maxItems, min/maxLength, local $ref to $defs.
/// Anything else that would change which documents are valid throws, naming the keyword.
/// </summary>
public static class JsonSchemaCompiler
{
    // Annotations that do not restrict documents, so ignoring them is honest.
    private static readonly HashSet<string> Ignored = ["title", "description", "default", "examples", "$schema", "$id", "$comment", "$defs", "definitions", "format", "strict", "deprecated", "readOnly", "writeOnly"];

    /// <summary>How enum/const values and property names are written: compact, non-ASCII kept as UTF-8.</summary>
    public static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonSchemaNode Compile(JsonElement schema)
    {
        var refs = new Dictionary<string, JsonSchemaNode>();
        return Compile(schema, schema, "#", refs, 0);
    }

    private static JsonSchemaNode Compile(JsonElement node, JsonElement root, string path, Dictionary<string, JsonSchemaNode> refs, int depth)
    {
        if (depth > 64) throw LoomException.Argument($"JSON schema at {path}: nesting deeper than 64 (a recursive $ref?) is not supported");
        if (node.ValueKind == JsonValueKind.True) return JsonSchemaNode.AnyValue;
        if (node.ValueKind != JsonValueKind.Object)
            throw LoomException.Argument($"JSON schema at {path}: expected an object, found {node.ValueKind}");
        foreach (var p in node.EnumerateObject())
        {
            if (Ignored.Contains(p.Name)) continue;
            if (p.Name is "type" or "properties" or "required" or "additionalProperties" or "items" or "enum" or "const" or "anyOf" or "oneOf"
                or "minItems" or "maxItems" or "minLength" or "maxLength" or "$ref") continue;
            throw LoomException.Argument($"JSON schema at {path}: keyword '{p.Name}' is not supported by constrained decoding (supported: type, properties, required, additionalProperties, items, enum, const, anyOf, oneOf, minItems, maxItems, minLength, maxLength, $ref)");
        }
        if (node.TryGetProperty("$ref", out var reference)) return Resolve(reference.GetString() ?? "", root, path, refs, depth);
        if (node.TryGetProperty("enum", out var en))
        {
            if (en.ValueKind != JsonValueKind.Array || en.GetArrayLength() == 0) throw LoomException.Argument($"JSON schema at {path}/enum: expected a non-empty array");
            return new JsonSchemaNode { Literals = en.EnumerateArray().Select(v => JsonSerializer.SerializeToUtf8Bytes(v, Compact)).ToArray() };
        }
        if (node.TryGetProperty("const", out var cn)) return new JsonSchemaNode { Literals = [JsonSerializer.SerializeToUtf8Bytes(cn, Compact)] };
        foreach (string key in (string[])["anyOf", "oneOf"])
        {
            if (!node.TryGetProperty(key, out var alts)) continue;
            if (alts.ValueKind != JsonValueKind.Array || alts.GetArrayLength() == 0) throw LoomException.Argument($"JSON schema at {path}/{key}: expected a non-empty array");
            return new JsonSchemaNode { Alternatives = alts.EnumerateArray().Select((a, i) => Compile(a, root, $"{path}/{key}/{i}", refs, depth + 1)).ToArray() };
        }
        JsonKinds kinds = node.TryGetProperty("type", out var type) ? Kinds(type, path) : Infer(node);
        var result = new JsonSchemaNode { Kinds = kinds };
        if (node.TryGetProperty("properties", out var props))
        {
            if (props.ValueKind != JsonValueKind.Object) throw LoomException.Argument($"JSON schema at {path}/properties: expected an object");
            result.Properties = props.EnumerateObject().ToDictionary(p => p.Name, p => Compile(p.Value, root, $"{path}/properties/{p.Name}", refs, depth + 1));
            // Declared properties only unless additionalProperties says otherwise: a model should not invent fields.
            result.AdditionalProperties = null;
        }
        if (node.TryGetProperty("required", out var req))
            result.Required = req.EnumerateArray().Select(r => r.GetString() ?? "").ToHashSet();
        foreach (var name in result.Required)
            if (result.Properties is null || !result.Properties.ContainsKey(name))
                throw LoomException.Argument($"JSON schema at {path}/required: '{name}' is not among the declared properties");
        if (node.TryGetProperty("additionalProperties", out var ap))
            result.AdditionalProperties = ap.ValueKind switch
            {
                JsonValueKind.False => null,
                JsonValueKind.True => JsonSchemaNode.AnyValue,
                _ => Compile(ap, root, $"{path}/additionalProperties", refs, depth + 1),
            };
        if (node.TryGetProperty("items", out var items)) result.Items = Compile(items, root, $"{path}/items", refs, depth + 1);
        result.MinItems = Count(node, "minItems", 0, path);
        result.MaxItems = Count(node, "maxItems", int.MaxValue, path);
        result.MinLength = Count(node, "minLength", 0, path);
        result.MaxLength = Count(node, "maxLength", int.MaxValue, path);
        if (result.MinItems > result.MaxItems) throw LoomException.Argument($"JSON schema at {path}: minItems {result.MinItems} > maxItems {result.MaxItems}");
        if (result.MinLength > result.MaxLength) throw LoomException.Argument($"JSON schema at {path}: minLength {result.MinLength} > maxLength {result.MaxLength}");
        return result;
    }

    private static JsonSchemaNode Resolve(string reference, JsonElement root, string path, Dictionary<string, JsonSchemaNode> refs, int depth)
    {
        if (refs.TryGetValue(reference, out var known)) return known;
        string[] parts = reference.Split('/');
        if (parts.Length != 3 || parts[0] != "#" || (parts[1] != "$defs" && parts[1] != "definitions")
            || !root.TryGetProperty(parts[1], out var defs) || !defs.TryGetProperty(parts[2], out var target))
            throw LoomException.Argument($"JSON schema at {path}/$ref: '{reference}' is not a local '#/$defs/name' that exists");
        var compiled = Compile(target, root, reference, refs, depth + 1);
        refs[reference] = compiled;
        return compiled;
    }

    private static int Count(JsonElement node, string key, int fallback, string path)
    {
        if (!node.TryGetProperty(key, out var v)) return fallback;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int n) || n < 0)
            throw LoomException.Argument($"JSON schema at {path}/{key}: expected a non-negative integer, found {v.GetRawText()}");
        return n;
    }

    private static JsonKinds Infer(JsonElement node) =>
        node.TryGetProperty("properties", out _) ? JsonKinds.Object
        : node.TryGetProperty("items", out _) ? JsonKinds.Array
        : JsonKinds.Any;

    private static JsonKinds Kinds(JsonElement type, string path)
    {
        if (type.ValueKind == JsonValueKind.Array)
            return type.EnumerateArray().Aggregate(JsonKinds.None, (k, t) => k | Kinds(t, path));
        return type.GetString() switch
        {
            "object" => JsonKinds.Object,
            "array" => JsonKinds.Array,
            "string" => JsonKinds.String,
            "number" => JsonKinds.Number,
            "integer" => JsonKinds.Integer,
            "boolean" => JsonKinds.Boolean,
            "null" => JsonKinds.Null,
            var other => throw LoomException.Argument($"JSON schema at {path}/type: expected one of object, array, string, number, integer, boolean, null; found '{other}'"),
        };
    }
}
