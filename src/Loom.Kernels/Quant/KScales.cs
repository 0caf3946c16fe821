namespace Loom.Kernels.Quant;

/// <summary>Unpacks the 6-bit scale and minimum of sub-block j from Q4_K/Q5_K's 12 packed bytes: sub-blocks 0–3 sit
/// in the low 6 bits of bytes j and j+4; sub-blocks 4–7 take 4 bits from byte j+4 and their top 2 bits from the
/// spare high bits of bytes j−4 (scale) and j (minimum).</summary>
internal static class KScales
{
    public static void ScaleMin(int j, ReadOnlySpan<byte> scales, out int scale, out int min)
    {
        if (j < 4)
        {
            scale = scales[j] & 63;
            min = scales[j + 4] & 63;
        }
        else
        {
            scale = (scales[j + 4] & 0xF) | ((scales[j - 4] >> 6) << 4);
            min = (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4);
        }
    }
}
