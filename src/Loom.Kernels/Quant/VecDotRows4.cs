using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Loom.Kernels.Quant;

/// <summary>
/// Decode's mat-vec, four weight rows at a time against one activation row: each activation block is loaded once for
/// the four rows, and the four rows' float accumulations are independent chains, so the fused multiply-add's latency
/// (one chain per row in <see cref="VecDot"/>) no longer bounds the loop. Every output takes exactly the operations
/// of the single-row kernel (same accumulator, same order), so the results are the same bits as four
/// <see cref="Dot(GgmlType, byte*, byte*, int)"/> calls. While the four rows are computed, the bytes of the
/// rows after the next four are prefetched: the rows are contiguous, so that is a linear stream, which the hardware's stream
/// prefetcher does not fetch early enough for four short interleaved streams.
/// </summary>
public static unsafe partial class VecDot
{
    /// <summary>How far ahead the four-row kernels prefetch, in rows: the group after the next. Measured (decode of a
    /// 200M Q4_0 model, 1 thread, best of 3 runs on a shared machine, gate+up mat-vecs): prefetching nothing 9.2 ms, 4
    /// rows ahead 1.9–2.5 ms, 8 rows 1.80 ms, 16 rows 1.80 ms; the single-row kernel without prefetch 2.5 ms.</summary>
    private const int PrefetchRows = 8;

    /// <summary>Whether <see cref="Rows4"/> has a four-row kernel for <paramref name="type"/> on this machine (otherwise it
    /// makes four single-row calls). Q8_0 has none: its single-row loop already streams at ~25 GB/s, and four
    /// interleaved rows measured slower there. Q4_K and Q6_K have 512-bit ones (VecDotKQuantRows4.cs); 256-bit four-row
    /// versions of the single-row code measured slower (1.87 → 2.64 ms for Q4_K_M's gate+up, 1.23 → 2.13 ms for its
    /// Q6_K head), the 512-bit ones faster (gate+up 2.1 → 1.2 ms, head 1.12 → 0.60 ms, 1 thread).</summary>
    private static bool HasRows4(GgmlType type) =>
        (Avx2.IsSupported && type is GgmlType.Q4_0) || (HasKQuantRows4 && type is GgmlType.Q4_K or GgmlType.Q6_K);

    /// <summary>result[k] = Dot(row k, activations) for the four rows starting at <paramref name="w"/>,
    /// <paramref name="rowBytes"/> apart, each of <paramref name="blocks"/> blocks.</summary>
    internal static void Rows4(GgmlType type, byte* w, long rowBytes, byte* a, int blocks, float* result)
    {
        if (HasRows4(type))
        {
            switch (type)
            {
                case GgmlType.Q4_0: Q4_0Rows4(w, rowBytes, a, blocks, result); return;
                case GgmlType.Q4_K: Q4_KRows4(w, rowBytes, a, blocks, result); return;
                default: Q6_KRows4(w, rowBytes, a, blocks, result); return;
            }
        }
        for (int k = 0; k < 4; k++) result[k] = Dot(type, w + k * rowBytes, a, blocks);
    }

    /// <summary>As <see cref="Q4_0Q8_0"/> for four rows; Σ 8·y (the VNNI form's second term) is shared by them.</summary>
    private static void Q4_0Rows4(byte* w, long rowBytes, byte* a, int blocks, float* result)
    {
        byte* w0 = w, w1 = w + rowBytes, w2 = w + 2 * rowBytes, w3 = w + 3 * rowBytes;
        byte* next = w + PrefetchRows * rowBytes;
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        var eight = Vector256.Create((sbyte)8);
        bool vnni = AvxVnni.IsSupported;
        for (int i = 0; i < blocks; i++, w0 += 18, w1 += 18, w2 += 18, w3 += 18, a += 34, next += 72)
        {
            if (Sse.IsSupported)
            {
                Sse.Prefetch0(next);
                Sse.Prefetch0(next + 64);
            }
            var y = Vector256.Load((sbyte*)a + 2);
            float dy = Half(ref *a, 0);
            if (vnni)
            {
                // −Σ 8·y as every row's starting int32 lanes: one vpdpbusd per row then gives Σ q·y − Σ 8·y, the very
                // integers of the single-row kernel's two dots and subtraction.
                var minusOffset = Vector256<int>.Zero - DotU8S8(eight.AsByte(), y);
                s0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(AvxVnni.MultiplyWideningAndAdd(minusOffset, QuantBits.NibblesAt(w0 + 2), y)), Vector256.Create(Half(ref *w0, 0) * dy), s0);
                s1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(AvxVnni.MultiplyWideningAndAdd(minusOffset, QuantBits.NibblesAt(w1 + 2), y)), Vector256.Create(Half(ref *w1, 0) * dy), s1);
                s2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(AvxVnni.MultiplyWideningAndAdd(minusOffset, QuantBits.NibblesAt(w2 + 2), y)), Vector256.Create(Half(ref *w2, 0) * dy), s2);
                s3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(AvxVnni.MultiplyWideningAndAdd(minusOffset, QuantBits.NibblesAt(w3 + 2), y)), Vector256.Create(Half(ref *w3, 0) * dy), s3);
            }
            else
            {
                s0 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(DotS8S8(QuantBits.Nibbles(Vector128.Load(w0 + 2)).AsSByte() - eight, y)), Vector256.Create(Half(ref *w0, 0) * dy), s0);
                s1 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(DotS8S8(QuantBits.Nibbles(Vector128.Load(w1 + 2)).AsSByte() - eight, y)), Vector256.Create(Half(ref *w1, 0) * dy), s1);
                s2 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(DotS8S8(QuantBits.Nibbles(Vector128.Load(w2 + 2)).AsSByte() - eight, y)), Vector256.Create(Half(ref *w2, 0) * dy), s2);
                s3 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(DotS8S8(QuantBits.Nibbles(Vector128.Load(w3 + 2)).AsSByte() - eight, y)), Vector256.Create(Half(ref *w3, 0) * dy), s3);
            }
        }
        Store4(result, s0, s1, s2, s3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(float* result, Vector256<float> s0, Vector256<float> s1, Vector256<float> s2, Vector256<float> s3)
    {
        result[0] = GgmlSums.HorizontalSum(s0);
        result[1] = GgmlSums.HorizontalSum(s1);
        result[2] = GgmlSums.HorizontalSum(s2);
        result[3] = GgmlSums.HorizontalSum(s3);
    }
}
