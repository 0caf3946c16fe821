using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Loom.Kernels.Quant;

/// <summary>
/// Dot products of an F16 or BF16 weight row with float32 activation rows, widening the weights to float32 on the fly
/// (the activations are not rounded to half as ggml's F16 matmul does: more accurate, and the weights are read only
/// once either way, which is what bounds a matvec). .NET exposes no vcvtph2ps, so halves widen by bit arithmetic:
/// exponent and mantissa shifted into a float and rescaled by 2^112 (exact for normals and subnormals), Inf/NaN
/// patched, sign copied. <see cref="Dot4"/> computes four activation rows from one pass over the weights, each
/// output with exactly the operations of <see cref="Dot"/>, so batched and single results are bit-identical.
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

    /// <summary>The dots of one weight row with four activation rows, each as <see cref="Dot"/> computes it.</summary>
    public static void Dot4(GgmlType type, ref byte weights, ref float x0, ref float x1, ref float x2, ref float x3, int n, Span<float> result)
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            result[0] = Dot(type, ref weights, ref x0, n);
            result[1] = Dot(type, ref weights, ref x1, n);
            result[2] = Dot(type, ref weights, ref x2, n);
            result[3] = Dot(type, ref weights, ref x3, n);
            return;
        }
        ref ushort w = ref Unsafe.As<byte, ushort>(ref weights);
        Vector512<float> a0 = default, b0 = default, c0 = default, d0 = default;
        Vector512<float> a1 = default, b1 = default, c1 = default, d1 = default;
        int i = 0;
        for (; i + Step <= n; i += Step)
        {
            var (w0, w1) = Widen512(type, ref w, i);
            nuint lo = (nuint)i, hi = (nuint)(i + 16);
            a0 = Vector512.FusedMultiplyAdd(w0, Vector512.LoadUnsafe(ref x0, lo), a0);
            a1 = Vector512.FusedMultiplyAdd(w1, Vector512.LoadUnsafe(ref x0, hi), a1);
            b0 = Vector512.FusedMultiplyAdd(w0, Vector512.LoadUnsafe(ref x1, lo), b0);
            b1 = Vector512.FusedMultiplyAdd(w1, Vector512.LoadUnsafe(ref x1, hi), b1);
            c0 = Vector512.FusedMultiplyAdd(w0, Vector512.LoadUnsafe(ref x2, lo), c0);
            c1 = Vector512.FusedMultiplyAdd(w1, Vector512.LoadUnsafe(ref x2, hi), c1);
            d0 = Vector512.FusedMultiplyAdd(w0, Vector512.LoadUnsafe(ref x3, lo), d0);
            d1 = Vector512.FusedMultiplyAdd(w1, Vector512.LoadUnsafe(ref x3, hi), d1);
        }
        float sa = Vector512.Sum(a0 + a1), sb = Vector512.Sum(b0 + b1), sc = Vector512.Sum(c0 + c1), sd = Vector512.Sum(d0 + d1);
        for (; i < n; i++)
        {
            float v = Scalar(type, Unsafe.Add(ref w, i));
            sa = MathF.FusedMultiplyAdd(v, Unsafe.Add(ref x0, i), sa);
            sb = MathF.FusedMultiplyAdd(v, Unsafe.Add(ref x1, i), sb);
            sc = MathF.FusedMultiplyAdd(v, Unsafe.Add(ref x2, i), sc);
            sd = MathF.FusedMultiplyAdd(v, Unsafe.Add(ref x3, i), sd);
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
