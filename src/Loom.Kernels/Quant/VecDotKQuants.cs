using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Loom.Kernels.Quant;

// The 256-element K-quant dot products with Q8_K activations (see VecDot for the scheme). With AVX-512, Q4_K and Q6_K
// take the block code of the four-row kernels (VecDotKQuantRows4.cs), which gives these 256-bit kernels' exact bits.
public static unsafe partial class VecDot
{
    public static float Q4_KQ8_K(ReadOnlySpan<BlockQ4_K> x, ReadOnlySpan<BlockQ8_K> y)
    {
        if (!Avx2.IsSupported) return VecDotReference.Q4_KQ8_K(x, y);
        CheckBlocks(x.Length, y.Length);
        fixed (BlockQ4_K* xp = x)
        fixed (BlockQ8_K* yp = y)
            return HasKQuantRows4 ? Q4_KRow512((byte*)xp, x.Length, (byte*)yp) : ScaleMinRow((byte*)xp, x.Length, fifthBit: false, (byte*)yp);
    }

    /// <summary>As <see cref="Q4_KQ8_K"/> with a fifth bit per quant: bit 2g of qh[l] for sub-block 2g, bit 2g+1
    /// for sub-block 2g+1.</summary>
    public static float Q5_KQ8_K(ReadOnlySpan<BlockQ5_K> x, ReadOnlySpan<BlockQ8_K> y)
    {
        if (!Avx2.IsSupported) return VecDotReference.Q5_KQ8_K(x, y);
        CheckBlocks(x.Length, y.Length);
        fixed (BlockQ5_K* xp = x)
        fixed (BlockQ8_K* yp = y)
            return ScaleMinRow((byte*)xp, x.Length, fifthBit: true, (byte*)yp);
    }

    /// <summary>
    /// Q4_K (or Q5_K) · Q8_K: Σ d·sc_j·Σ q·y − dmin·m_j·Σ y, the minimum term through the activation's bsums. The float
    /// side is ggml's AVX2 kernels': per block, d·(8 int lanes) fused into 8 float lanes; the minimum terms fused into
    /// 4 lanes for Q4_K, into one float for Q5_K; ggml's horizontal-sum order at the end.
    /// </summary>
    private static float ScaleMinRow(byte* x, int blocks, bool fifthBit, byte* y)
    {
        int typeSize = fifthBit ? 176 : 144;
        var acc = Vector256<float>.Zero;
        var minLanes = Vector128<float>.Zero;
        float minSum = 0;
        for (int i = 0; i < blocks; i++, x += typeSize, y += 292)
        {
            PrefetchAhead(x, typeSize);
            KQuantUnpack.ScalesAndMins(x + 4, out ulong scales, out ulong mins);
            var isum = ScaleMinQuants(x, fifthBit, scales, y);
            AccumulateScaleMinBlock(x, y, fifthBit, isum, mins, ref acc, ref minLanes, ref minSum);
        }
        return GgmlSums.HorizontalSum(acc) + (fifthBit ? minSum : GgmlSums.HorizontalSum(minLanes));
    }

    /// <summary>How far ahead the K-quant dots prefetch their weights: a row is read once per token, and the matrix's
    /// rows are contiguous, so the bytes this far on are the ones needed soon (across row ends too). Measured (decode
    /// of a 200M Q4_K_M model, 1 thread, best of 5 × 128 tokens, 3 interleaved rounds on a shared machine): none 144–156
    /// tok/s, 4 KB 154–166, 8 KB 150–170, 16 KB 150–163.</summary>
    private const int KQuantPrefetchBytes = 8192;

    /// <summary>Prefetches the lines of one block's worth of bytes <see cref="KQuantPrefetchBytes"/> past <paramref name="block"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchAhead(byte* block, int blockBytes)
    {
        if (!Sse.IsSupported) return;
        for (int line = 0; line < blockBytes; line += 64) Sse.Prefetch0(block + KQuantPrefetchBytes + line);
    }

