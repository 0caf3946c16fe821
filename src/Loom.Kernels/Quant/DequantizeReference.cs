using System.Runtime.InteropServices;
using Loom.Core;

namespace Loom.Kernels.Quant;

/// <summary>
/// Plain, one-element-at-a-time dequantization of a row of ggml blocks to float32: the readable twin that
/// <see cref="Dequantize"/> is tested against (bit for bit). Each formula and its float operation order follow
/// ggml's dequantize_row_* so the values are those llama.cpp computes.
/// </summary>
public static unsafe class DequantizeReference
{
    public static void Row(GgmlType type, ReadOnlySpan<byte> source, Span<float> destination)
    {
        QuantRowChecks.Check("dequantize", type, source.Length, destination.Length);
        switch (type)
        {
            case GgmlType.F32: MemoryMarshal.Cast<byte, float>(source).CopyTo(destination); break;
            case GgmlType.F16:
                var halves = MemoryMarshal.Cast<byte, Half>(source);
                for (int i = 0; i < halves.Length; i++) destination[i] = (float)halves[i];
                break;
            case GgmlType.BF16:
                var bf = MemoryMarshal.Cast<byte, ushort>(source);
                for (int i = 0; i < bf.Length; i++) destination[i] = BitConverter.Int32BitsToSingle(bf[i] << 16);
                break;
            case GgmlType.Q4_0: Q4_0(MemoryMarshal.Cast<byte, BlockQ4_0>(source), destination); break;
            case GgmlType.Q4_1: Q4_1(MemoryMarshal.Cast<byte, BlockQ4_1>(source), destination); break;
            case GgmlType.Q5_0: Q5_0(MemoryMarshal.Cast<byte, BlockQ5_0>(source), destination); break;
            case GgmlType.Q5_1: Q5_1(MemoryMarshal.Cast<byte, BlockQ5_1>(source), destination); break;
            case GgmlType.Q8_0: Q8_0(MemoryMarshal.Cast<byte, BlockQ8_0>(source), destination); break;
            case GgmlType.Q8_1: Q8_1(MemoryMarshal.Cast<byte, BlockQ8_1>(source), destination); break;
            case GgmlType.Q4_K: Q4_K(MemoryMarshal.Cast<byte, BlockQ4_K>(source), destination); break;
            case GgmlType.Q5_K: Q5_K(MemoryMarshal.Cast<byte, BlockQ5_K>(source), destination); break;
            case GgmlType.Q6_K: Q6_K(MemoryMarshal.Cast<byte, BlockQ6_K>(source), destination); break;
            case GgmlType.Q8_K: Q8_K(MemoryMarshal.Cast<byte, BlockQ8_K>(source), destination); break;
            default: throw Unsupported(type);
        }
    }

    internal static LoomException Unsupported(GgmlType type) =>
        new(LoomErrorCode.NotSupported,
            $"dequantize: tensor type {type} is not supported; supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q4_K, Q5_K, Q6_K, Q8_K");

