using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Loom.Kernels.Quant;

/// <summary>
/// One weight row against four activation rows (batched prompt processing): each weight block is loaded and
/// unpacked once and used four times, so a matmul reads and decodes its weights once per four activation rows.
/// Every output takes exactly the operations of the single-row kernel in <see cref="VecDot"/> (same accumulators,
/// same order), so batched and single results are bit-identical. Types without a four-row kernel run four single dots.
/// </summary>
public static unsafe partial class VecDot
{
    /// <summary>result[k] = Dot(weights, activations k) for k &lt; 4; rows of <paramref name="blocks"/> blocks.</summary>
    internal static void Dot4(GgmlType type, byte* w, int blocks, byte* a0, byte* a1, byte* a2, byte* a3, float* result)
    {
        if (Avx2.IsSupported)
        {
            switch (type)
            {
                case GgmlType.Q8_0: Legacy4(type, w, blocks, a0, a1, a2, a3, result); return;
                case GgmlType.Q4_0: Legacy4(type, w, blocks, a0, a1, a2, a3, result); return;
                case GgmlType.Q5_0: Legacy4(type, w, blocks, a0, a1, a2, a3, result); return;
                case GgmlType.Q4_K: ScaleMin4(w, blocks, fifthBit: false, a0, a1, a2, a3, result); return;
                case GgmlType.Q5_K: ScaleMin4(w, blocks, fifthBit: true, a0, a1, a2, a3, result); return;
                case GgmlType.Q6_K: Q6_K4(w, blocks, a0, a1, a2, a3, result); return;
            }
        }
        result[0] = Dot(type, w, a0, blocks);
        result[1] = Dot(type, w, a1, blocks);
        result[2] = Dot(type, w, a2, blocks);
        result[3] = Dot(type, w, a3, blocks);
    }

