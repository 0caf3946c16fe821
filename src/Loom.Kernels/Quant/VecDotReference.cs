using System.Runtime.InteropServices;

namespace Loom.Kernels.Quant;

/// <summary>
/// Plain integer dot products of a quantized weight row with a quantized activation row — the twin of
/// <see cref="VecDot"/>. Within a block the quants multiply and add exactly in int32; each block's integer sum is
/// then scaled by the product of the two block scales, as ggml's vec_dot_*.
/// </summary>
public static unsafe class VecDotReference
{
    public static float Q8_0Q8_0(ReadOnlySpan<BlockQ8_0> x, ReadOnlySpan<BlockQ8_0> y)
    {
        VecDot.CheckBlocks(x.Length, y.Length);
        float sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            BlockQ8_0 a = x[i], b = y[i];
            int isum = 0;
            for (int j = 0; j < 32; j++) isum += a.Qs[j] * b.Qs[j];
            sum += isum * ((float)a.D * (float)b.D);
        }
        return sum;
    }

    public static float Q4_0Q8_0(ReadOnlySpan<BlockQ4_0> x, ReadOnlySpan<BlockQ8_0> y)
    {
        VecDot.CheckBlocks(x.Length, y.Length);
        float sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            BlockQ4_0 a = x[i];
            BlockQ8_0 b = y[i];
            int isum = 0;
            for (int j = 0; j < 16; j++)
                isum += ((a.Qs[j] & 0xF) - 8) * b.Qs[j] + ((a.Qs[j] >> 4) - 8) * b.Qs[j + 16];
            sum += isum * ((float)a.D * (float)b.D);
        }
        return sum;
    }

    /// <summary>Σ d_x·d_y·Σ q·y + m_x·s_y (s_y = d_y·Σ y from the activation block).</summary>
    public static float Q4_1Q8_1(ReadOnlySpan<BlockQ4_1> x, ReadOnlySpan<BlockQ8_1> y)
    {
        VecDot.CheckBlocks(x.Length, y.Length);
        float sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            BlockQ4_1 a = x[i];
            BlockQ8_1 b = y[i];
            int isum = 0;
            for (int j = 0; j < 16; j++) isum += (a.Qs[j] & 0xF) * b.Qs[j] + (a.Qs[j] >> 4) * b.Qs[j + 16];
            sum += isum * ((float)a.D * (float)b.D) + (float)a.M * (float)b.S;
        }
        return sum;
    }

    public static float Q5_0Q8_0(ReadOnlySpan<BlockQ5_0> x, ReadOnlySpan<BlockQ8_0> y)
    {
        VecDot.CheckBlocks(x.Length, y.Length);
        float sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            BlockQ5_0 a = x[i];
            BlockQ8_0 b = y[i];
            uint qh = (uint)(a.Qh[0] | a.Qh[1] << 8 | a.Qh[2] << 16 | a.Qh[3] << 24);
            int isum = 0;
            for (int j = 0; j < 16; j++)
            {
                int q0 = ((a.Qs[j] & 0xF) | (int)((qh >> j) & 1) << 4) - 16;
                int q1 = ((a.Qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4) - 16;
                isum += q0 * b.Qs[j] + q1 * b.Qs[j + 16];
            }
            sum += isum * ((float)a.D * (float)b.D);
        }
        return sum;
    }

    public static float Q5_1Q8_1(ReadOnlySpan<BlockQ5_1> x, ReadOnlySpan<BlockQ8_1> y)
    {
        VecDot.CheckBlocks(x.Length, y.Length);
        float sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            BlockQ5_1 a = x[i];
            BlockQ8_1 b = y[i];
            uint qh = (uint)(a.Qh[0] | a.Qh[1] << 8 | a.Qh[2] << 16 | a.Qh[3] << 24);
            int isum = 0;
            for (int j = 0; j < 16; j++)
            {
                int q0 = (a.Qs[j] & 0xF) | (int)((qh >> j) & 1) << 4;
                int q1 = (a.Qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4;
                isum += q0 * b.Qs[j] + q1 * b.Qs[j + 16];
            }
            sum += isum * ((float)a.D * (float)b.D) + (float)a.M * (float)b.S;
        }
        return sum;
    }

    /// <summary>Σ d·sc_j·Σ q·y − dmin·m_j·Σ y over the 8 sub-blocks; Σ y comes from the activation's bsums.</summary>
    public static float Q4_KQ8_K(ReadOnlySpan<BlockQ4_K> x, ReadOnlySpan<BlockQ8_K> y)
    {
        VecDot.CheckBlocks(x.Length, y.Length);
        float sum = 0;
        Span<int> q = stackalloc int[256];
        for (int i = 0; i < x.Length; i++)
        {
            BlockQ4_K a = x[i];
            for (int j = 0; j < 8; j++)
                for (int l = 0; l < 32; l++)
                {
                    int packed = a.Qs[(j / 2) * 32 + l];
                    q[j * 32 + l] = (j & 1) == 0 ? packed & 0xF : packed >> 4;
                }
            sum += ScaleMinBlock(q, new ReadOnlySpan<byte>(a.Scales, 12), (float)a.D, (float)a.DMin, y[i]);
        }
        return sum;
    }

    /// <summary>As <see cref="Q4_KQ8_K"/> with q = nibble + 16·(bit j of qh[l]) in 0..31.</summary>
    public static float Q5_KQ8_K(ReadOnlySpan<BlockQ5_K> x, ReadOnlySpan<BlockQ8_K> y)
    {
        VecDot.CheckBlocks(x.Length, y.Length);
        float sum = 0;
        Span<int> q = stackalloc int[256];
        for (int i = 0; i < x.Length; i++)
        {
            BlockQ5_K a = x[i];
            for (int j = 0; j < 8; j++)
                for (int l = 0; l < 32; l++)
                {
                    int packed = a.Qs[(j / 2) * 32 + l];
                    q[j * 32 + l] = ((j & 1) == 0 ? packed & 0xF : packed >> 4) | ((a.Qh[l] >> j) & 1) << 4;
                }
            sum += ScaleMinBlock(q, new ReadOnlySpan<byte>(a.Scales, 12), (float)a.D, (float)a.DMin, y[i]);
        }
        return sum;
    }

    /// <summary>One Q4_K/Q5_K block (unpacked quants q) against one Q8_K block.</summary>
    private static float ScaleMinBlock(ReadOnlySpan<int> q, ReadOnlySpan<byte> scales, float d, float dmin, BlockQ8_K b)
    {
        int sumi = 0, summ = 0;
        for (int j = 0; j < 8; j++)
        {
            KScales.ScaleMin(j, scales, out int sc, out int m);
            int isum = 0;
            for (int l = 0; l < 32; l++) isum += q[j * 32 + l] * b.Qs[j * 32 + l];
            sumi += sc * isum;
            summ += m * (b.BSums[2 * j] + b.BSums[2 * j + 1]);
        }
        return b.D * d * sumi - b.D * dmin * summ;
    }

    /// <summary>Σ d·sc_j·Σ (q − 32)·y over the 16 sub-blocks of 16.</summary>
    public static float Q6_KQ8_K(ReadOnlySpan<BlockQ6_K> x, ReadOnlySpan<BlockQ8_K> y)
    {
        VecDot.CheckBlocks(x.Length, y.Length);
        float sum = 0;
        Span<int> q = stackalloc int[256];
        for (int i = 0; i < x.Length; i++)
        {
            BlockQ6_K a = x[i];
            BlockQ8_K b = y[i];
            for (int half = 0; half < 2; half++)
                for (int l = 0; l < 32; l++)
                {
                    int ql0 = a.Ql[half * 64 + l], ql1 = a.Ql[half * 64 + l + 32], qh = a.Qh[half * 32 + l];
                    q[half * 128 + l] = ((ql0 & 0xF) | ((qh & 3) << 4)) - 32;
                    q[half * 128 + l + 32] = ((ql1 & 0xF) | (((qh >> 2) & 3) << 4)) - 32;
                    q[half * 128 + l + 64] = ((ql0 >> 4) | (((qh >> 4) & 3) << 4)) - 32;
                    q[half * 128 + l + 96] = ((ql1 >> 4) | (((qh >> 6) & 3) << 4)) - 32;
                }
            int sumi = 0;
            for (int j = 0; j < 16; j++)
            {
                int isum = 0;
                for (int l = 0; l < 16; l++) isum += q[16 * j + l] * b.Qs[16 * j + l];
                sumi += a.Scales[j] * isum;
            }
            sum += (float)a.D * b.D * sumi;
        }
        return sum;
    }
}
