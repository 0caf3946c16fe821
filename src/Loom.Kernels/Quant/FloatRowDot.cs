using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Loom.Kernels.Quant;

/// <summary>
/// Dot products of an F16 or BF16 weight row with float32 activation rows, widening the weights to float32 on the fly
/// (the activations are not rounded to half as ggml's F16 matmul does: more accurate, and the weights are read only
/// once either way, which is what bounds a matvec). .NET exposes no vcvtph2ps, so halves widen by bit arithmetic:
/// exponent and mantissa shifted into a float and rescaled by 2^112 (exact for normals and subnormals), Inf/NaN
/// patched, sign copied. <see cref="Accumulate4"/>/<see cref="Finish4"/> compute four activation rows from one pass
/// over the weights (one widening, four multiply-adds), each output with exactly the operations of <see cref="Dot"/>,
/// so batched and single results are bit-identical.
/// </summary>
internal static class FloatRowDot
{
    private const int Step = 32; // weights per iteration: one 64-byte load of 16-bit values

    public static float Dot(GgmlType type, ref byte weights, ref float x, int n)
    {
        ref ushort w = ref Unsafe.As<byte, ushort>(ref weights);
        int i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> a0 = default, a1 = default;
            for (; i + Step <= n; i += Step)
            {
                var (w0, w1) = Widen512(type, ref w, i);
                a0 = Vector512.FusedMultiplyAdd(w0, Vector512.LoadUnsafe(ref x, (nuint)i), a0);
                a1 = Vector512.FusedMultiplyAdd(w1, Vector512.LoadUnsafe(ref x, (nuint)(i + 16)), a1);
            }
            sum = Vector512.Sum(a0 + a1);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> a0 = default, a1 = default;
            for (; i + Step <= n; i += Step)
                for (int h = 0; h < Step; h += 16)
                {
                    var (w0, w1) = Widen256(type, ref w, i + h);
                    a0 = Vector256.FusedMultiplyAdd(w0, Vector256.LoadUnsafe(ref x, (nuint)(i + h)), a0);
                    a1 = Vector256.FusedMultiplyAdd(w1, Vector256.LoadUnsafe(ref x, (nuint)(i + h + 8)), a1);
                }
            sum = Vector256.Sum(a0 + a1);
        }
        for (; i < n; i++) sum = MathF.FusedMultiplyAdd(Scalar(type, Unsafe.Add(ref w, i)), Unsafe.Add(ref x, i), sum);
        return sum;
    }

    /// <summary>Whether the four-row kernels run (512-bit vectors); otherwise callers take four <see cref="Dot"/>s.</summary>
    public static bool HasFourRowKernel => Vector512.IsHardwareAccelerated;

    /// <summary>Columns that the four-row kernel's vector loop covers; the rest is the scalar tail.</summary>
    public static int VectorColumns(int n) => n - n % Step;

    /// <summary>
    /// The dots' vector part over columns [start, end) (multiples of 32, within <see cref="VectorColumns"/>), added
    /// into eight accumulators (two per activation row) exactly as <see cref="Dot"/>'s loop adds them: a caller can
    /// walk the columns in panels, keeping four activation rows' panels in L1, and get the same bits as one pass.
    /// </summary>
    public static unsafe void Accumulate4(GgmlType type, ushort* w, float* x0, float* x1, float* x2, float* x3, int start, int end, Vector512<float>* acc)
    {
        Vector512<float> a0 = acc[0], a1 = acc[1], b0 = acc[2], b1 = acc[3], c0 = acc[4], c1 = acc[5], d0 = acc[6], d1 = acc[7];
        for (int i = start; i < end; i += Step)
        {
            var (w0, w1) = Widen512(type, ref w[i], 0);
            a0 = Vector512.FusedMultiplyAdd(w0, Vector512.Load(x0 + i), a0);
            a1 = Vector512.FusedMultiplyAdd(w1, Vector512.Load(x0 + i + 16), a1);
            b0 = Vector512.FusedMultiplyAdd(w0, Vector512.Load(x1 + i), b0);
            b1 = Vector512.FusedMultiplyAdd(w1, Vector512.Load(x1 + i + 16), b1);
            c0 = Vector512.FusedMultiplyAdd(w0, Vector512.Load(x2 + i), c0);
            c1 = Vector512.FusedMultiplyAdd(w1, Vector512.Load(x2 + i + 16), c1);
            d0 = Vector512.FusedMultiplyAdd(w0, Vector512.Load(x3 + i), d0);
            d1 = Vector512.FusedMultiplyAdd(w1, Vector512.Load(x3 + i + 16), d1);
        }
        acc[0] = a0; acc[1] = a1; acc[2] = b0; acc[3] = b1; acc[4] = c0; acc[5] = c1; acc[6] = d0; acc[7] = d1;
    }

    /// <summary>Reduces the accumulators and adds the scalar tail (columns from <see cref="VectorColumns"/> to n), as <see cref="Dot"/> ends.</summary>
    public static unsafe void Finish4(GgmlType type, ushort* w, float* x0, float* x1, float* x2, float* x3, int n, Vector512<float>* acc, float* result)
    {
        float sa = Vector512.Sum(acc[0] + acc[1]), sb = Vector512.Sum(acc[2] + acc[3]);
        float sc = Vector512.Sum(acc[4] + acc[5]), sd = Vector512.Sum(acc[6] + acc[7]);
        for (int i = VectorColumns(n); i < n; i++)
        {
            float v = Scalar(type, w[i]);
            sa = MathF.FusedMultiplyAdd(v, x0[i], sa);
            sb = MathF.FusedMultiplyAdd(v, x1[i], sb);
            sc = MathF.FusedMultiplyAdd(v, x2[i], sc);
            sd = MathF.FusedMultiplyAdd(v, x3[i], sd);
        }
        result[0] = sa;
        result[1] = sb;
        result[2] = sc;
        result[3] = sd;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Scalar(GgmlType type, ushort bits) =>
        type == GgmlType.F16 ? HalfTable.Read(ref Unsafe.As<ushort, byte>(ref bits), 0) : BitConverter.Int32BitsToSingle(bits << 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>) Widen512(GgmlType type, ref ushort w, int i)
    {
        var (lo, hi) = Vector512.Widen(Vector512.LoadUnsafe(ref w, (nuint)i));
        return type == GgmlType.F16
            ? (HalfBitsToSingle(lo), HalfBitsToSingle(hi))
            : (Vector512.ShiftLeft(lo, 16).AsSingle(), Vector512.ShiftLeft(hi, 16).AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float>, Vector256<float>) Widen256(GgmlType type, ref ushort w, int i)
    {
        var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref w, (nuint)i));
        return type == GgmlType.F16
            ? (HalfBitsToSingle(lo), HalfBitsToSingle(hi))
            : (Vector256.ShiftLeft(lo, 16).AsSingle(), Vector256.ShiftLeft(hi, 16).AsSingle());
    }

    private const uint InfNanMagnitude = 0x7C00u << 13;  // a half's all-ones exponent, moved to float position
    private const uint FloatExponentOnes = 0x7F800000;
    private static readonly float Rebias = BitConverter.Int32BitsToSingle(0x77800000); // 2^112 = 2^(127 − 15)

    /// <summary>Zero-extended half bit patterns → the floats they encode, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> HalfBitsToSingle(Vector512<uint> h)
    {
        var magnitude = Vector512.ShiftLeft(h & Vector512.Create(0x7FFFu), 13);
        var value = magnitude.AsSingle() * Vector512.Create(Rebias);
        var infNan = Vector512.GreaterThanOrEqual(magnitude, Vector512.Create(InfNanMagnitude)) & Vector512.Create(FloatExponentOnes);
        var sign = Vector512.ShiftLeft(h & Vector512.Create(0x8000u), 16);
        return (value.AsUInt32() | infNan | sign).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> HalfBitsToSingle(Vector256<uint> h)
    {
        var magnitude = Vector256.ShiftLeft(h & Vector256.Create(0x7FFFu), 13);
        var value = magnitude.AsSingle() * Vector256.Create(Rebias);
        var infNan = Vector256.GreaterThanOrEqual(magnitude, Vector256.Create(InfNanMagnitude)) & Vector256.Create(FloatExponentOnes);
        var sign = Vector256.ShiftLeft(h & Vector256.Create(0x8000u), 16);
        return (value.AsUInt32() | infNan | sign).AsSingle();
    }
}
