using Loom.Core;

namespace Loom.Inference.Architectures;

/// <summary>The architectures the engine runs, by <c>general.architecture</c>.</summary>
public static class ArchitectureRegistry
{
    private static readonly LlmArchitecture[] All = [new LlamaArchitecture(), new Qwen2Architecture(), new Qwen3Architecture()];

    /// <summary>The supported <c>general.architecture</c> values.</summary>
    public static IReadOnlyList<string> Supported { get; } = [.. All.Select(a => a.Name)];

    /// <summary>The architecture named <paramref name="name"/>; a NotSupported LoomException listing the supported
    /// ones otherwise.</summary>
    public static LlmArchitecture Get(string name, string? file = null) =>
        All.FirstOrDefault(a => a.Name == name)
        ?? throw new LoomException(LoomErrorCode.NotSupported,
            $"{(file is null ? "" : file + ": ")}architecture '{name}' is not supported; supported: {string.Join(", ", Supported)}");
}
