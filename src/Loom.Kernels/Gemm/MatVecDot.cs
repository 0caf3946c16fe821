using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Loom.Kernels;

/// <summary>
/// The dot product behind <see cref="MatVec.Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, bool)"/>:
/// several independent accumulators to keep loads in flight, summed in an order fixed by the length alone — not by
/// the address alignment, as TensorPrimitives.Dot's is — so a row gives the same bits wherever the GC put it.
/// </summary>
internal static unsafe class MatVecDot
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(float* w, float* x, int n)
    {
        int i = 0;
        float sum;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= n - 64; i += 64)
            {
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(w + i), Vector512.Load(x + i), s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(w + i + 16), Vector512.Load(x + i + 16), s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Load(w + i + 32), Vector512.Load(x + i + 32), s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Load(w + i + 48), Vector512.Load(x + i + 48), s3);
            }
            for (; i <= n - 16; i += 16) s0 = Vector512.FusedMultiplyAdd(Vector512.Load(w + i), Vector512.Load(x + i), s0);
            sum = Vector512.Sum((s0 + s1) + (s2 + s3));
        }
        else
        {
            int width = Vector<float>.Count;
            Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i <= n - 4 * width; i += 4 * width)
            {
                s0 = Vector.MultiplyAddEstimate(Vector.Load(w + i), Vector.Load(x + i), s0);
                s1 = Vector.MultiplyAddEstimate(Vector.Load(w + i + width), Vector.Load(x + i + width), s1);
                s2 = Vector.MultiplyAddEstimate(Vector.Load(w + i + 2 * width), Vector.Load(x + i + 2 * width), s2);
                s3 = Vector.MultiplyAddEstimate(Vector.Load(w + i + 3 * width), Vector.Load(x + i + 3 * width), s3);
            }
            for (; i <= n - width; i += width) s0 = Vector.MultiplyAddEstimate(Vector.Load(w + i), Vector.Load(x + i), s0);
            sum = Vector.Sum((s0 + s1) + (s2 + s3));
        }
        for (; i < n; i++) sum += w[i] * x[i];
        return sum;
    }
}
