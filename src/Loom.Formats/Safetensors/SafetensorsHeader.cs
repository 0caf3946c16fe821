namespace Loom.Formats;

/// <summary>One tensor's header entry: its element type, shape, and byte range [Begin, End) in the data buffer.</summary>
public sealed record SafetensorsTensorInfo(string Name, SafetensorsDType DType, int[] Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (product, dim) => product * dim);
}

/// <summary>
/// A parsed, validated safetensors header: tensors in file order (sorted by begin offset), the free-form
/// "__metadata__" strings, and where the data buffer starts in the file (8 + header length).
/// </summary>
public sealed record SafetensorsHeader(
    IReadOnlyList<SafetensorsTensorInfo> Tensors,
    IReadOnlyDictionary<string, string> Metadata,
    long DataStart);
