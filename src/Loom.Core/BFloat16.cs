namespace Loom.Core;

/// <summary>
/// Scalar bfloat16 (the top 16 bits of an IEEE float32). Conversion from float rounds to nearest-even and keeps NaN
/// a NaN; bulk conversions live in Loom.Kernels.
/// </summary>
public static class BFloat16
{
    public static ushort FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) return (ushort)((bits >> 16) | 0x0040); // quiet NaN, sign kept
        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }

    public static float ToSingle(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);
}
