namespace Loom.Tests.Text.GgufTokenizers;

/// <summary>A fact over the llama.cpp reference vectors in ../shared/reference/gguf; skipped, saying so, when they are
/// absent.</summary>
public sealed class SharedGgufTokenizerFactAttribute : FactAttribute
{
    public static string? Root { get; } = TestPaths.Shared is { } shared && Directory.Exists(Path.Combine(shared, "reference", "gguf"))
        ? Path.Combine(shared, "reference", "gguf")
        : null;

    public SharedGgufTokenizerFactAttribute()
    {
        if (Root is null) Skip = "needs the GGUF reference vectors in ../shared/reference/gguf";
    }
}
