using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Loom.Kernels.Quant;

/// <summary>
/// Decode's four-row kernels for Q4_K and Q6_K with AVX-512 (see <see cref="Rows4"/>). A 512-bit register holds 64
/// quants from two 32-element runs of a block, so one vpmaddubsw + vpmaddwd takes 64 elements and their two (Q6_K:
/// four) scales at once. The weights are taken as they lie in memory (whole 64-byte loads, no per-row shuffles); the
/// activation block is rearranged instead, once for the four rows, to line up with them. The activation loads, Q6_K's
/// Σ 32·y and the bsums' pair sums are shared by the four rows. Each row's eight int32 lanes (the lower half added to
/// the upper) are the same integers as the single-row kernel's — every sum is exact: the 16-bit pair sums stay below
/// 2^15 (|q·y| ≤ 63·127 per byte) — and the float side is the single-row kernel's own code, so the results are the
/// single-row bits. With AVX-512 the single-row dots run the same block code (<see cref="Q4_KRow512"/>,
/// <see cref="Q6_KRow512"/>); the batched prompt kernels (VecDot4.cs) stay 256-bit and give the same bits too.
/// <para>Written around two .NET 10 JIT problems met here: Avx512F.BroadcastVector256ToVector512 from a pointer read
/// the wrong bytes in optimized code, and vectors built from Vector256 halves inside the loop were rebuilt (and
/// spilled) at every use; so no broadcast loads, and every constant is a literal made before the loop.</para>
/// </summary>
public static unsafe partial class VecDot
{
    /// <summary>Whether the 512-bit four-row K-quant kernels run here.</summary>
    private static bool HasKQuantRows4 => Avx512BW.IsSupported;

    /// <summary>vshufi64x2 selectors: 256-bit halves [a.low | b.low] and [a.high | b.high].</summary>
    private const byte LowHalves = 0x44, HighHalves = 0xEE;

    /// <summary>Prefetches <paramref name="bytes"/> bytes from <paramref name="next"/>, one call per cache line.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchLines(byte* next, int bytes)
    {
        for (int line = 0; line < bytes; line += 64) Sse.Prefetch0(next + line);
    }

    /// <summary>A vpshufb control that spreads byte <paramref name="a"/> of each 128-bit lane as zero-extended words
    /// over the lower 256 bits, byte <paramref name="b"/> over the upper.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> WordsOf(ulong a, ulong b)
    {
        ulong wa = 0x8000_8000_8000_8000UL | a * 0x0001_0001_0001_0001UL, wb = 0x8000_8000_8000_8000UL | b * 0x0001_0001_0001_0001UL;
        return Vector512.Create(wa, wa, wa, wa, wb, wb, wb, wb).AsByte();
    }

    /// <summary>As <see cref="Q4_KQ8_K"/> for four rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // tests then run the code decode runs, not tier-0 code
    private static void Q4_KRows4(byte* w, long rowBytes, byte* a, int blocks, float* result)
    {
        byte* w0 = w, w1 = w + rowBytes, w2 = w + 2 * rowBytes, w3 = w + 3 * rowBytes;
        byte* next = w + PrefetchRows * rowBytes;
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        Vector128<float> m0 = default, m1 = default, m2 = default, m3 = default;
        var k = Q4_KConstants.Create();
        for (int i = 0; i < blocks; i++, w0 += 144, w1 += 144, w2 += 144, w3 += 144, a += 292, next += 4 * 144)
        {
            PrefetchLines(next, 4 * 144);
            var y = Q4_KActivations.Load(a);
            Q4_KBlock512(w0, y, k, ref s0, ref m0);
            Q4_KBlock512(w1, y, k, ref s1, ref m1);
            Q4_KBlock512(w2, y, k, ref s2, ref m2);
            Q4_KBlock512(w3, y, k, ref s3, ref m3);
        }
        result[0] = GgmlSums.HorizontalSum(s0) + GgmlSums.HorizontalSum(m0);
        result[1] = GgmlSums.HorizontalSum(s1) + GgmlSums.HorizontalSum(m1);
        result[2] = GgmlSums.HorizontalSum(s2) + GgmlSums.HorizontalSum(m2);
        result[3] = GgmlSums.HorizontalSum(s3) + GgmlSums.HorizontalSum(m3);
    }

