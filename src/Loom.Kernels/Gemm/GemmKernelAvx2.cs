using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Loom.Kernels;

/// <summary>
/// AVX2+FMA micro-kernel: a 6×16 tile of C in 12 ymm accumulators (of the 16 ymm registers; two hold B,
/// one the broadcast of A). Straight-line code because the JIT keeps locals, not arrays, in registers.
/// </summary>
internal readonly struct GemmKernelAvx2 : IGemmMicroKernel
{
    public static int Mr => 6;
    public static int Nr => 16;
    public static bool IsSupported => Fma.IsSupported && Avx2.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, float* a, float* b, float* c, nint ldc, bool accumulate)
    {
        Vector256<float> c0a = default, c0b = default;
        Vector256<float> c1a = default, c1b = default;
        Vector256<float> c2a = default, c2b = default;
        Vector256<float> c3a = default, c3b = default;
        Vector256<float> c4a = default, c4b = default;
        Vector256<float> c5a = default, c5b = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b + 0);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> ai;
            ai = Vector256.Create(a[0]); c0a = Fma.MultiplyAdd(ai, b0, c0a); c0b = Fma.MultiplyAdd(ai, b1, c0b);
            ai = Vector256.Create(a[1]); c1a = Fma.MultiplyAdd(ai, b0, c1a); c1b = Fma.MultiplyAdd(ai, b1, c1b);
            ai = Vector256.Create(a[2]); c2a = Fma.MultiplyAdd(ai, b0, c2a); c2b = Fma.MultiplyAdd(ai, b1, c2b);
            ai = Vector256.Create(a[3]); c3a = Fma.MultiplyAdd(ai, b0, c3a); c3b = Fma.MultiplyAdd(ai, b1, c3b);
            ai = Vector256.Create(a[4]); c4a = Fma.MultiplyAdd(ai, b0, c4a); c4b = Fma.MultiplyAdd(ai, b1, c4b);
            ai = Vector256.Create(a[5]); c5a = Fma.MultiplyAdd(ai, b0, c5a); c5b = Fma.MultiplyAdd(ai, b1, c5b);
            a += 6;
            b += 16;
        }
        Row(c + 0 * ldc, c0a, c0b, accumulate);
        Row(c + 1 * ldc, c1a, c1b, accumulate);
        Row(c + 2 * ldc, c2a, c2b, accumulate);
        Row(c + 3 * ldc, c3a, c3b, accumulate);
        Row(c + 4 * ldc, c4a, c4b, accumulate);
        Row(c + 5 * ldc, c5a, c5b, accumulate);
    }

    public static unsafe void RunRows(int rows, int kc, float* a, float* b, float* c, nint ldc, bool accumulate) =>
        GemmEdgeTile.RunRowsViaScratch<GemmKernelAvx2>(rows, kc, a, b, c, ldc, accumulate);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Row(float* c, Vector256<float> x0, Vector256<float> x1, bool accumulate)
    {
        if (accumulate)
        {
            x0 += Vector256.Load(c + 0);
            x1 += Vector256.Load(c + 8);
        }
        x0.Store(c + 0);
        x1.Store(c + 8);
    }
}
