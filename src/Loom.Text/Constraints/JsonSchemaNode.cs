namespace Loom.Text.Constraints;

/// <summary>JSON value kinds a schema may allow (a bit set so type arrays are one value).</summary>
[Flags]
public enum JsonKinds
{
    None = 0,
    Object = 1,
    Array = 2,
    String = 4,
    Number = 8,
    Integer = 16,
    Boolean = 32,
    Null = 64,
    Any = Object | Array | String | Number | Boolean | Null,
}

/// <summary>
/// One compiled node of the supported JSON Schema subset. Either a set of alternatives (anyOf/oneOf), a fixed set of
/// literal texts (enum/const, as compact JSON), or kinds with their limits.
/// </summary>
public sealed class JsonSchemaNode
{
    public static readonly JsonSchemaNode AnyValue = new() { Kinds = JsonKinds.Any };

    // AnyValue's own defaults were read while it was still null; it is its own items and property schema.
    static JsonSchemaNode()
    {
        AnyValue.Items = AnyValue;
        AnyValue.AdditionalProperties = AnyValue;
    }

    public JsonKinds Kinds { get; init; }
    public IReadOnlyList<JsonSchemaNode>? Alternatives { get; set; }
    /// <summary>enum/const values as compact JSON texts (UTF-8).</summary>
    public IReadOnlyList<byte[]>? Literals { get; set; }
    public IReadOnlyDictionary<string, JsonSchemaNode>? Properties { get; set; }
    public IReadOnlySet<string> Required { get; set; } = new HashSet<string>();
    /// <summary>Schema of undeclared properties; null: none may appear.</summary>
    public JsonSchemaNode? AdditionalProperties { get; set; } = AnyValue;
    public JsonSchemaNode Items { get; set; } = AnyValue;
    public int MinItems { get; set; }
    public int MaxItems { get; set; } = int.MaxValue;
    public int MinLength { get; set; }
    public int MaxLength { get; set; } = int.MaxValue;
}
