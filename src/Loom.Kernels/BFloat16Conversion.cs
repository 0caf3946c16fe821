using System.Numerics;
using System.Runtime.InteropServices;
using Loom.Core;

namespace Loom.Kernels;

/// <summary>
/// Bulk float32 ↔ bfloat16 (stored as ushort: the top 16 bits of a float32). To bfloat16 rounds to nearest even and
/// keeps NaN a (quiet) NaN, exactly as the scalar <see cref="BFloat16"/>; widening back is exact. SIMD with a scalar
/// tail. The destination must hold at least the source's length; only that many are written.
/// </summary>
public static class BFloat16Conversion
{
    public static void ToBFloat16(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        HalfConversion.ValidateLengths("bfloat16 conversion", source.Length, destination.Length);
        ReadOnlySpan<uint> bits = MemoryMarshal.Cast<float, uint>(source);
        int width = Vector<uint>.Count, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= bits.Length - 2 * width; i += 2 * width)
            {
                var low = RoundToUpperHalf(new Vector<uint>(bits[i..]));
                var high = RoundToUpperHalf(new Vector<uint>(bits[(i + width)..]));
                Vector.Narrow(low, high).CopyTo(destination[i..]); // keeps the low 16 bits of each lane
            }
        }
        for (; i < bits.Length; i++) destination[i] = BFloat16.FromSingle(source[i]);
    }

    public static void ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        HalfConversion.ValidateLengths("bfloat16 conversion", source.Length, destination.Length);
        Span<uint> bits = MemoryMarshal.Cast<float, uint>(destination);
        int width = Vector<ushort>.Count, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= source.Length - width; i += width)
            {
                Vector.Widen(new Vector<ushort>(source[i..]), out Vector<uint> low, out Vector<uint> high);
                (low << 16).CopyTo(bits[i..]);
                (high << 16).CopyTo(bits[(i + width / 2)..]);
            }
        }
        for (; i < source.Length; i++) destination[i] = BFloat16.ToSingle(source[i]);
    }

    // Per lane: NaN → its top half with the quiet bit set; otherwise (bits + 0x7FFF + lsb) >> 16, which rounds to
    // nearest and breaks ties toward the even result (and carries into the exponent, overflowing to ±Inf, as it should).
    private static Vector<uint> RoundToUpperHalf(Vector<uint> bits)
    {
        var isNaN = Vector.GreaterThan(bits & new Vector<uint>(0x7FFFFFFF), new Vector<uint>(0x7F800000));
        var keptLsb = (bits >> 16) & Vector<uint>.One;
        var rounded = (bits + new Vector<uint>(0x7FFF) + keptLsb) >> 16;
        var quietNaN = (bits >> 16) | new Vector<uint>(0x0040);
        return Vector.ConditionalSelect(isNaN, quietNaN, rounded);
    }
}
