using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Loom.Kernels;

/// <summary>
/// AVX-512 micro-kernel: a 12×32 tile of C in 24 zmm accumulators (of 32); each k step loads 2 vectors of B
/// and broadcasts 12 elements of A into 24 fused multiply-adds. Written out in full because the JIT keeps
/// locals, not arrays, in registers. Tiles with fewer rows (the bottom edge, e.g. the last 4 of 64) run a
/// 4- or 8-row copy instead of wasting FMAs on zero padding; every copy sums each element in the same order.
/// </summary>
internal readonly struct GemmKernelAvx512 : IGemmMicroKernel
{
    public static int Mr => 12;
    public static int Nr => 32;
    public static bool IsSupported => Avx512F.IsSupported;

    public static unsafe void Run(int kc, float* a, float* b, float* c, nint ldc, bool accumulate) =>
        Rows12(kc, a, b, c, ldc, accumulate, 12);

    public static unsafe void RunRows(int rows, int kc, float* a, float* b, float* c, nint ldc, bool accumulate)
    {
        if (rows <= 4) Rows4(kc, a, b, c, ldc, accumulate, rows);
        else if (rows <= 8) Rows8(kc, a, b, c, ldc, accumulate, rows);
        else Rows12(kc, a, b, c, ldc, accumulate, rows);
    }

    // The first min(rows, 4) rows of the tile; A slivers are always 12 wide.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Rows4(int kc, float* a, float* b, float* c, nint ldc, bool accumulate, int rows)
    {
        Vector512<float> c0a = default, c0b = default;
        Vector512<float> c1a = default, c1b = default;
        Vector512<float> c2a = default, c2b = default;
        Vector512<float> c3a = default, c3b = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> ai;
            ai = Vector512.Create(a[0]); c0a = Avx512F.FusedMultiplyAdd(ai, b0, c0a); c0b = Avx512F.FusedMultiplyAdd(ai, b1, c0b);
            ai = Vector512.Create(a[1]); c1a = Avx512F.FusedMultiplyAdd(ai, b0, c1a); c1b = Avx512F.FusedMultiplyAdd(ai, b1, c1b);
            ai = Vector512.Create(a[2]); c2a = Avx512F.FusedMultiplyAdd(ai, b0, c2a); c2b = Avx512F.FusedMultiplyAdd(ai, b1, c2b);
            ai = Vector512.Create(a[3]); c3a = Avx512F.FusedMultiplyAdd(ai, b0, c3a); c3b = Avx512F.FusedMultiplyAdd(ai, b1, c3b);
            a += 12;
            b += 32;
        }
        Row(c + 0 * ldc, c0a, c0b, accumulate);
        if (rows > 1) Row(c + 1 * ldc, c1a, c1b, accumulate);
        if (rows > 2) Row(c + 2 * ldc, c2a, c2b, accumulate);
        if (rows > 3) Row(c + 3 * ldc, c3a, c3b, accumulate);
    }

    // The first min(rows, 8) rows of the tile; A slivers are always 12 wide.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Rows8(int kc, float* a, float* b, float* c, nint ldc, bool accumulate, int rows)
    {
        Vector512<float> c0a = default, c0b = default;
        Vector512<float> c1a = default, c1b = default;
        Vector512<float> c2a = default, c2b = default;
        Vector512<float> c3a = default, c3b = default;
        Vector512<float> c4a = default, c4b = default;
        Vector512<float> c5a = default, c5b = default;
        Vector512<float> c6a = default, c6b = default;
        Vector512<float> c7a = default, c7b = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> ai;
            ai = Vector512.Create(a[0]); c0a = Avx512F.FusedMultiplyAdd(ai, b0, c0a); c0b = Avx512F.FusedMultiplyAdd(ai, b1, c0b);
            ai = Vector512.Create(a[1]); c1a = Avx512F.FusedMultiplyAdd(ai, b0, c1a); c1b = Avx512F.FusedMultiplyAdd(ai, b1, c1b);
            ai = Vector512.Create(a[2]); c2a = Avx512F.FusedMultiplyAdd(ai, b0, c2a); c2b = Avx512F.FusedMultiplyAdd(ai, b1, c2b);
            ai = Vector512.Create(a[3]); c3a = Avx512F.FusedMultiplyAdd(ai, b0, c3a); c3b = Avx512F.FusedMultiplyAdd(ai, b1, c3b);
            ai = Vector512.Create(a[4]); c4a = Avx512F.FusedMultiplyAdd(ai, b0, c4a); c4b = Avx512F.FusedMultiplyAdd(ai, b1, c4b);
            ai = Vector512.Create(a[5]); c5a = Avx512F.FusedMultiplyAdd(ai, b0, c5a); c5b = Avx512F.FusedMultiplyAdd(ai, b1, c5b);
            ai = Vector512.Create(a[6]); c6a = Avx512F.FusedMultiplyAdd(ai, b0, c6a); c6b = Avx512F.FusedMultiplyAdd(ai, b1, c6b);
            ai = Vector512.Create(a[7]); c7a = Avx512F.FusedMultiplyAdd(ai, b0, c7a); c7b = Avx512F.FusedMultiplyAdd(ai, b1, c7b);
            a += 12;
            b += 32;
        }
        Row(c + 0 * ldc, c0a, c0b, accumulate);
        if (rows > 1) Row(c + 1 * ldc, c1a, c1b, accumulate);
        if (rows > 2) Row(c + 2 * ldc, c2a, c2b, accumulate);
        if (rows > 3) Row(c + 3 * ldc, c3a, c3b, accumulate);
        if (rows > 4) Row(c + 4 * ldc, c4a, c4b, accumulate);
        if (rows > 5) Row(c + 5 * ldc, c5a, c5b, accumulate);
        if (rows > 6) Row(c + 6 * ldc, c6a, c6b, accumulate);
        if (rows > 7) Row(c + 7 * ldc, c7a, c7b, accumulate);
    }

    // The first min(rows, 12) rows of the tile; A slivers are always 12 wide.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Rows12(int kc, float* a, float* b, float* c, nint ldc, bool accumulate, int rows)
    {
        Vector512<float> c0a = default, c0b = default;
        Vector512<float> c1a = default, c1b = default;
        Vector512<float> c2a = default, c2b = default;
        Vector512<float> c3a = default, c3b = default;
        Vector512<float> c4a = default, c4b = default;
        Vector512<float> c5a = default, c5b = default;
        Vector512<float> c6a = default, c6b = default;
        Vector512<float> c7a = default, c7b = default;
        Vector512<float> c8a = default, c8b = default;
        Vector512<float> c9a = default, c9b = default;
        Vector512<float> c10a = default, c10b = default;
        Vector512<float> c11a = default, c11b = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> ai;
            ai = Vector512.Create(a[0]); c0a = Avx512F.FusedMultiplyAdd(ai, b0, c0a); c0b = Avx512F.FusedMultiplyAdd(ai, b1, c0b);
            ai = Vector512.Create(a[1]); c1a = Avx512F.FusedMultiplyAdd(ai, b0, c1a); c1b = Avx512F.FusedMultiplyAdd(ai, b1, c1b);
            ai = Vector512.Create(a[2]); c2a = Avx512F.FusedMultiplyAdd(ai, b0, c2a); c2b = Avx512F.FusedMultiplyAdd(ai, b1, c2b);
            ai = Vector512.Create(a[3]); c3a = Avx512F.FusedMultiplyAdd(ai, b0, c3a); c3b = Avx512F.FusedMultiplyAdd(ai, b1, c3b);
            ai = Vector512.Create(a[4]); c4a = Avx512F.FusedMultiplyAdd(ai, b0, c4a); c4b = Avx512F.FusedMultiplyAdd(ai, b1, c4b);
            ai = Vector512.Create(a[5]); c5a = Avx512F.FusedMultiplyAdd(ai, b0, c5a); c5b = Avx512F.FusedMultiplyAdd(ai, b1, c5b);
            ai = Vector512.Create(a[6]); c6a = Avx512F.FusedMultiplyAdd(ai, b0, c6a); c6b = Avx512F.FusedMultiplyAdd(ai, b1, c6b);
            ai = Vector512.Create(a[7]); c7a = Avx512F.FusedMultiplyAdd(ai, b0, c7a); c7b = Avx512F.FusedMultiplyAdd(ai, b1, c7b);
            ai = Vector512.Create(a[8]); c8a = Avx512F.FusedMultiplyAdd(ai, b0, c8a); c8b = Avx512F.FusedMultiplyAdd(ai, b1, c8b);
            ai = Vector512.Create(a[9]); c9a = Avx512F.FusedMultiplyAdd(ai, b0, c9a); c9b = Avx512F.FusedMultiplyAdd(ai, b1, c9b);
            ai = Vector512.Create(a[10]); c10a = Avx512F.FusedMultiplyAdd(ai, b0, c10a); c10b = Avx512F.FusedMultiplyAdd(ai, b1, c10b);
            ai = Vector512.Create(a[11]); c11a = Avx512F.FusedMultiplyAdd(ai, b0, c11a); c11b = Avx512F.FusedMultiplyAdd(ai, b1, c11b);
            a += 12;
            b += 32;
        }
        Row(c + 0 * ldc, c0a, c0b, accumulate);
        if (rows > 1) Row(c + 1 * ldc, c1a, c1b, accumulate);
        if (rows > 2) Row(c + 2 * ldc, c2a, c2b, accumulate);
        if (rows > 3) Row(c + 3 * ldc, c3a, c3b, accumulate);
        if (rows > 4) Row(c + 4 * ldc, c4a, c4b, accumulate);
        if (rows > 5) Row(c + 5 * ldc, c5a, c5b, accumulate);
        if (rows > 6) Row(c + 6 * ldc, c6a, c6b, accumulate);
        if (rows > 7) Row(c + 7 * ldc, c7a, c7b, accumulate);
        if (rows > 8) Row(c + 8 * ldc, c8a, c8b, accumulate);
        if (rows > 9) Row(c + 9 * ldc, c9a, c9b, accumulate);
        if (rows > 10) Row(c + 10 * ldc, c10a, c10b, accumulate);
        if (rows > 11) Row(c + 11 * ldc, c11a, c11b, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Row(float* c, Vector512<float> x0, Vector512<float> x1, bool accumulate)
    {
        if (accumulate)
        {
            x0 += Vector512.Load(c + 0);
            x1 += Vector512.Load(c + 16);
        }
        x0.Store(c + 0);
        x1.Store(c + 16);
    }
}
