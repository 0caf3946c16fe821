using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Loom.Kernels;

/// <summary>
/// The row updates behind <see cref="MatVec.MultiplyTransposed(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, bool)"/>:
/// y[j] = fma(w[r, j], x[r], y[j]) for each row r in order. <see cref="Axpy4"/> applies four rows per pass over y
/// (a quarter of the loads and stores of y) with exactly the arithmetic of four <see cref="Axpy1"/> calls, so the
/// grouping never changes a bit.
/// </summary>
internal static unsafe class MatVecAxpy
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Axpy4(float* w, nint ld, float* x, float* y, int width)
    {
        float* w1 = w + ld, w2 = w1 + ld, w3 = w2 + ld;
        float x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> v0 = Vector512.Create(x0), v1 = Vector512.Create(x1), v2 = Vector512.Create(x2), v3 = Vector512.Create(x3);
            for (; j <= width - 16; j += 16)
            {
                Vector512<float> acc = Vector512.Load(y + j);
                acc = Vector512.FusedMultiplyAdd(Vector512.Load(w + j), v0, acc);
                acc = Vector512.FusedMultiplyAdd(Vector512.Load(w1 + j), v1, acc);
                acc = Vector512.FusedMultiplyAdd(Vector512.Load(w2 + j), v2, acc);
                acc = Vector512.FusedMultiplyAdd(Vector512.Load(w3 + j), v3, acc);
                acc.Store(y + j);
            }
        }
        else
        {
            Vector<float> v0 = new(x0), v1 = new(x1), v2 = new(x2), v3 = new(x3);
            for (; j <= width - Vector<float>.Count; j += Vector<float>.Count)
            {
                Vector<float> acc = Vector.Load(y + j);
                acc = Vector.MultiplyAddEstimate(Vector.Load(w + j), v0, acc);
                acc = Vector.MultiplyAddEstimate(Vector.Load(w1 + j), v1, acc);
                acc = Vector.MultiplyAddEstimate(Vector.Load(w2 + j), v2, acc);
                acc = Vector.MultiplyAddEstimate(Vector.Load(w3 + j), v3, acc);
                acc.Store(y + j);
            }
        }
        for (; j < width; j++)
        {
            float acc = float.MultiplyAddEstimate(w[j], x0, y[j]);
            acc = float.MultiplyAddEstimate(w1[j], x1, acc);
            acc = float.MultiplyAddEstimate(w2[j], x2, acc);
            y[j] = float.MultiplyAddEstimate(w3[j], x3, acc);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Axpy1(float* w, float x, float* y, int width)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> v = Vector512.Create(x);
            for (; j <= width - 16; j += 16) Vector512.FusedMultiplyAdd(Vector512.Load(w + j), v, Vector512.Load(y + j)).Store(y + j);
        }
        else
        {
            Vector<float> v = new(x);
            for (; j <= width - Vector<float>.Count; j += Vector<float>.Count)
                Vector.MultiplyAddEstimate(Vector.Load(w + j), v, Vector.Load(y + j)).Store(y + j);
        }
        for (; j < width; j++) y[j] = float.MultiplyAddEstimate(w[j], x, y[j]);
    }
}