    /// <summary>One Q4_K/Q5_K block's float accumulation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateScaleMinBlock(byte* x, byte* y, bool fifthBit, Vector256<int> isum, ulong mins,
        ref Vector256<float> acc, ref Vector128<float> minLanes, ref float minSum)
    {
        var m = KQuantUnpack.MinLanes(mins, KQuantUnpack.PairSums((short*)(y + 260)));
        float dy = *(float*)y;
        if (!fifthBit)
        {
            AccumulateScaleMinBlock(x, dy, isum, m, ref acc, ref minLanes);
            return;
        }
        float d = dy * Half(ref *x, 0), dmin = -dy * Half(ref *x, 2);
        minSum = MathF.FusedMultiplyAdd(dmin, Vector128.Sum(m), minSum);
        acc = Vector256.FusedMultiplyAdd(Vector256.Create(d), Vector256.ConvertToSingle(isum), acc);
    }

    /// <summary>One Q4_K block's float accumulation from its integer lanes and minimum lanes (shared with the
    /// four-row kernel, so both round alike).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateScaleMinBlock(byte* x, float dy, Vector256<int> isum, Vector128<int> m,
        ref Vector256<float> acc, ref Vector128<float> minLanes)
    {
        float d = dy * Half(ref *x, 0), dmin = -dy * Half(ref *x, 2);
        minLanes = Vector128.FusedMultiplyAdd(Vector128.Create(dmin), Vector128.ConvertToSingle(m), minLanes);
        acc = Vector256.FusedMultiplyAdd(Vector256.Create(d), Vector256.ConvertToSingle(isum), acc);
    }

    /// <summary>Σ_j sc_j·Σ q·y of one Q4_K/Q5_K block against one Q8_K block, in eight int32 lanes.</summary>
    private static Vector256<int> ScaleMinQuants(byte* x, bool fifthBit, ulong scales, byte* y)
    {
        var qh = fifthBit ? Vector256.Load(x + 16) : default;
        byte* quants = x + (fifthBit ? 48 : 16);
        // Unrolled with constant g: variable shift counts in a loop cost more than the dots.
        return ScaleMinGroup(quants, qh, fifthBit, scales, (sbyte*)y, 0) + ScaleMinGroup(quants, qh, fifthBit, scales, (sbyte*)y, 1)
             + ScaleMinGroup(quants, qh, fifthBit, scales, (sbyte*)y, 2) + ScaleMinGroup(quants, qh, fifthBit, scales, (sbyte*)y, 3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> ScaleMinGroup(byte* quants, Vector256<byte> qh, bool fifthBit, ulong scales, sbyte* y, int g)
    {
        ScaleMinNibbles(quants, qh, fifthBit, g, out var lo, out var hi);
        return DotU8S8(lo, Vector256.Load(y + 4 + 64 * g)) * (int)((scales >> (16 * g)) & 0xFF)
             + DotU8S8(hi, Vector256.Load(y + 36 + 64 * g)) * (int)((scales >> (16 * g + 8)) & 0xFF);
    }

    /// <summary>Group g (64 elements) of a Q4_K/Q5_K block: sub-block 2g from the low nibbles, 2g+1 from the high ones,
    /// each with its fifth bit (bits 2g and 2g+1 of qh) when there is one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ScaleMinNibbles(byte* quants, Vector256<byte> qh, bool fifthBit, int g, out Vector256<byte> lo, out Vector256<byte> hi)
    {
        var q = Vector256.Load(quants + 32 * g);
        lo = q & Vector256.Create((byte)0xF);
        hi = Vector256.ShiftRightLogical(q, 4);
        if (fifthBit)
        {
            var one = Vector256.Create((byte)1);
            lo |= Vector256.ShiftLeft(Vector256.ShiftRightLogical(qh, 2 * g) & one, 4);
            hi |= Vector256.ShiftLeft(Vector256.ShiftRightLogical(qh, 2 * g + 1) & one, 4);
        }
    }

    /// <summary>Σ d·sc_j·Σ (q − 32)·y over the 16 sub-blocks of 16. As ggml's AVX2 kernel, the −32 is taken in each
    /// integer lane (through Σ 32·y) and each block's 8 lanes are fused into 8 float lanes, summed in ggml's order.</summary>
    public static float Q6_KQ8_K(ReadOnlySpan<BlockQ6_K> x, ReadOnlySpan<BlockQ8_K> y)
    {
        if (!Avx2.IsSupported) return VecDotReference.Q6_KQ8_K(x, y);
        CheckBlocks(x.Length, y.Length);
        var acc = Vector256<float>.Zero;
        fixed (BlockQ6_K* xp = x)
        fixed (BlockQ8_K* yp = y)
        {
            if (HasKQuantRows4) return Q6_KRow512((byte*)xp, x.Length, (byte*)yp);
            byte* xb = (byte*)xp, yb = (byte*)yp;
            for (int i = 0; i < x.Length; i++, xb += 210, yb += 292)
            {
                PrefetchAhead(xb, 210);
                acc = Vector256.FusedMultiplyAdd(Vector256.Create(*(float*)yb * Half(ref *xb, 208)), Vector256.ConvertToSingle(Q6Quants(xb, yb)), acc);
            }
        }
        return GgmlSums.HorizontalSum(acc);
    }

    /// <summary>Σ_j sc_j·Σ (q − 32)·y of one Q6_K block against one Q8_K block, in eight int32 lanes.</summary>
    private static Vector256<int> Q6Quants(byte* x, byte* y)
    {
        var (scalesLow, scalesHigh) = KQuantUnpack.Q6Scales((sbyte*)(x + 192));
        var isum = Vector256<int>.Zero;
        for (int half = 0; half < 2; half++)
        {
            var ql0 = Vector256.Load(x + half * 64);
            var ql1 = Vector256.Load(x + half * 64 + 32);
            var qh = Vector256.Load(x + 128 + half * 32);
            var eight = half == 0 ? scalesLow : scalesHigh;
            sbyte* ys = (sbyte*)y + 4 + half * 128;
            // Unrolled with constant k: variable shift counts and permutes in a loop cost more than the dots.
            isum += Q6Dot(Q6Quant(ql0, ql1, qh, 0), Vector256.Load(ys)) * KQuantUnpack.PairOfScales(eight, 0);
            isum += Q6Dot(Q6Quant(ql0, ql1, qh, 1), Vector256.Load(ys + 32)) * KQuantUnpack.PairOfScales(eight, 1);
            isum += Q6Dot(Q6Quant(ql0, ql1, qh, 2), Vector256.Load(ys + 64)) * KQuantUnpack.PairOfScales(eight, 2);
            isum += Q6Dot(Q6Quant(ql0, ql1, qh, 3), Vector256.Load(ys + 96)) * KQuantUnpack.PairOfScales(eight, 3);
        }
        return isum;
    }

    /// <summary>Σ (q − 32)·y per lane of four: Σ q·y − Σ 32·y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> Q6Dot(Vector256<byte> q, Vector256<sbyte> y) => DotU8S8(q, y) - DotU8S8(Vector256.Create((byte)32), y);

    /// <summary>Elements 32k..32k+31 of a Q6_K half block (q unbiased, 0..63): nibble k/2 of ql(k%2), bits 2k..2k+1 of qh.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<byte> Q6Quant(Vector256<byte> ql0, Vector256<byte> ql1, Vector256<byte> qh, int k)
    {
        var ql = (k & 1) == 0 ? ql0 : ql1;
        var nibble = k < 2 ? ql & Vector256.Create((byte)0xF) : Vector256.ShiftRightLogical(ql, 4);
        return nibble | Vector256.ShiftLeft(Vector256.ShiftRightLogical(qh, 2 * k) & Vector256.Create((byte)3), 4);
    }
}
