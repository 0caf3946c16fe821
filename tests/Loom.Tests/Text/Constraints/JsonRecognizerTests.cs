using System.Text;
using System.Text.Json;
using Loom.Core;
using Loom.Text.Constraints;

namespace Loom.Tests.Text.Constraints;

public sealed class JsonRecognizerTests
{
    internal const string PersonSchema = """
        {"type":"object","properties":{
          "name":{"type":"string","minLength":1,"maxLength":6},
          "age":{"type":"integer"},
          "score":{"type":"number"},
          "tags":{"type":"array","items":{"enum":["a","b",1,12]},"maxItems":3},
          "ok":{"type":["boolean","null"]},
          "pet":{"$ref":"#/$defs/pet"},
          "either":{"anyOf":[{"type":"string","maxLength":2},{"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":2}]}
        },"required":["name","age"],
        "$defs":{"pet":{"type":"object","properties":{"kind":{"const":"cat"}},"required":["kind"]}}}
        """;

    internal static JsonSchemaNode Person => JsonSchemaCompiler.Compile(JsonDocument.Parse(PersonSchema).RootElement);

    private static JsonRecognizer.State? Run(JsonRecognizer r, string text) => r.Feed(r.Start, Encoding.UTF8.GetBytes(text));

    [Theory]
    [InlineData("""{"name":"bo","age":3}""")]
    [InlineData("""{ "age": -12, "name": "é日x", "ok": null }""")]
    [InlineData("""{"name":"a\"\u00e9","age":0,"tags":["a",12,1],"score":1.5e-3}""")]
    [InlineData("""{"name":"x","age":1,"pet":{"kind":"cat"},"either":[1,2]}""")]
    [InlineData("""{"name":"x","age":1,"either":"ab","ok":false}""")]
    public void Schema_valid_documents_are_complete_and_every_prefix_is_live(string text)
    {
        var r = new JsonRecognizer(Person);
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var state = r.Start;
        for (int i = 0; i < bytes.Length; i++)
        {
            Assert.False(state.IsClosed, $"closed before byte {i}");
            state = r.Feed(state, bytes[i]) ?? throw new Xunit.Sdk.XunitException($"rejected byte {i} ('{(char)bytes[i]}') of {text}");
        }
        Assert.True(state.IsComplete);
        Assert.True(state.IsClosed);
        Assert.True(SchemaValidator.ParsesAndValidates(text, Person));
    }

    [Theory]
    [InlineData("""{"name":"bo"}""", 12)]            // '}' before required "age"
    [InlineData("""{"name":"bo","nick":1}""", 14)]   // undeclared property
    [InlineData("""{"name":"bo","age":1.5}""", 20)]  // integer with a fraction
    [InlineData("""{"name":"toolongx","age":1}""", 15)]
    [InlineData("""{"name":"","age":1}""", 9)]       // minLength 1
    [InlineData("""{"name":"a","age":1,"tags":["c"]}""", 29)]
    [InlineData("""{"name":"a","age":1,"tags":["a","a","a","a"]}""", 39)]
    [InlineData("""{"name":"a","age":01}""", 19)]
    [InlineData("""{"name":"a","name":"b"}""", 13)]  // a declared property twice
    [InlineData("""{,""", 1)]
    [InlineData("""{"name":"a","age":1}}""", 20)]    // nothing after the root closes
    [InlineData("     {", 4)]                        // whitespace runs are bounded
    [InlineData("""{"name":"a","either":[]}""", 22)]
    public void Invalid_text_is_rejected_at_its_first_bad_byte(string text, int firstBad)
    {
        var r = new JsonRecognizer(Person);
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        Assert.NotNull(r.Feed(r.Start, bytes.AsSpan(0, firstBad)));
        Assert.Null(r.Feed(r.Start, bytes.AsSpan(0, firstBad + 1)));
    }

    [Fact]
    public void Object_without_properties_and_no_additional_properties_accepts_only_the_empty_object()
    {
        // Regression: a schema with additionalProperties:false and no "properties" crashed on null Properties.
        var schema = JsonSchemaCompiler.Compile(JsonDocument.Parse("""{"type":"object","additionalProperties":false}""").RootElement);
        var r = new JsonRecognizer(schema);
        Assert.True(r.Accepts("{}"u8));
        Assert.True(r.Accepts("{ }"u8));
        Assert.False(r.Accepts("""{"a":1}"""u8));
    }

