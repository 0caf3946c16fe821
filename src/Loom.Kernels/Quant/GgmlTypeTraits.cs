using Loom.Core;

namespace Loom.Kernels.Quant;

/// <summary>
/// Block geometry of every <see cref="GgmlType"/>: how many elements one block holds and how many bytes it takes.
/// A row of n elements takes n / BlockSize blocks, so n must be a multiple of the block size.
/// </summary>
public static class GgmlTypeTraits
{
    // Indexed by type id (an array, not a dictionary: dot products look a type up on every row).
    private static readonly (int BlockSize, int TypeSize)[] Table = BuildTable(new()
    {
        [GgmlType.F32] = (1, 4),
        [GgmlType.F16] = (1, 2),
        [GgmlType.Q4_0] = (32, 18),
        [GgmlType.Q4_1] = (32, 20),
        [GgmlType.Q5_0] = (32, 22),
        [GgmlType.Q5_1] = (32, 24),
        [GgmlType.Q8_0] = (32, 34),
        [GgmlType.Q8_1] = (32, 36),
        [GgmlType.Q2_K] = (256, 84),
        [GgmlType.Q3_K] = (256, 110),
        [GgmlType.Q4_K] = (256, 144),
        [GgmlType.Q5_K] = (256, 176),
        [GgmlType.Q6_K] = (256, 210),
        [GgmlType.Q8_K] = (256, 292),
        [GgmlType.IQ2_XXS] = (256, 66),
        [GgmlType.IQ2_XS] = (256, 74),
        [GgmlType.IQ3_XXS] = (256, 98),
        [GgmlType.IQ1_S] = (256, 50),
        [GgmlType.IQ4_NL] = (32, 18),
        [GgmlType.IQ3_S] = (256, 110),
        [GgmlType.IQ2_S] = (256, 82),
        [GgmlType.IQ4_XS] = (256, 136),
        [GgmlType.I8] = (1, 1),
        [GgmlType.I16] = (1, 2),
        [GgmlType.I32] = (1, 4),
        [GgmlType.I64] = (1, 8),
        [GgmlType.F64] = (1, 8),
        [GgmlType.IQ1_M] = (256, 56),
        [GgmlType.BF16] = (1, 2),
        [GgmlType.TQ1_0] = (256, 54),
        [GgmlType.TQ2_0] = (256, 66),
        [GgmlType.MXFP4] = (32, 17),
    });

    private static (int, int)[] BuildTable(Dictionary<GgmlType, (int BlockSize, int TypeSize)> entries)
    {
        var table = new (int, int)[(int)entries.Keys.Max() + 1];
        foreach (var (type, geometry) in entries) table[(int)type] = geometry;
        return table;
    }

    /// <summary>True when <paramref name="id"/> is a ggml type Loom knows the block geometry of.</summary>
    public static bool IsKnown(uint id) => id < Table.Length && Table[id].BlockSize != 0;

    public static int BlockSize(GgmlType type) => Lookup(type).BlockSize;

    public static int TypeSize(GgmlType type) => Lookup(type).TypeSize;

    /// <summary>Bytes of a row of <paramref name="elements"/> values; the count must be a whole number of blocks.</summary>
    public static long RowBytes(GgmlType type, long elements)
    {
        var (blockSize, typeSize) = Lookup(type);
        if (elements < 0 || elements % blockSize != 0)
            throw LoomException.Shape($"{type} row", $"the element count must be a non-negative multiple of the block size {blockSize}, found {elements}");
        return elements / blockSize * typeSize;
    }

    private static (int BlockSize, int TypeSize) Lookup(GgmlType type) =>
        IsKnown((uint)type)
            ? Table[(int)type]
            : throw new LoomException(LoomErrorCode.NotSupported, $"ggml type id {(uint)type} is unknown to Loom");
}
