using System.Text.Json;
using System.Text.Json.Serialization;
using Loom.Core;

namespace Loom.Nn.Lora;

/// <summary>
/// adapter.json: what <see cref="Lora.LoadAdapter"/> needs to rebuild the adapters on a base model (rank, alpha,
/// target patterns, the exact module paths adapted) and which base they were trained on.
/// </summary>
public sealed record LoraAdapterInfo
{
    public const string FileName = "adapter.json";
    public const string WeightsFileName = "adapter.safetensors";
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;
    public int Rank { get; init; }
    public float Alpha { get; init; }
    public float Dropout { get; init; }

    /// <summary>The patterns given to <see cref="Lora.Apply"/> ("q_proj", "self_attn.*").</summary>
    public IReadOnlyList<string> Targets { get; init; } = [];

    /// <summary>The module paths they matched ("model.layers.0.self_attn.q_proj", …).</summary>
    public IReadOnlyList<string> Modules { get; init; } = [];

    /// <summary>The base model's directory or weights file when the adapter was trained (informational).</summary>
    public string? BaseModelPath { get; init; }

    /// <summary>SHA-256 of the base model's weights file; loaders can warn or refuse when the base differs.</summary>
    public string? BaseModelSha256 { get; init; }

    internal static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    internal static LoraAdapterInfo Read(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new LoomException(LoomErrorCode.FileNotFound, $"{path}: not found (is '{directory}' a LoRA adapter directory?)");
        LoraAdapterInfo? info;
        try
        {
            info = JsonSerializer.Deserialize<LoraAdapterInfo>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw LoomException.Format(path, $"not a valid adapter description: {e.Message}");
        }
        if (info is null) throw LoomException.Format(path, "not a valid adapter description (found null)");
        if (info.FormatVersion != CurrentFormatVersion)
            throw LoomException.Format(path, $"formatVersion {info.FormatVersion} is not supported (expected {CurrentFormatVersion})");
        if (info.Rank < 1) throw LoomException.Format(path, $"rank must be positive, found {info.Rank}");
        if (!(info.Alpha > 0)) throw LoomException.Format(path, $"alpha must be positive, found {info.Alpha}");
        if (info.Modules.Count == 0) throw LoomException.Format(path, "modules is empty: the adapter adapts nothing");
        return info;
    }
}
