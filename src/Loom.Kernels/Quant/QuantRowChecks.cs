using Loom.Core;

namespace Loom.Kernels.Quant;

/// <summary>Length checks shared by the quantize and dequantize entry points: bytes must match the element count.</summary>
internal static class QuantRowChecks
{
    public static void Check(string op, GgmlType type, int byteCount, int elementCount)
    {
        long expected = GgmlTypeTraits.RowBytes(type, elementCount);
        if (byteCount != expected)
            throw LoomException.Shape(op, $"{elementCount} {type} values take {expected} bytes, found {byteCount}");
    }
}
