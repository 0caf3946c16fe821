using System.Collections.Concurrent;
using System.Text.Json;
using Loom.Formats.Gguf;
using Loom.Text.Tokenizers.Gguf;

namespace Loom.Tests.Text.GgufTokenizers;

/// <summary>Each reference GGUF's tokenizer and expected JSON, loaded once for the test class.</summary>
public sealed class GgufTokenizerFixture
{
    private readonly ConcurrentDictionary<string, Lazy<(GgufTokenizer, JsonElement)>> _loaded = new();

    /// <summary>"vocab/vocab-qwen3-151669.gguf" style names of every reference GGUF, vocab files first.</summary>
    public static IReadOnlyList<string> AllFiles { get; } = SharedGgufTokenizerFactAttribute.Root is not { } root
        ? []
        : [.. Directory.EnumerateFiles(Path.Combine(root, "vocab"), "*.gguf").Order(StringComparer.Ordinal)
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "models"), "*.gguf").Order(StringComparer.Ordinal))
            .Select(p => Path.GetRelativePath(root, p))];

    public static string[] TestStrings { get; } = SharedGgufTokenizerFactAttribute.Root is not { } r
        ? []
        : JsonSerializer.Deserialize<string[]>(File.ReadAllText(Path.Combine(r, "expected", "test_strings.json")))!;

    public (GgufTokenizer Tokenizer, JsonElement Expected) Get(string relativePath) =>
        _loaded.GetOrAdd(relativePath, p => new(() => Load(p))).Value;

    private static (GgufTokenizer, JsonElement) Load(string relativePath)
    {
        string root = SharedGgufTokenizerFactAttribute.Root!;
        GgufTokenizer tokenizer;
        using (var file = GgufFile.Open(Path.Combine(root, relativePath)))
            tokenizer = GgufTokenizer.FromGguf(file);
        string json = Path.Combine(root, "expected", Path.GetFileNameWithoutExtension(relativePath) + ".expected.json");
        return (tokenizer, JsonDocument.Parse(File.ReadAllText(json)).RootElement);
    }

    public static int[] Ids(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];
}
