namespace Loom.Kernels;

/// <summary>
/// Rounding by definition, for testing <see cref="BFloat16Conversion"/>: take the two bfloat16 values around x
/// (truncated, and one step away from zero), keep the nearer, and on a tie the one with an even last bit.
/// </summary>
public static class BFloat16ConversionReference
{
    public static void ToBFloat16(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        HalfConversion.ValidateLengths("bfloat16 conversion", source.Length, destination.Length);
        for (int i = 0; i < source.Length; i++) destination[i] = Round(source[i]);
    }

    public static void ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        HalfConversion.ValidateLengths("bfloat16 conversion", source.Length, destination.Length);
        for (int i = 0; i < source.Length; i++) destination[i] = BitConverter.UInt32BitsToSingle((uint)source[i] << 16);
    }

    private static ushort Round(float x)
    {
        uint bits = BitConverter.SingleToUInt32Bits(x);
        if (float.IsNaN(x)) return (ushort)((bits >> 16) | 0x0040); // quiet NaN, sign and top payload kept
        ushort truncated = (ushort)(bits >> 16);
        if (float.IsInfinity(x)) return truncated;
        ushort away = (ushort)(truncated + 1); // next magnitude up (the bit patterns of one sign are ordered)
        double below = Math.Abs((double)x - Widen(truncated));
        double above = Math.Abs(Widen(away) - (double)x);
        if (below < above) return truncated;
        if (above < below) return away;
        return (truncated & 1) == 0 ? truncated : away;
    }

    // The value of a bfloat16, in double; the step past the largest finite one (an infinity) counts as the next
    // power of two so that rounding to overflow is decided by distance, as IEEE does.
    private static double Widen(ushort b)
    {
        float f = BitConverter.UInt32BitsToSingle((uint)b << 16);
        return float.IsInfinity(f) ? Math.CopySign(Math.Pow(2, 128), f) : f;
    }
}
