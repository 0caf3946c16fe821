using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text.Json;
using Loom.Inference;
using Loom.Tests.Formats.Gguf;

namespace Loom.Tests.Inference;

/// <summary>The llama.cpp reference models (../shared/reference/gguf/models) with their expected outputs, each
/// loaded once per test run and shared (read-only) by the tests.</summary>
public static class ReferenceModels
{
    private static readonly ConcurrentDictionary<string, Lazy<LlmModel>> Models = new();
    private static readonly ConcurrentDictionary<string, Lazy<JsonElement>> Expected = new();

    /// <summary>File names of every reference model, e.g. "llama-spm2500-f32.gguf".</summary>
    public static IReadOnlyList<string> Names { get; } = SharedGgufFactAttribute.Root is not { } root
        ? []
        : [.. Directory.EnumerateFiles(Path.Combine(root, "models"), "*.gguf").Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    public static TheoryData<string> All()
    {
        var data = new TheoryData<string>();
        foreach (var name in Names) data.Add(name);
        return data;
    }

    public static LlmModel Model(string name) =>
        Models.GetOrAdd(name, n => new(() => LlmModel.Load(SharedGgufFactAttribute.Model(n)))).Value;

    public static JsonElement ExpectedFor(string name) =>
        Expected.GetOrAdd(name, n => new(() => JsonDocument.Parse(File.ReadAllText(ExpectedPath(n, ".expected.json"))).RootElement)).Value;

    /// <summary>A full logit vector saved beside the JSON (suffix ".prompt0.logits.f32le.bin" or "-f32act" variant).</summary>
    public static float[] LogitsBin(string name, string suffix) =>
        MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(ExpectedPath(name, suffix))).ToArray();

    public static int[] Ids(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];

    /// <summary>How the weights of the file are stored: "f32", "f16" or "quantized" (its name's suffix).</summary>
    public static string Kind(string name) =>
        name.EndsWith("-f32.gguf", StringComparison.Ordinal) ? "f32" : name.EndsWith("-f16.gguf", StringComparison.Ordinal) ? "f16" : "quantized";

    private static string ExpectedPath(string name, string suffix) =>
        Path.Combine(SharedGgufFactAttribute.Root!, "expected", Path.GetFileNameWithoutExtension(name) + suffix);
}

/// <summary>A theory over the reference models, skipped with the reason when ../shared is absent.</summary>
public sealed class SharedGgufTheoryAttribute : TheoryAttribute
{
    public SharedGgufTheoryAttribute()
    {
        if (SharedGgufFactAttribute.Root is null) Skip = "no GGUF reference files under ../shared/reference/gguf";
    }
}