    /// <summary>Q8_0, Q4_0 and Q5_0 weights with Q8_0 activations, as <see cref="Q8_0Q8_0"/>, <see cref="Q4_0Q8_0"/> and
    /// <see cref="Q5_0Q8_0"/>.</summary>
    private static void Legacy4(GgmlType type, byte* w, int blocks, byte* a0, byte* a1, byte* a2, byte* a3, float* result)
    {
        int typeSize = GgmlTypeTraits.TypeSize(type);
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        var eight = Vector256.Create((sbyte)8);
        var sixteen = Vector256.Create((sbyte)16);
        for (int i = 0; i < blocks; i++, w += typeSize, a0 += 34, a1 += 34, a2 += 34, a3 += 34)
        {
            var q = type switch
            {
                GgmlType.Q4_0 => QuantBits.Nibbles(Vector128.Load(w + 2)).AsSByte() - eight,
                GgmlType.Q5_0 => (QuantBits.Nibbles(Vector128.Load(w + 6)) | QuantBits.FifthBits(ref w[2])).AsSByte() - sixteen,
                _ => Vector256.Load(w + 2).AsSByte(),
            };
            var abs = Avx2.Abs(q);
            float dx = Half(ref *w, 0);
            s0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(DotU8S8(abs, Avx2.Sign(Vector256.Load((sbyte*)a0 + 2), q))), Vector256.Create(dx * Half(ref *a0, 0)), s0);
            s1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(DotU8S8(abs, Avx2.Sign(Vector256.Load((sbyte*)a1 + 2), q))), Vector256.Create(dx * Half(ref *a1, 0)), s1);
            s2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(DotU8S8(abs, Avx2.Sign(Vector256.Load((sbyte*)a2 + 2), q))), Vector256.Create(dx * Half(ref *a2, 0)), s2);
            s3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(DotU8S8(abs, Avx2.Sign(Vector256.Load((sbyte*)a3 + 2), q))), Vector256.Create(dx * Half(ref *a3, 0)), s3);
        }
        result[0] = GgmlSums.HorizontalSum(s0);
        result[1] = GgmlSums.HorizontalSum(s1);
        result[2] = GgmlSums.HorizontalSum(s2);
        result[3] = GgmlSums.HorizontalSum(s3);
    }

    /// <summary>Q4_K, or Q5_K with <paramref name="fifthBit"/> (quants after a 32-byte qh), as <see cref="Q4_KQ8_K"/> and
    /// <see cref="Q5_KQ8_K"/>.</summary>
    private static void ScaleMin4(byte* w, int blocks, bool fifthBit, byte* a0, byte* a1, byte* a2, byte* a3, float* result)
    {
        int typeSize = fifthBit ? 176 : 144, quants = fifthBit ? 48 : 16;
        Vector256<float> f0 = default, f1 = default, f2 = default, f3 = default;
        Vector128<float> l0 = default, l1 = default, l2 = default, l3 = default;
        float m0 = 0, m1 = 0, m2 = 0, m3 = 0;
        for (int i = 0; i < blocks; i++, w += typeSize, a0 += 292, a1 += 292, a2 += 292, a3 += 292)
        {
            KQuantUnpack.ScalesAndMins(w + 4, out ulong scales, out ulong mins);
            var qh = fifthBit ? Vector256.Load(w + 16) : default;
            Vector256<int> i0 = default, i1 = default, i2 = default, i3 = default;
            ScaleMinGroup4(w + quants, qh, fifthBit, scales, 0, a0, a1, a2, a3, ref i0, ref i1, ref i2, ref i3);
            ScaleMinGroup4(w + quants, qh, fifthBit, scales, 1, a0, a1, a2, a3, ref i0, ref i1, ref i2, ref i3);
            ScaleMinGroup4(w + quants, qh, fifthBit, scales, 2, a0, a1, a2, a3, ref i0, ref i1, ref i2, ref i3);
            ScaleMinGroup4(w + quants, qh, fifthBit, scales, 3, a0, a1, a2, a3, ref i0, ref i1, ref i2, ref i3);
            AccumulateScaleMinBlock(w, a0, fifthBit, i0, mins, ref f0, ref l0, ref m0);
            AccumulateScaleMinBlock(w, a1, fifthBit, i1, mins, ref f1, ref l1, ref m1);
            AccumulateScaleMinBlock(w, a2, fifthBit, i2, mins, ref f2, ref l2, ref m2);
            AccumulateScaleMinBlock(w, a3, fifthBit, i3, mins, ref f3, ref l3, ref m3);
        }
        result[0] = GgmlSums.HorizontalSum(f0) + (fifthBit ? m0 : GgmlSums.HorizontalSum(l0));
        result[1] = GgmlSums.HorizontalSum(f1) + (fifthBit ? m1 : GgmlSums.HorizontalSum(l1));
        result[2] = GgmlSums.HorizontalSum(f2) + (fifthBit ? m2 : GgmlSums.HorizontalSum(l2));
        result[3] = GgmlSums.HorizontalSum(f3) + (fifthBit ? m3 : GgmlSums.HorizontalSum(l3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScaleMinGroup4(byte* quants, Vector256<byte> qh, bool fifthBit, ulong scales, int g, byte* a0, byte* a1, byte* a2, byte* a3,
        ref Vector256<int> i0, ref Vector256<int> i1, ref Vector256<int> i2, ref Vector256<int> i3)
    {
        ScaleMinNibbles(quants, qh, fifthBit, g, out var lo, out var hi);
        var c0 = Vector256.Create((int)((scales >> (16 * g)) & 0xFF));
        var c1 = Vector256.Create((int)((scales >> (16 * g + 8)) & 0xFF));
        int o0 = 4 + 64 * g, o1 = 36 + 64 * g;
        i0 += DotU8S8(lo, Vector256.Load((sbyte*)a0 + o0)) * c0 + DotU8S8(hi, Vector256.Load((sbyte*)a0 + o1)) * c1;
        i1 += DotU8S8(lo, Vector256.Load((sbyte*)a1 + o0)) * c0 + DotU8S8(hi, Vector256.Load((sbyte*)a1 + o1)) * c1;
        i2 += DotU8S8(lo, Vector256.Load((sbyte*)a2 + o0)) * c0 + DotU8S8(hi, Vector256.Load((sbyte*)a2 + o1)) * c1;
        i3 += DotU8S8(lo, Vector256.Load((sbyte*)a3 + o0)) * c0 + DotU8S8(hi, Vector256.Load((sbyte*)a3 + o1)) * c1;
    }

    private static void Q6_K4(byte* w, int blocks, byte* a0, byte* a1, byte* a2, byte* a3, float* result)
    {
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (int i = 0; i < blocks; i++, w += 210, a0 += 292, a1 += 292, a2 += 292, a3 += 292)
        {
            var (scalesLow, scalesHigh) = KQuantUnpack.Q6Scales((sbyte*)(w + 192));
            Vector256<int> i0 = default, i1 = default, i2 = default, i3 = default;
            for (int half = 0; half < 2; half++)
            {
                var ql0 = Vector256.Load(w + half * 64);
                var ql1 = Vector256.Load(w + half * 64 + 32);
                var qh = Vector256.Load(w + 128 + half * 32);
                var eight = half == 0 ? scalesLow : scalesHigh;
                int o = 4 + half * 128;
                Q6Step4(Q6Quant(ql0, ql1, qh, 0), KQuantUnpack.PairOfScales(eight, 0), o, a0, a1, a2, a3, ref i0, ref i1, ref i2, ref i3);
                Q6Step4(Q6Quant(ql0, ql1, qh, 1), KQuantUnpack.PairOfScales(eight, 1), o + 32, a0, a1, a2, a3, ref i0, ref i1, ref i2, ref i3);
                Q6Step4(Q6Quant(ql0, ql1, qh, 2), KQuantUnpack.PairOfScales(eight, 2), o + 64, a0, a1, a2, a3, ref i0, ref i1, ref i2, ref i3);
                Q6Step4(Q6Quant(ql0, ql1, qh, 3), KQuantUnpack.PairOfScales(eight, 3), o + 96, a0, a1, a2, a3, ref i0, ref i1, ref i2, ref i3);
            }
            float d = Half(ref *w, 208);
            s0 = Vector256.FusedMultiplyAdd(Vector256.Create(*(float*)a0 * d), Vector256.ConvertToSingle(i0), s0);
            s1 = Vector256.FusedMultiplyAdd(Vector256.Create(*(float*)a1 * d), Vector256.ConvertToSingle(i1), s1);
            s2 = Vector256.FusedMultiplyAdd(Vector256.Create(*(float*)a2 * d), Vector256.ConvertToSingle(i2), s2);
            s3 = Vector256.FusedMultiplyAdd(Vector256.Create(*(float*)a3 * d), Vector256.ConvertToSingle(i3), s3);
        }
        result[0] = GgmlSums.HorizontalSum(s0);
        result[1] = GgmlSums.HorizontalSum(s1);
        result[2] = GgmlSums.HorizontalSum(s2);
        result[3] = GgmlSums.HorizontalSum(s3);
    }

    /// <summary>One 32-element group of a Q6_K block into the four activation rows' integer lanes, as <see cref="Q6Dot"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Q6Step4(Vector256<byte> q, Vector256<int> scale, int o, byte* a0, byte* a1, byte* a2, byte* a3,
        ref Vector256<int> i0, ref Vector256<int> i1, ref Vector256<int> i2, ref Vector256<int> i3)
    {
        i0 += Q6Dot(q, Vector256.Load((sbyte*)a0 + o)) * scale;
        i1 += Q6Dot(q, Vector256.Load((sbyte*)a1 + o)) * scale;
        i2 += Q6Dot(q, Vector256.Load((sbyte*)a2 + o)) * scale;
        i3 += Q6Dot(q, Vector256.Load((sbyte*)a3 + o)) * scale;
    }
}
