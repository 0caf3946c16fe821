using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Loom.Kernels.Quant;

/// <summary>
/// The decode (one activation row) F16 dot, bit-identical to <see cref="FloatRowDot.Dot"/> but with half the
/// instructions, because widening the weights is what bounds that loop (16 GB/s of weights on one thread against the
/// F32 mat-vec's 45). A half's sign, exponent and mantissa shifted into a float's places read as the half's value
/// times 2^-112 (exactly, subnormals included); instead of multiplying every weight by 2^112, the activations are
/// multiplied by it once per call (<see cref="TryScale"/>). Each fused multiply-add then sees the exact product
/// (2^-112·w)·(2^112·x) = w·x, so every rounding is that of <see cref="FloatRowDot.Dot"/>: same accumulators, same
/// order, same bits. Two cases fall back to that dot: activations of magnitude 2^15 or more, or not finite (scaled,
/// they could overflow), and rows holding an Inf/NaN half (the shift reads those as finite 2^16-range values; the
/// loop tracks the largest magnitude bits, a cheap max per 32 weights, and redoes such a row the exact way).
/// </summary>
internal static unsafe class HalfRowDot
{
    private const int Step = 32; // weights per iteration: one 64-byte load of halves

    /// <summary>How far ahead <see cref="Dot"/> prefetches, in halves: 16 KB. Rows are contiguous, so that is the
    /// matrix's next bytes, across row ends. Measured on one thread at 32000×1024 (64 MB, from DRAM): 10–13 GB/s
    /// without, 20–25 with 2 KB; then decode of a 200M F16 model (1 thread, best of 3 on a shared machine): 2 KB 55
    /// tok/s, 4 KB 61, 8 KB 72, 16 KB 81 (its gate+up mat-vecs at 30 GB/s, the machine's read bandwidth), 32 KB 75.</summary>
    private const int PrefetchHalves = 8192;
    private const float InputLimit = 32768f; // |x| < 2^15, so x·2^112 < 2^127 stays finite
    private static readonly float Scale = BitConverter.Int32BitsToSingle(0x77800000); // 2^112 = 2^(127 − 15)

    /// <summary>Whether <see cref="Dot"/> runs on this machine (512-bit vectors); otherwise callers keep <see cref="FloatRowDot.Dot"/>.</summary>
    public static bool IsSupported => Vector512.IsHardwareAccelerated;

    /// <summary>scaled = x·2^112, or false (scaled untouched) when some |x| ≥ 2^15 or is not finite.</summary>
    public static bool TryScale(ReadOnlySpan<float> x, Span<float> scaled)
    {
        if (x.Length > 0 && !(TensorPrimitives.MaxMagnitude(x) is var max && MathF.Abs(max) < InputLimit)) return false;
        TensorPrimitives.Multiply(x, Scale, scaled[..x.Length]);
        return true;
    }

    /// <summary>Σ w[i]·x[i] for an F16 row <paramref name="w"/> of <paramref name="n"/> values: <paramref name="scaled"/>
    /// is x from <see cref="TryScale"/>, <paramref name="x"/> the activations themselves (for the tail and fallback).</summary>
    public static float Dot(ushort* w, float* scaled, float* x, int n)
    {
        Vector512<float> a0 = default, a1 = default;
        Vector512<ushort> largest = default;
        var magnitudeBits = Vector512.Create((ushort)0x7FFF);
        int i = 0;
        for (; i + Step <= n; i += Step)
        {
            if (Sse.IsSupported) Sse.Prefetch0(w + i + PrefetchHalves);
            var raw = Vector512.Load(w + i);
            largest = Vector512.Max(largest, raw & magnitudeBits);
            var (lo, hi) = Vector512.Widen(raw.AsInt16()); // sign-extended: the sign lands in bits 28–31
            a0 = Vector512.FusedMultiplyAdd(Place(lo), Vector512.Load(scaled + i), a0);
            a1 = Vector512.FusedMultiplyAdd(Place(hi), Vector512.Load(scaled + i + 16), a1);
        }
        if (Vector512.GreaterThanOrEqualAny(largest, Vector512.Create((ushort)0x7C00)))
            return FloatRowDot.Dot(GgmlType.F16, ref *(byte*)w, ref *x, n);
        return Tail(w, x, i, n, Vector512.Sum(a0 + a1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Tail(ushort* w, float* x, int i, int n, float sum)
    {
        for (; i < n; i++) sum = MathF.FusedMultiplyAdd(HalfTable.Read(ref *(byte*)(w + i), 0), x[i], sum);
        return sum;
    }

    /// <summary>Rows [start, end) of an F16 matrix into y[start..end), one <see cref="Dot"/> each. (Four rows per pass,
    /// sharing the x loads, measured slower: 18–25 GB/s against 21–40 on one thread.)</summary>
    public static void Rows(byte* weights, long rowBytes, int start, int end, float* scaled, float* x, int n, float* y)
    {
        for (int r = start; r < end; r++) y[r] = Dot((ushort*)(weights + r * rowBytes), scaled, x, n);
    }

    /// <summary>A sign-extended half h → the float bits of h·2^-112: the sign to bit 31, exponent and mantissa to bits 13–27.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Place(Vector512<int> h) =>
        (Vector512.ShiftLeft(h, 13) & Vector512.Create(unchecked((int)0x8FFFE000))).AsSingle();
}