    private static void Q4_0(ReadOnlySpan<BlockQ4_0> blocks, Span<float> y)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            BlockQ4_0 b = blocks[i];
            float d = (float)b.D;
            for (int j = 0; j < 16; j++)
            {
                y[i * 32 + j] = ((b.Qs[j] & 0xF) - 8) * d;
                y[i * 32 + j + 16] = ((b.Qs[j] >> 4) - 8) * d;
            }
        }
    }

    private static void Q4_1(ReadOnlySpan<BlockQ4_1> blocks, Span<float> y)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            BlockQ4_1 b = blocks[i];
            float d = (float)b.D, m = (float)b.M;
            for (int j = 0; j < 16; j++)
            {
                y[i * 32 + j] = (b.Qs[j] & 0xF) * d + m;
                y[i * 32 + j + 16] = (b.Qs[j] >> 4) * d + m;
            }
        }
    }

    private static void Q5_0(ReadOnlySpan<BlockQ5_0> blocks, Span<float> y)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            BlockQ5_0 b = blocks[i];
            float d = (float)b.D;
            uint qh = (uint)(b.Qh[0] | b.Qh[1] << 8 | b.Qh[2] << 16 | b.Qh[3] << 24);
            for (int j = 0; j < 16; j++)
            {
                int high0 = (int)((qh >> j) & 1) << 4, high1 = (int)((qh >> (j + 16)) & 1) << 4;
                y[i * 32 + j] = (((b.Qs[j] & 0xF) | high0) - 16) * d;
                y[i * 32 + j + 16] = (((b.Qs[j] >> 4) | high1) - 16) * d;
            }
        }
    }

    private static void Q5_1(ReadOnlySpan<BlockQ5_1> blocks, Span<float> y)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            BlockQ5_1 b = blocks[i];
            float d = (float)b.D, m = (float)b.M;
            uint qh = (uint)(b.Qh[0] | b.Qh[1] << 8 | b.Qh[2] << 16 | b.Qh[3] << 24);
            for (int j = 0; j < 16; j++)
            {
                int high0 = (int)((qh >> j) & 1) << 4, high1 = (int)((qh >> (j + 16)) & 1) << 4;
                y[i * 32 + j] = ((b.Qs[j] & 0xF) | high0) * d + m;
                y[i * 32 + j + 16] = ((b.Qs[j] >> 4) | high1) * d + m;
            }
        }
    }

    private static void Q8_0(ReadOnlySpan<BlockQ8_0> blocks, Span<float> y)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            BlockQ8_0 b = blocks[i];
            float d = (float)b.D;
            for (int j = 0; j < 32; j++) y[i * 32 + j] = b.Qs[j] * d;
        }
    }

    /// <summary>q·d; the block's s (= d·Σq) only serves the dot products.</summary>
    private static void Q8_1(ReadOnlySpan<BlockQ8_1> blocks, Span<float> y)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            BlockQ8_1 b = blocks[i];
            float d = (float)b.D;
            for (int j = 0; j < 32; j++) y[i * 32 + j] = b.Qs[j] * d;
        }
    }

    private static void Q4_K(ReadOnlySpan<BlockQ4_K> blocks, Span<float> y)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            BlockQ4_K b = blocks[i];
            float d = (float)b.D, dmin = (float)b.DMin;
            var scales = new ReadOnlySpan<byte>(b.Scales, 12);
            for (int group = 0; group < 4; group++) // 64 elements: low nibbles of 32 bytes, then their high nibbles
            {
                KScales.ScaleMin(2 * group, scales, out int sc0, out int m0);
                KScales.ScaleMin(2 * group + 1, scales, out int sc1, out int m1);
                float d0 = d * sc0, min0 = dmin * m0, d1 = d * sc1, min1 = dmin * m1;
                int o = i * 256 + group * 64;
                for (int l = 0; l < 32; l++)
                {
                    y[o + l] = d0 * (b.Qs[group * 32 + l] & 0xF) - min0;
                    y[o + 32 + l] = d1 * (b.Qs[group * 32 + l] >> 4) - min1;
                }
            }
        }
    }

    private static void Q5_K(ReadOnlySpan<BlockQ5_K> blocks, Span<float> y)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            BlockQ5_K b = blocks[i];
            float d = (float)b.D, dmin = (float)b.DMin;
            var scales = new ReadOnlySpan<byte>(b.Scales, 12);
            for (int group = 0; group < 4; group++) // sub-block 2g takes bit 2g of qh[l], sub-block 2g+1 bit 2g+1
            {
                KScales.ScaleMin(2 * group, scales, out int sc0, out int m0);
                KScales.ScaleMin(2 * group + 1, scales, out int sc1, out int m1);
                float d0 = d * sc0, min0 = dmin * m0, d1 = d * sc1, min1 = dmin * m1;
                int o = i * 256 + group * 64;
                for (int l = 0; l < 32; l++)
                {
                    int q = b.Qs[group * 32 + l], h = b.Qh[l];
                    y[o + l] = d0 * ((q & 0xF) + (((h >> (2 * group)) & 1) << 4)) - min0;
                    y[o + 32 + l] = d1 * ((q >> 4) + (((h >> (2 * group + 1)) & 1) << 4)) - min1;
                }
            }
        }
    }

    private static void Q6_K(ReadOnlySpan<BlockQ6_K> blocks, Span<float> y)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            BlockQ6_K b = blocks[i];
            float d = (float)b.D;
            for (int half = 0; half < 2; half++) // 128 elements from 64 ql bytes, 32 qh bytes and 8 scales
            {
                int o = i * 256 + half * 128;
                for (int l = 0; l < 32; l++)
                {
                    int ql0 = b.Ql[half * 64 + l], ql1 = b.Ql[half * 64 + l + 32], qh = b.Qh[half * 32 + l];
                    int q1 = ((ql0 & 0xF) | ((qh & 3) << 4)) - 32;
                    int q2 = ((ql1 & 0xF) | (((qh >> 2) & 3) << 4)) - 32;
                    int q3 = ((ql0 >> 4) | (((qh >> 4) & 3) << 4)) - 32;
                    int q4 = ((ql1 >> 4) | (((qh >> 6) & 3) << 4)) - 32;
                    int s = half * 8 + l / 16;
                    y[o + l] = d * b.Scales[s] * q1;
                    y[o + l + 32] = d * b.Scales[s + 2] * q2;
                    y[o + l + 64] = d * b.Scales[s + 4] * q3;
                    y[o + l + 96] = d * b.Scales[s + 6] * q4;
                }
            }
        }
    }

    private static void Q8_K(ReadOnlySpan<BlockQ8_K> blocks, Span<float> y)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            BlockQ8_K b = blocks[i];
            for (int j = 0; j < 256; j++) y[i * 256 + j] = b.D * b.Qs[j];
        }
    }
}
