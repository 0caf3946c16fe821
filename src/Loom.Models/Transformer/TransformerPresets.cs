using System.Reflection;
using Loom.Core;

namespace Loom.Models.Transformer;

/// <summary>
/// Named configs shipped with Loom: the JSON files under configs/transformer, embedded in this assembly so they work
/// wherever Loom runs. A preset's vocabSize is a placeholder that training replaces with the tokenizer's.
/// </summary>
public static class TransformerPresets
{
    private const string ResourcePrefix = "Loom.Models.Presets.Transformer.";

    /// <summary>Names of the built-in presets, sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(TransformerPresets).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
        .Select(n => n[ResourcePrefix.Length..^".json".Length])
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>
    /// A built-in preset by name ("tiny", "names", "names-small", "small", "gpt2-small-like"), or a config file when
    /// <paramref name="nameOrPath"/> ends in .json.
    /// </summary>
    public static TransformerConfig Load(string nameOrPath)
    {
        ArgumentNullException.ThrowIfNull(nameOrPath);
        if (nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            if (!File.Exists(nameOrPath)) throw new LoomException(LoomErrorCode.FileNotFound, $"{nameOrPath}: config file not found");
            return TransformerConfigJson.Deserialize(File.ReadAllText(nameOrPath), nameOrPath);
        }
        string key = nameOrPath.Trim().ToLowerInvariant();
        using var stream = Assembly.GetManifestResourceStream(ResourcePrefix + key + ".json")
            ?? throw LoomException.Argument($"unknown transformer preset '{nameOrPath}'; presets: {string.Join(", ", Names)} (or a path to a .json config)");
        using var reader = new StreamReader(stream);
        return TransformerConfigJson.Deserialize(reader.ReadToEnd(), $"preset '{key}'");
    }

    private static Assembly Assembly => typeof(TransformerPresets).Assembly;
}
