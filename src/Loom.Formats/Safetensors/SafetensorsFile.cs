using Loom.Core;

namespace Loom.Formats;

/// <summary>The content of a loaded safetensors file: every tensor as float32, in file order, and its metadata.</summary>
public sealed class SafetensorsFile
{
    public SafetensorsFile(IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
    }

    public IReadOnlyList<NamedTensor> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor with this name; a LoomException listing the names present when there is none.</summary>
    public NamedTensor Get(string name) =>
        Tensors.FirstOrDefault(t => t.Name == name)
        ?? throw LoomException.Argument(
            $"safetensors: no tensor named '{name}'; the file has {string.Join(", ", Tensors.Select(t => $"'{t.Name}'"))}");
}
