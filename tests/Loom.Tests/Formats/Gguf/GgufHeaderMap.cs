using System.Buffers.Binary;

namespace Loom.Tests.Formats.Gguf;

/// <summary>What a structural header field of a GGUF file is: the fuzz tests mutate fields by kind.</summary>
public enum GgufFieldKind
{
    TensorCount,
    MetadataCount,
    StringLength,
    ValueType,
    ArrayElementType,
    ArrayLength,
    DimensionCount,
    Dimension,
    TensorType,
    TensorOffset,
}

/// <summary>One header field: where it lies, its width in bytes, and (for tensor fields) which tensor it belongs to.</summary>
public readonly record struct GgufField(GgufFieldKind Kind, int Offset, int Size, int Tensor = -1);

/// <summary>
/// A walk over a valid GGUF header that records where every count, length, type id, dimension and offset lies, written
/// independently of the reader so the fuzz tests can aim mutations at the fields a parser trusts.
/// </summary>
public sealed class GgufHeaderMap
{
    public List<GgufField> Fields { get; } = [];
    /// <summary>End of the tensor infos (the data section starts at the next alignment boundary).</summary>
    public int HeaderEnd { get; }
    public int TensorCount { get; }

    public GgufHeaderMap(ReadOnlySpan<byte> file)
    {
        int p = 8;
        ulong tensors = U64(file, ref p, GgufFieldKind.TensorCount);
        ulong kvs = U64(file, ref p, GgufFieldKind.MetadataCount);
        TensorCount = (int)tensors;
        for (ulong i = 0; i < kvs; i++)
        {
            SkipString(file, ref p);
            uint type = U32(file, ref p, GgufFieldKind.ValueType);
            SkipValue(file, ref p, type);
        }
        for (int t = 0; t < (int)tensors; t++)
        {
            SkipString(file, ref p);
            uint dims = U32(file, ref p, GgufFieldKind.DimensionCount, t);
            for (int d = 0; d < dims; d++) U64(file, ref p, GgufFieldKind.Dimension, t);
            U32(file, ref p, GgufFieldKind.TensorType, t);
            U64(file, ref p, GgufFieldKind.TensorOffset, t);
        }
        HeaderEnd = p;
    }

    public IEnumerable<GgufField> OfKind(GgufFieldKind kind) => Fields.Where(f => f.Kind == kind);

    private ulong U64(ReadOnlySpan<byte> file, ref int p, GgufFieldKind kind, int tensor = -1)
    {
        Fields.Add(new GgufField(kind, p, 8, tensor));
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(file[p..]);
        p += 8;
        return v;
    }

    private uint U32(ReadOnlySpan<byte> file, ref int p, GgufFieldKind kind, int tensor = -1)
    {
        Fields.Add(new GgufField(kind, p, 4, tensor));
        uint v = BinaryPrimitives.ReadUInt32LittleEndian(file[p..]);
        p += 4;
        return v;
    }

    private void SkipString(ReadOnlySpan<byte> file, ref int p)
    {
        int length = (int)U64(file, ref p, GgufFieldKind.StringLength); // read first: p moves past the length field
        p += length;
    }

    private void SkipValue(ReadOnlySpan<byte> file, ref int p, uint type)
    {
        switch (type)
        {
            case 0 or 1 or 7: p += 1; break;
            case 2 or 3: p += 2; break;
            case 4 or 5 or 6: p += 4; break;
            case 10 or 11 or 12: p += 8; break;
            case 8: SkipString(file, ref p); break;
            case 9:
                uint element = U32(file, ref p, GgufFieldKind.ArrayElementType);
                ulong n = U64(file, ref p, GgufFieldKind.ArrayLength);
                // Long arrays of fixed-size items are skipped in one step; strings and nested arrays item by item.
                int fixedSize = element switch { 0 or 1 or 7 => 1, 2 or 3 => 2, 4 or 5 or 6 => 4, 10 or 11 or 12 => 8, _ => 0 };
                if (fixedSize > 0) p += (int)n * fixedSize;
                else
                    for (ulong i = 0; i < n; i++) SkipValue(file, ref p, element);
                break;
            default: throw new InvalidDataException($"value type {type} in a reference file");
        }
    }
}