    /// <summary>As <see cref="Q4_KQ8_K"/>, one row with the four-row kernel's block code (so the two give the same bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Q4_KRow512(byte* x, int blocks, byte* a)
    {
        var k = Q4_KConstants.Create();
        Vector256<float> acc = default;
        Vector128<float> minLanes = default;
        for (int i = 0; i < blocks; i++, x += 144, a += 292)
        {
            PrefetchAhead(x, 144);
            Q4_KBlock512(x, Q4_KActivations.Load(a), k, ref acc, ref minLanes);
        }
        return GgmlSums.HorizontalSum(acc) + GgmlSums.HorizontalSum(minLanes);
    }

    /// <summary>Sub-block controls (see <see cref="WordsOf"/>) and the nibble mask.</summary>
    private readonly struct Q4_KConstants(Vector512<byte> sc02, Vector512<byte> sc13, Vector512<byte> sc46, Vector512<byte> sc57, Vector512<byte> mask)
    {
        public readonly Vector512<byte> Sc02 = sc02, Sc13 = sc13, Sc46 = sc46, Sc57 = sc57, Mask = mask;

        // The 64 quant bytes of groups 0–1 (and 2–3) hold sub-blocks 0|2 in their low nibbles, 1|3 in their high ones.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Q4_KConstants Create() => new(WordsOf(0, 2), WordsOf(1, 3), WordsOf(4, 6), WordsOf(5, 7), Vector512.Create((byte)0xF));
    }

