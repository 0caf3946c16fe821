using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Loom.Core;

namespace Loom.Models.Storage;

/// <summary>
/// The model directory layout shared by every family: loom.json (<see cref="ModelManifest"/>), model.safetensors and,
/// for language models, tokenizer.json. Writers call <see cref="BeginWrite"/> (which removes loom.json), write every
/// other file atomically, then <see cref="WriteManifest"/>: a crash at any point leaves either the complete old
/// directory, the complete new one, or one without loom.json, which readers reject by name — never a half-written model.
/// </summary>
public static class ModelDirectory
{
    public const string ManifestFileName = "loom.json";
    public const string WeightsFileName = "model.safetensors";

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The version of Loom writing the directory.</summary>
    public static string LoomVersion { get; } =
        typeof(ModelDirectory).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(ModelDirectory).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <summary>Creates the directory if needed and removes its loom.json, so it reads as incomplete until <see cref="WriteManifest"/>.</summary>
    public static void BeginWrite(string directory)
    {
        Directory.CreateDirectory(directory);
        string manifest = Path.Combine(directory, ManifestFileName);
        if (File.Exists(manifest)) File.Delete(manifest);
    }

    /// <summary>Writes loom.json atomically: the last step of saving a model.</summary>
    public static void WriteManifest(string directory, ModelManifest manifest) =>
        AtomicFile.WriteAllText(Path.Combine(directory, ManifestFileName), JsonSerializer.Serialize(manifest, JsonOptions));

    /// <summary>
    /// Reads loom.json and checks that the directory belongs to <paramref name="expectedFamily"/>. Errors name the
    /// path: a missing directory or loom.json (FileNotFound), malformed JSON, an unknown format version, another family.
    /// </summary>
    public static ModelManifest ReadManifest(string directory, string expectedFamily)
    {
        if (!Directory.Exists(directory))
            throw new LoomException(LoomErrorCode.FileNotFound, $"{directory}: model directory not found");
        string path = Path.Combine(directory, ManifestFileName);
        if (!File.Exists(path))
            throw new LoomException(LoomErrorCode.FileNotFound,
                $"{path}: not found ('{directory}' is not a Loom model directory, or its save did not finish)");
        ModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw LoomException.Format(path, $"not a valid model description: {e.Message}");
        }
        if (manifest is null) throw LoomException.Format(path, "not a valid model description (found null)");
        if (manifest.FormatVersion != ModelManifest.CurrentFormatVersion)
            throw LoomException.Format(path, $"formatVersion {manifest.FormatVersion} is not supported by this Loom (expected {ModelManifest.CurrentFormatVersion})");
        if (manifest.Family != expectedFamily)
            throw LoomException.Format(path, $"{directory} is a '{manifest.Family}' model directory; expected '{expectedFamily}'");
        return manifest;
    }

    /// <summary>
    /// Describes a data file or folder for <see cref="Provenance"/>: SHA-256 of a file's bytes, or for a folder of
    /// the sorted relative paths and their files' hashes, so any change to the data changes the hash.
    /// </summary>
    public static DataSource DescribeData(string path)
    {
        if (File.Exists(path))
        {
            using var stream = File.OpenRead(path);
            return new DataSource(path, Convert.ToHexStringLower(SHA256.HashData(stream)), stream.Length);
        }
        if (!Directory.Exists(path)) throw new LoomException(LoomErrorCode.FileNotFound, $"{path}: data not found");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long bytes = 0;
        foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            using var stream = File.OpenRead(file);
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetRelativePath(path, file).Replace('\\', '/') + "\n"));
            hash.AppendData(SHA256.HashData(stream));
            bytes += stream.Length;
        }
        return new DataSource(path, Convert.ToHexStringLower(hash.GetHashAndReset()), bytes);
    }

    /// <summary>SHA-256 (lower-case hex) of one file, e.g. a base model's weights for an adapter's provenance.</summary>
    public static string Sha256OfFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