    [Fact]
    public void Any_object_accepts_free_keys_and_nested_values_but_not_a_bare_scalar()
    {
        var r = JsonRecognizer.AnyObject();
        Assert.True(r.Accepts("""{"x":[1,{"y":null},"z\n"],"x":true}"""u8));
        Assert.Null(Run(r, "1"));
        Assert.Null(Run(r, "\"a\""));
        Assert.False(Run(r, """{"a":1""")!.IsComplete);
        Assert.Null(Run(r, "{\"a\":\"\u0001"));
    }

    [Theory]
    [InlineData("""{"type":"string","pattern":"a+"}""", "pattern")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"number","minimum":0}}}""", "minimum")]
    [InlineData("""{"allOf":[{"type":"string"}]}""", "allOf")]
    [InlineData("""{"type":"strnig"}""", "strnig")]
    [InlineData("""{"$ref":"#/$defs/missing"}""", "missing")]
    [InlineData("""{"type":"object","properties":{"a":{}},"required":["b"]}""", "'b'")]
    public void Unsupported_or_wrong_schemas_name_the_keyword(string schema, string named)
    {
        var e = Assert.Throws<LoomException>(() => JsonSchemaCompiler.Compile(JsonDocument.Parse(schema).RootElement));
        Assert.Equal(LoomErrorCode.InvalidArgument, e.Code);
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void Random_valid_documents_are_accepted_and_random_mutations_never_accepted_unless_valid()
    {
        var rng = new Random(7);
        var schema = Person;
        var r = new JsonRecognizer(schema);
        for (int i = 0; i < 150; i++)
        {
            string doc = RandomDocuments.Generate(schema, rng);
            Assert.True(r.Accepts(Encoding.UTF8.GetBytes(doc)), doc);
            Assert.True(SchemaValidator.ParsesAndValidates(doc, schema), doc);
            var chars = doc.ToCharArray();
            chars[rng.Next(chars.Length)] = "{}[]\":,0a-e. \\tn"[rng.Next(16)];
            string mutated = new(chars);
            var state = Run(r, mutated);
            if (state is { IsComplete: true }) Assert.True(SchemaValidator.ParsesAndValidates(mutated, schema), mutated);
            else Assert.False(SchemaValidator.ParsesAndValidates(mutated, schema) && mutated.TrimStart() == mutated, mutated);
        }
    }
}

/// <summary>Random documents that satisfy a compiled schema (for property tests).</summary>
public static class RandomDocuments
{
    public static string Generate(JsonSchemaNode s, Random rng)
    {
        if (s.Alternatives is { } alts) return Generate(alts[rng.Next(alts.Count)], rng);
        if (s.Literals is { } lits) return Encoding.UTF8.GetString(lits[rng.Next(lits.Count)]);
        var kinds = Enum.GetValues<JsonKinds>().Where(k => k is not JsonKinds.None and not JsonKinds.Any && s.Kinds.HasFlag(k)).ToArray();
        var kind = kinds[rng.Next(kinds.Length)];
        switch (kind)
        {
            case JsonKinds.Object:
                var props = (s.Properties ?? new Dictionary<string, JsonSchemaNode>())
                    .Where(p => s.Required.Contains(p.Key) || rng.Next(2) == 0).OrderBy(_ => rng.Next()).ToList();
                return "{" + string.Join(rng.Next(2) == 0 ? "," : ", ", props.Select(p => JsonSerializer.Serialize(p.Key) + ":" + Generate(p.Value, rng))) + "}";
            case JsonKinds.Array:
                int n = rng.Next(s.MinItems, Math.Min(s.MaxItems, s.MinItems + 3) + 1);
                return "[" + string.Join(",", Enumerable.Range(0, n).Select(_ => Generate(s.Items, rng))) + "]";
            case JsonKinds.String:
                int len = rng.Next(s.MinLength, Math.Min(s.MaxLength, s.MinLength + 5) + 1);
                const string alphabet = "ab\"\\é日\n/";
                return JsonSerializer.Serialize(new string(Enumerable.Range(0, len).Select(_ => alphabet[rng.Next(alphabet.Length)]).ToArray()),
                    JsonSchemaCompiler.Compact);
            case JsonKinds.Integer:
                return rng.Next(-500, 500).ToString();
            case JsonKinds.Number:
                return (rng.NextDouble() * 100 - 50).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            case JsonKinds.Boolean:
                return rng.Next(2) == 0 ? "true" : "false";
            default:
                return "null";
        }
    }
}
