using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Loom.Kernels;

/// <summary>
/// The dot products behind <see cref="MatVec.Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, bool)"/>.
/// Four weight rows are streamed at once (four memory streams in flight measured ~35 GB/s against ~24 for one row
/// with four accumulators). Each row has one vector accumulator, reduced the same way in <see cref="Dot4"/> and
/// <see cref="Dot1"/>, so a row's result does not depend on which rows it was grouped with — nor on the address
/// alignment, as TensorPrimitives.Dot's does — and is identical for any thread count.
/// </summary>
internal static unsafe class MatVecDot
{
    /// <summary>y[r] = Σ_c w[r·ld + c]·x[c] for r &lt; 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dot4(float* w, nint ld, float* x, int n, float* y)
    {
        float* w1 = w + ld, w2 = w1 + ld, w3 = w2 + ld;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= n - 16; i += 16)
            {
                Vector512<float> xv = Vector512.Load(x + i);
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(w + i), xv, s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(w1 + i), xv, s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Load(w2 + i), xv, s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Load(w3 + i), xv, s3);
            }
            (y[0], y[1], y[2], y[3]) = (Vector512.Sum(s0), Vector512.Sum(s1), Vector512.Sum(s2), Vector512.Sum(s3));
        }
        else
        {
            Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector<float> xv = Vector.Load(x + i);
                s0 = Vector.MultiplyAddEstimate(Vector.Load(w + i), xv, s0);
                s1 = Vector.MultiplyAddEstimate(Vector.Load(w1 + i), xv, s1);
                s2 = Vector.MultiplyAddEstimate(Vector.Load(w2 + i), xv, s2);
                s3 = Vector.MultiplyAddEstimate(Vector.Load(w3 + i), xv, s3);
            }
            (y[0], y[1], y[2], y[3]) = (Vector.Sum(s0), Vector.Sum(s1), Vector.Sum(s2), Vector.Sum(s3));
        }
        for (; i < n; i++)
        {
            y[0] = float.MultiplyAddEstimate(w[i], x[i], y[0]);
            y[1] = float.MultiplyAddEstimate(w1[i], x[i], y[1]);
            y[2] = float.MultiplyAddEstimate(w2[i], x[i], y[2]);
            y[3] = float.MultiplyAddEstimate(w3[i], x[i], y[3]);
        }
    }

    /// <summary>Σ_c w[c]·x[c], with exactly the arithmetic of one row of <see cref="Dot4"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot1(float* w, float* x, int n)
    {
        int i = 0;
        float sum;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> s = default;
            for (; i <= n - 16; i += 16) s = Vector512.FusedMultiplyAdd(Vector512.Load(w + i), Vector512.Load(x + i), s);
            sum = Vector512.Sum(s);
        }
        else
        {
            Vector<float> s = default;
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
                s = Vector.MultiplyAddEstimate(Vector.Load(w + i), Vector.Load(x + i), s);
            sum = Vector.Sum(s);
        }
        for (; i < n; i++) sum = float.MultiplyAddEstimate(w[i], x[i], sum);
        return sum;
    }
}