    /// <summary>One Q8_K block for Q4_K: Y02 = elements 0–31 | 64–95 (sub-blocks 0 and 2), Y13 = 32–63 | 96–127, ….</summary>
    private readonly struct Q4_KActivations(Vector512<sbyte> y02, Vector512<sbyte> y13, Vector512<sbyte> y46, Vector512<sbyte> y57,
        Vector128<short> pairSums, float d)
    {
        public readonly Vector512<sbyte> Y02 = y02, Y13 = y13, Y46 = y46, Y57 = y57;
        public readonly Vector128<short> PairSums = pairSums;
        public readonly float D = d;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Q4_KActivations Load(byte* a)
        {
            var y01 = Vector512.Load((int*)(a + 4));
            var y23 = Vector512.Load((int*)(a + 68));
            var y45 = Vector512.Load((int*)(a + 132));
            var y67 = Vector512.Load((int*)(a + 196));
            return new(Avx512F.Shuffle4x128(y01, y23, LowHalves).AsSByte(), Avx512F.Shuffle4x128(y01, y23, HighHalves).AsSByte(),
                Avx512F.Shuffle4x128(y45, y67, LowHalves).AsSByte(), Avx512F.Shuffle4x128(y45, y67, HighHalves).AsSByte(),
                KQuantUnpack.PairSums((short*)(a + 260)), *(float*)a);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Q4_KBlock512(byte* x, in Q4_KActivations y, in Q4_KConstants k, ref Vector256<float> acc, ref Vector128<float> minLanes)
    {
        KQuantUnpack.ScalesAndMins(x + 4, out ulong scales, out ulong mins);
        var sc = Vector512.Create(scales).AsByte();
        var q01 = Vector512.Load(x + 16);
        var q23 = Vector512.Load(x + 80);
        var isum = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(q01 & k.Mask, y.Y02), Avx512BW.Shuffle(sc, k.Sc02).AsInt16())
                 + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(HighNibbles(q01, k.Mask), y.Y13), Avx512BW.Shuffle(sc, k.Sc13).AsInt16())
                 + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(q23 & k.Mask, y.Y46), Avx512BW.Shuffle(sc, k.Sc46).AsInt16())
                 + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(HighNibbles(q23, k.Mask), y.Y57), Avx512BW.Shuffle(sc, k.Sc57).AsInt16());
        AccumulateScaleMinBlock(x, y.D, isum.GetLower() + isum.GetUpper(), KQuantUnpack.MinLanes(mins, y.PairSums), ref acc, ref minLanes);
    }

    /// <summary>The high nibble of each byte (a word shift; the bits it brings in from the next byte are masked off).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> HighNibbles(Vector512<byte> q, Vector512<byte> mask) => Vector512.ShiftRightLogical(q.AsUInt16(), 4).AsByte() & mask;

    /// <summary>As <see cref="Q6_KQ8_K"/> for four rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Q6_KRows4(byte* w, long rowBytes, byte* a, int blocks, float* result)
    {
        byte* w0 = w, w1 = w + rowBytes, w2 = w + 2 * rowBytes, w3 = w + 3 * rowBytes;
        byte* next = w + PrefetchRows * rowBytes;
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        var k = Q6_KConstants.Create();
        for (int i = 0; i < blocks; i++, w0 += 210, w1 += 210, w2 += 210, w3 += 210, a += 292, next += 4 * 210)
        {
            PrefetchLines(next, 4 * 210);
            var y = Q6_KActivations.Load(a, k);
            s0 = Q6_KBlock512(w0, y, k, s0);
            s1 = Q6_KBlock512(w1, y, k, s1);
            s2 = Q6_KBlock512(w2, y, k, s2);
            s3 = Q6_KBlock512(w3, y, k, s3);
        }
        Store4(result, s0, s1, s2, s3);
    }

    /// <summary>vpermw indices: words 0–7 = 2c, 8–15 = 2c+1, 16–23 = 8+2c, 24–31 = 9+2c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> ScaleIndex(ulong c)
    {
        const ulong words = 0x0001_0001_0001_0001UL;
        ulong a = 2 * c * words, b = (2 * c + 1) * words, e = (8 + 2 * c) * words, f = (9 + 2 * c) * words;
        return Vector512.Create(a, a, b, b, e, e, f, f).AsInt16();
    }

    /// <summary>As <see cref="Q6_KQ8_K"/>, one row with the four-row kernel's block code (so the two give the same bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Q6_KRow512(byte* x, int blocks, byte* a)
    {
        var k = Q6_KConstants.Create();
        Vector256<float> acc = default;
        for (int i = 0; i < blocks; i++, x += 210, a += 292)
        {
            PrefetchAhead(x, 210);
            acc = Q6_KBlock512(x, Q6_KActivations.Load(a, k), k, acc);
        }
        return GgmlSums.HorizontalSum(acc);
    }

    private readonly struct Q6_KConstants(Vector512<short> index0, Vector512<short> index1, Vector512<short> index2, Vector512<short> index3,
        Vector512<byte> low4, Vector512<byte> top2, Vector512<byte> thirtyTwo)
    {
        public readonly Vector512<short> Index0 = index0, Index1 = index1, Index2 = index2, Index3 = index3;
        public readonly Vector512<byte> Low4 = low4, Top2 = top2, ThirtyTwo = thirtyTwo;

        // Chunk c (0–3) = elements 32c..32c+31 of both 128-element halves, [half 0 | half 1]: sub-blocks 2c, 2c+1 |
        // 8+2c, 9+2c, four dword lanes each; the index picks each one's scale word for both words of its lanes.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Q6_KConstants Create() => new(ScaleIndex(0), ScaleIndex(1), ScaleIndex(2), ScaleIndex(3),
            Vector512.Create((byte)0xF), Vector512.Create((byte)0x30), Vector512.Create((byte)32));
    }

    /// <summary>One Q8_K block for Q6_K: chunks C0–C3 (see <see cref="Q6_KRows4"/>) and their Σ 32·y pairs.</summary>
    private readonly struct Q6_KActivations(Vector512<sbyte> c0, Vector512<sbyte> c1, Vector512<sbyte> c2, Vector512<sbyte> c3,
        Vector512<short> o0, Vector512<short> o1, Vector512<short> o2, Vector512<short> o3, float d)
    {
        public readonly Vector512<sbyte> C0 = c0, C1 = c1, C2 = c2, C3 = c3;
        public readonly Vector512<short> O0 = o0, O1 = o1, O2 = o2, O3 = o3;
        public readonly float D = d;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Q6_KActivations Load(byte* a, in Q6_KConstants k)
        {
            var y01 = Vector512.Load((int*)(a + 4));
            var y23 = Vector512.Load((int*)(a + 68));
            var y45 = Vector512.Load((int*)(a + 132));
            var y67 = Vector512.Load((int*)(a + 196));
            var c0 = Avx512F.Shuffle4x128(y01, y45, LowHalves).AsSByte();
            var c1 = Avx512F.Shuffle4x128(y01, y45, HighHalves).AsSByte();
            var c2 = Avx512F.Shuffle4x128(y23, y67, LowHalves).AsSByte();
            var c3 = Avx512F.Shuffle4x128(y23, y67, HighHalves).AsSByte();
            // Σ 32·y in pairs: the −32 offset every row subtracts.
            return new(c0, c1, c2, c3,
                Avx512BW.MultiplyAddAdjacent(k.ThirtyTwo, c0), Avx512BW.MultiplyAddAdjacent(k.ThirtyTwo, c1),
                Avx512BW.MultiplyAddAdjacent(k.ThirtyTwo, c2), Avx512BW.MultiplyAddAdjacent(k.ThirtyTwo, c3), *(float*)a);
        }
    }

    /// <summary>One row's Q6_K block. Chunk c's quants: low (c &lt; 2) or high nibbles of ql bytes 32(c%2).. of each
    /// half, with qh bits 2c..2c+1 — qh's 64 bytes are already [half 0 | half 1], ql's halves need one shuffle each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Q6_KBlock512(byte* x, in Q6_KActivations y, in Q6_KConstants k, Vector256<float> acc)
    {
        var scales = Avx2.ConvertToVector256Int16(Vector128.Load((sbyte*)(x + 192))).ToVector512Unsafe();
        var half0 = Vector512.Load((long*)x);
        var half1 = Vector512.Load((long*)(x + 64));
        var ql0 = Avx512F.Shuffle4x128(half0, half1, LowHalves).AsByte();
        var ql1 = Avx512F.Shuffle4x128(half0, half1, HighHalves).AsByte();
        var qh = Vector512.Load(x + 128).AsUInt16();
        // Word shifts: the bits that cross into the neighbouring byte fall outside the masks.
        var q0 = (ql0 & k.Low4) | (Vector512.ShiftLeft(qh, 4).AsByte() & k.Top2);
        var q1 = (ql1 & k.Low4) | (Vector512.ShiftLeft(qh, 2).AsByte() & k.Top2);
        var q2 = HighNibbles(ql0, k.Low4) | (qh.AsByte() & k.Top2);
        var q3 = HighNibbles(ql1, k.Low4) | (Vector512.ShiftRightLogical(qh, 2).AsByte() & k.Top2);
        var isum = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(q0, y.C0) - y.O0, Avx512BW.PermuteVar32x16(scales, k.Index0))
                 + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(q1, y.C1) - y.O1, Avx512BW.PermuteVar32x16(scales, k.Index1))
                 + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(q2, y.C2) - y.O2, Avx512BW.PermuteVar32x16(scales, k.Index2))
                 + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(q3, y.C3) - y.O3, Avx512BW.PermuteVar32x16(scales, k.Index3));
        return Vector256.FusedMultiplyAdd(Vector256.Create(y.D * Half(ref *x, 208)), Vector256.ConvertToSingle(isum.GetLower() + isum.GetUpper()), acc);
    }
}
