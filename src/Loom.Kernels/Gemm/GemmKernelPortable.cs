using System.Numerics;
using System.Runtime.CompilerServices;

namespace Loom.Kernels;

/// <summary>
/// Portable micro-kernel for CPUs without AVX2/AVX-512 (or other ISAs): a 4×(2·Vector&lt;float&gt;.Count) tile in
/// 8 <see cref="Vector{T}"/> accumulators. Uses a fused multiply-add where the hardware has one, a multiply then an
/// add where it does not.
/// </summary>
internal readonly struct GemmKernelPortable : IGemmMicroKernel
{
    public static int Mr => 4;
    public static int Nr => 2 * Vector<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, float* a, float* b, float* c, nint ldc, bool accumulate)
    {
        int w = Vector<float>.Count;
        Vector<float> c0a = default, c0b = default, c1a = default, c1b = default;
        Vector<float> c2a = default, c2b = default, c3a = default, c3b = default;
        for (int p = 0; p < kc; p++)
        {
            Vector<float> b0 = Vector.Load(b);
            Vector<float> b1 = Vector.Load(b + w);
            Vector<float> ai;
            ai = new Vector<float>(a[0]); c0a = Vector.MultiplyAddEstimate(ai, b0, c0a); c0b = Vector.MultiplyAddEstimate(ai, b1, c0b);
            ai = new Vector<float>(a[1]); c1a = Vector.MultiplyAddEstimate(ai, b0, c1a); c1b = Vector.MultiplyAddEstimate(ai, b1, c1b);
            ai = new Vector<float>(a[2]); c2a = Vector.MultiplyAddEstimate(ai, b0, c2a); c2b = Vector.MultiplyAddEstimate(ai, b1, c2b);
            ai = new Vector<float>(a[3]); c3a = Vector.MultiplyAddEstimate(ai, b0, c3a); c3b = Vector.MultiplyAddEstimate(ai, b1, c3b);
            a += 4;
            b += 2 * w;
        }
        Row(c, w, c0a, c0b, accumulate);
        Row(c + ldc, w, c1a, c1b, accumulate);
        Row(c + 2 * ldc, w, c2a, c2b, accumulate);
        Row(c + 3 * ldc, w, c3a, c3b, accumulate);
    }

    public static unsafe void RunRows(int rows, int kc, float* a, float* b, float* c, nint ldc, bool accumulate) =>
        GemmEdgeTile.RunRowsViaScratch<GemmKernelPortable>(rows, kc, a, b, c, ldc, accumulate);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Row(float* c, int w, Vector<float> x0, Vector<float> x1, bool accumulate)
    {
        if (accumulate)
        {
            x0 += Vector.Load(c);
            x1 += Vector.Load(c + w);
        }
        x0.Store(c);
        x1.Store(c + w);
    }
}
