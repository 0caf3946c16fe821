using Loom.Kernels.Quant;

namespace Loom.Formats.Gguf;

/// <summary>
/// One tensor of a GGUF file. Dimensions are in ggml order: <c>Dimensions[0]</c> (ne0) is the innermost, contiguous
/// one — a [rows × cols] matrix is stored as ne0 = cols, ne1 = rows. <see cref="Offset"/> is relative to the start
/// of the data section; <see cref="DataOffset"/> is absolute in the file.
/// </summary>
public sealed record GgufTensorInfo(string Name, IReadOnlyList<long> Dimensions, GgmlType Type, long Offset, long DataOffset, long ByteSize)
{
    public long ElementCount => Dimensions.Aggregate(1L, (a, b) => a * b);

    /// <summary>Elements per row (ne0) and number of rows (the product of the other dimensions).</summary>
    public long RowLength => Dimensions.Count == 0 ? 1 : Dimensions[0];
    public long RowCount => RowLength == 0 ? 0 : ElementCount / RowLength;
}
