using System.Reflection;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Models.Storage;

namespace Loom.Models.Imaging;

/// <summary>
/// Every <see cref="IImageFamily"/> in this assembly, found once by reflection (so adding a family is adding its
/// folder, with no list to edit), by name or from a model directory's loom.json.
/// </summary>
public static class ImageFamilies
{
    private static readonly Lazy<IReadOnlyList<IImageFamily>> Found = new(() => typeof(ImageFamilies).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IImageFamily).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
        .Select(t => (IImageFamily)Activator.CreateInstance(t)!)
        .OrderBy(f => f.Name, StringComparer.Ordinal)
        .ToArray());

    public static IReadOnlyList<IImageFamily> All => Found.Value;

    /// <summary>The family named <paramref name="name"/>; a LoomException lists the known ones otherwise.</summary>
    public static IImageFamily Get(string name) =>
        All.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw LoomException.Argument($"unknown image family '{name}'; expected one of: {string.Join(", ", All.Select(f => f.Name))}");

    /// <summary>Whether <paramref name="directory"/>'s loom.json names an image family.</summary>
    public static bool IsImageModel(string directory)
    {
        string manifest = Path.Combine(directory, ModelDirectory.ManifestFileName);
        if (!File.Exists(manifest)) return false;
        string? family = JsonNode.Parse(File.ReadAllText(manifest))?["family"]?.GetValue<string>();
        return family is not null && All.Any(f => string.Equals(f.Name, family, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Reads an image model directory with the family its loom.json names.</summary>
    public static IImageModel Load(string directory)
    {
        string manifest = Path.Combine(directory, ModelDirectory.ManifestFileName);
        if (!File.Exists(manifest)) throw LoomException.Format(directory, $"not a model directory: {ModelDirectory.ManifestFileName} is missing");
        string? family;
        try { family = JsonNode.Parse(File.ReadAllText(manifest))?["family"]?.GetValue<string>(); }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            throw LoomException.Format(manifest, $"not valid JSON: {e.Message}");
        }
        if (family is null) throw LoomException.Format(manifest, "field 'family' is missing");
        return Get(family).Load(directory);
    }
}
