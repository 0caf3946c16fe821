using System.Runtime.InteropServices;

namespace Loom.Kernels.Quant;

/// <summary>
/// Float32 → Q4_1, Q5_0 and Q5_1 with the semantics of ggml's quantize_row_q4_1_ref / q5_0_ref / q5_1_ref (what
/// llama-quantize uses without an importance matrix): float32 arithmetic in ggml's order, truncating conversions of
/// x + 0.5 (or + 16.5), float → half rounding to nearest even. Q4_1/Q5_1 span [min, max] with 15 / 31 steps;
/// Q5_0 is Q4_0's scheme with 32 levels (the value of largest magnitude maps exactly to quant 0).
/// </summary>
public static class QuantizeLegacy
{
    public static unsafe void Q4_1(ReadOnlySpan<float> x, Span<BlockQ4_1> y)
    {
        for (int i = 0; i < y.Length; i++)
        {
            var block = x.Slice(i * 32, 32);
            var (min, d, id) = MinAndStep(block, 15);
            ref BlockQ4_1 b = ref y[i];
            b.D = (Half)d;
            b.M = (Half)min;
            for (int j = 0; j < 16; j++)
            {
                int q0 = Math.Min(15, (int)(sbyte)((block[j] - min) * id + 0.5f));
                int q1 = Math.Min(15, (int)(sbyte)((block[16 + j] - min) * id + 0.5f));
                b.Qs[j] = (byte)(q0 | (q1 << 4));
            }
        }
    }

    public static unsafe void Q5_0(ReadOnlySpan<float> x, Span<BlockQ5_0> y)
    {
        for (int i = 0; i < y.Length; i++)
        {
            var block = x.Slice(i * 32, 32);
            float d = SignedExtreme(block) / -16;
            float id = d != 0 ? 1.0f / d : 0.0f;
            ref BlockQ5_0 b = ref y[i];
            b.D = (Half)d;
            uint qh = 0;
            for (int j = 0; j < 16; j++)
            {
                int q0 = Math.Min(31, (int)(sbyte)(block[j] * id + 16.5f));
                int q1 = Math.Min(31, (int)(sbyte)(block[16 + j] * id + 16.5f));
                b.Qs[j] = (byte)((q0 & 0xF) | ((q1 & 0xF) << 4));
                qh |= (uint)(q0 >> 4) << j | (uint)(q1 >> 4) << (j + 16);
            }
            MemoryMarshal.Write(MemoryMarshal.CreateSpan(ref b.Qh[0], 4), qh);
        }
    }

    public static unsafe void Q5_1(ReadOnlySpan<float> x, Span<BlockQ5_1> y)
    {
        for (int i = 0; i < y.Length; i++)
        {
            var block = x.Slice(i * 32, 32);
            var (min, d, id) = MinAndStep(block, 31);
            ref BlockQ5_1 b = ref y[i];
            b.D = (Half)d;
            b.M = (Half)min;
            uint qh = 0;
            for (int j = 0; j < 16; j++)
            {
                int q0 = (byte)((block[j] - min) * id + 0.5f);
                int q1 = (byte)((block[16 + j] - min) * id + 0.5f);
                b.Qs[j] = (byte)((q0 & 0xF) | ((q1 & 0xF) << 4));
                qh |= (uint)((q0 & 0x10) >> 4) << j | (uint)((q1 & 0x10) >> 4) << (j + 16);
            }
            MemoryMarshal.Write(MemoryMarshal.CreateSpan(ref b.Qh[0], 4), qh);
        }
    }

    /// <summary>The value of largest magnitude, with its sign (the first one on ties), as Q4_0/Q5_0 scale by.</summary>
    internal static float SignedExtreme(ReadOnlySpan<float> block)
    {
        float amax = 0, max = 0;
        foreach (float v in block)
        {
            if (amax < MathF.Abs(v))
            {
                amax = MathF.Abs(v);
                max = v;
            }
        }
        return max;
    }

    /// <summary>The block's minimum, the step (max − min) / levels and its inverse (0 for a constant block).</summary>
    private static (float Min, float D, float Id) MinAndStep(ReadOnlySpan<float> block, int levels)
    {
        float min = float.MaxValue, max = -float.MaxValue;
        foreach (float v in block)
        {
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float d = (max - min) / levels;
        return (min, d, d != 0 ? 1.0f / d : 0.0f);
    }
}
