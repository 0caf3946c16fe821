namespace Loom.Tests.Formats;

/// <summary>A fact that runs over the .safetensors files under ../shared and is reported as skipped, with the
/// reason, when there are none (xunit 2 has no skip from inside a test).</summary>
public sealed class SharedSafetensorsFactAttribute : FactAttribute
{
    public static IReadOnlyList<string> Files { get; } = TestPaths.Shared is { } shared
        ? Directory.EnumerateFiles(shared, "*.safetensors", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList()
        : [];

    public SharedSafetensorsFactAttribute()
    {
        if (Files.Count == 0) Skip = "no .safetensors reference files under ../shared";
    }
}
