namespace Loom.Tests.Formats.Gguf;

/// <summary>A fact over the llama.cpp reference GGUF files in ../shared/reference/gguf, reported as skipped (with the
/// reason) when they are absent.</summary>
public sealed class SharedGgufFactAttribute : FactAttribute
{
    /// <summary>The reference folder, or null when ../shared/reference/gguf is not there.</summary>
    public static string? Root { get; } = TestPaths.Shared is { } shared && Directory.Exists(Path.Combine(shared, "reference", "gguf"))
        ? Path.Combine(shared, "reference", "gguf")
        : null;

    public static string Model(string name) => Path.Combine(Root!, "models", name);

    public static IReadOnlyList<string> AllFiles { get; } = Root is null
        ? []
        : Directory.EnumerateFiles(Root, "*.gguf", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

    public SharedGgufFactAttribute()
    {
        if (Root is null) Skip = "no GGUF reference files under ../shared/reference/gguf";
    }
}
