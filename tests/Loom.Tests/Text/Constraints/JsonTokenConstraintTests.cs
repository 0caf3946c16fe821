using System.Text;
using Loom.Text.Constraints;

namespace Loom.Tests.Text.Constraints;

public sealed class JsonTokenConstraintTests
{
    // Single bytes, multi-character pieces, and the two halves of "é" (0xC3 0xA9) as separate tokens.
    private static readonly byte[][] Vocabulary = BuildVocabulary();
    private const int Eos = 0;

    private static byte[][] BuildVocabulary()
    {
        var pieces = new List<byte[]> { "<eos>"u8.ToArray(), Array.Empty<byte>() /* an empty piece: never allowed */, new byte[] { 0xC3 }, new byte[] { 0xA9 }, "é"u8.ToArray(), "日"u8.ToArray() };
        foreach (char c in "{}[]\":, \n-.0123456789eEabcdefghijklmnopqrstuvwxyz\\/+") pieces.Add([(byte)c]);
        foreach (string s in (string[])["{\"", "\":", "\",\"", "name", "age", "tags", "true", "false", "null", "\"}", "12", "\"a\"", "ok\":", "  ", "\n  "])
            pieces.Add(Encoding.UTF8.GetBytes(s));
        return [.. pieces];
    }

    private static (string Text, bool Complete) Generate(JsonTokenConstraint c, Random rng, bool greedy, int maxSteps = 400)
    {
        var output = new List<byte>();
        var logits = new float[Vocabulary.Length];
        for (int step = 0; step < maxSteps; step++)
        {
            for (int i = 0; i < logits.Length; i++) logits[i] = (float)(rng.NextDouble() * 6 - 3);
            c.Mask(logits);
            int token = greedy ? ArgMax(logits) : Sample(logits, rng);
            Assert.False(float.IsNegativeInfinity(logits[token]));
            if (token == Eos) return (Encoding.UTF8.GetString([.. output]), true);
            c.Accept(token);
            output.AddRange(Vocabulary[token]);
            if (c.IsComplete) return (Encoding.UTF8.GetString([.. output]), true);
        }
        return (Encoding.UTF8.GetString([.. output]), false);
    }

    private static int ArgMax(float[] l)
    {
        int best = 0;
        for (int i = 1; i < l.Length; i++) if (l[i] > l[best]) best = i;
        return best;
    }

    private static int Sample(float[] l, Random rng)
    {
        double max = l.Max(), sum = l.Sum(x => Math.Exp(x - max)), u = rng.NextDouble() * sum;
        for (int i = 0; i < l.Length; i++)
        {
            u -= Math.Exp(l[i] - max);
            if (u <= 0 && !float.IsNegativeInfinity(l[i])) return i;
        }
        return ArgMax(l);
    }

    private static JsonTokenConstraint New(JsonRecognizer r) =>
        new(r, Vocabulary.Length, t => Vocabulary[t], new HashSet<int> { Eos });

    [Fact]
    public void Sampling_random_logits_under_the_schema_always_gives_schema_valid_json()
    {
        var schema = JsonRecognizerTests.Person;
        for (int seed = 0; seed < 25; seed++)
        {
            var rng = new Random(seed);
            var (text, complete) = Generate(New(new JsonRecognizer(schema)), rng, greedy: false);
            Assert.True(complete, $"seed {seed}: not complete: {text}");
            Assert.True(SchemaValidator.ParsesAndValidates(text, schema), $"seed {seed}: {text}");
        }
    }

    [Fact]
    public void Greedy_takes_the_highest_valid_logit_and_json_object_gives_an_object()
    {
        for (int seed = 0; seed < 10; seed++)
        {
            var (text, complete) = Generate(New(JsonRecognizer.AnyObject()), new Random(seed), greedy: true, maxSteps: 3000);
            if (!complete) continue; // free objects may nest beyond the budget; what was produced is still checked below
            using var doc = System.Text.Json.JsonDocument.Parse(text);
            Assert.Equal(System.Text.Json.JsonValueKind.Object, doc.RootElement.ValueKind);
        }
        // Hand-set logits: the best token "}" is invalid at the start, so greedy takes the best valid one, "{\"".
        var c = New(new JsonRecognizer(JsonRecognizerTests.Person));
        var logits = new float[Vocabulary.Length];
        int brace = Array.FindIndex(Vocabulary, v => v.AsSpan().SequenceEqual("}"u8));
        int openKey = Array.FindIndex(Vocabulary, v => v.AsSpan().SequenceEqual("{\""u8));
        logits[brace] = 10;
        logits[Eos] = 9;
        logits[openKey] = 5;
        c.Mask(logits);
        Assert.Equal(openKey, ArgMax(logits));
        Assert.True(float.IsNegativeInfinity(logits[Eos]));
        Assert.True(float.IsNegativeInfinity(logits[1])); // the empty piece
    }

    [Fact]
    public void A_character_split_across_tokens_is_allowed_only_when_completed()
    {
        var schema = System.Text.Json.JsonDocument.Parse("""{"type":"object","properties":{"s":{"type":"string"}},"required":["s"]}""").RootElement;
        var c = New(JsonRecognizer.ForSchema(schema));
        foreach (string piece in (string[])["{\"", "s", "\":", "\""]) c.Accept(Array.FindIndex(Vocabulary, v => v.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(piece))));
        var logits = new float[Vocabulary.Length];
        c.Mask(logits);
        Assert.False(float.IsNegativeInfinity(logits[2])); // 0xC3 may start a character
        Assert.True(float.IsNegativeInfinity(logits[3]));  // 0xA9 alone may not
        c.Accept(2);
        Array.Clear(logits);
        c.Mask(logits);
        Assert.False(float.IsNegativeInfinity(logits[3]));
        Assert.Equal(1, logits.Count(x => !float.IsNegativeInfinity(x))); // only the continuation byte
    }
}
