using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Loom.Kernels.Quant;

/// <summary>
/// Dequantizes a row of ggml blocks to float32 with 256-bit vectors: each block's quants are unpacked to 32 signed
/// bytes, widened to floats and scaled. Same float operations in the same order as <see cref="DequantizeReference"/>
/// (no fused multiply-add), so the results are bit-identical to it; without 256-bit hardware it calls that twin.
/// </summary>
public static class Dequantize
{
    public static void Row(GgmlType type, ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (!Vector256.IsHardwareAccelerated)
        {
            DequantizeReference.Row(type, source, destination);
            return;
        }
        QuantRowChecks.Check("dequantize", type, source.Length, destination.Length);
        switch (type)
        {
            case GgmlType.F32: MemoryMarshal.Cast<byte, float>(source).CopyTo(destination); break;
            case GgmlType.F16: TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination); break;
            case GgmlType.BF16: BFloat16Conversion.ToSingle(MemoryMarshal.Cast<byte, ushort>(source), destination); break;
            case GgmlType.Q4_0: Legacy(source, destination, 18, Q4_0); break;
            case GgmlType.Q4_1: Legacy(source, destination, 20, Q4_1); break;
            case GgmlType.Q5_0: Legacy(source, destination, 22, Q5_0); break;
            case GgmlType.Q5_1: Legacy(source, destination, 24, Q5_1); break;
            case GgmlType.Q8_0: Legacy(source, destination, 34, Q8_0); break;
            case GgmlType.Q8_1: Legacy(source, destination, 36, Q8_1); break;
            case GgmlType.Q4_K: Legacy(source, destination, 144, Q4_K, 256); break;
            case GgmlType.Q5_K: Legacy(source, destination, 176, Q5_K, 256); break;
            case GgmlType.Q6_K: Legacy(source, destination, 210, Q6_K, 256); break;
            case GgmlType.Q8_K: DequantizeReference.Row(type, source, destination); break; // activations only; never hot
            default: throw DequantizeReference.Unsupported(type);
        }
    }

    private delegate void BlockDecoder(ref byte block, ref float y);

    private static void Legacy(ReadOnlySpan<byte> source, Span<float> destination, int typeSize, BlockDecoder decode, int blockSize = 32)
    {
        ref byte src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        int blocks = destination.Length / blockSize;
        for (int i = 0; i < blocks; i++)
            decode(ref Unsafe.Add(ref src, i * typeSize), ref Unsafe.Add(ref dst, i * blockSize));
    }

    private static float ReadHalf(ref byte block, int offset) => HalfTable.Read(ref block, offset);

    private static void Q4_0(ref byte b, ref float y) =>
        Store(QuantBits.Nibbles(Vector128.LoadUnsafe(ref b, 2)).AsSByte() - Vector256.Create((sbyte)8), ReadHalf(ref b, 0), ref y);

    private static void Q4_1(ref byte b, ref float y) =>
        StoreAffine(QuantBits.Nibbles(Vector128.LoadUnsafe(ref b, 4)).AsSByte(), ReadHalf(ref b, 0), ReadHalf(ref b, 2), ref y);

    private static void Q5_0(ref byte b, ref float y) =>
        Store((QuantBits.Nibbles(Vector128.LoadUnsafe(ref b, 6)) | QuantBits.FifthBits(ref Unsafe.Add(ref b, 2))).AsSByte() - Vector256.Create((sbyte)16),
            ReadHalf(ref b, 0), ref y);

    private static void Q5_1(ref byte b, ref float y) =>
        StoreAffine((QuantBits.Nibbles(Vector128.LoadUnsafe(ref b, 8)) | QuantBits.FifthBits(ref Unsafe.Add(ref b, 4))).AsSByte(),
            ReadHalf(ref b, 0), ReadHalf(ref b, 2), ref y);

    private static void Q8_0(ref byte b, ref float y) => Store(Vector256.LoadUnsafe(ref b, 2).AsSByte(), ReadHalf(ref b, 0), ref y);

    private static void Q8_1(ref byte b, ref float y) => Store(Vector256.LoadUnsafe(ref b, 4).AsSByte(), ReadHalf(ref b, 0), ref y);

    private static void Q4_K(ref byte b, ref float y)
    {
        float d = ReadHalf(ref b, 0), dmin = ReadHalf(ref b, 2);
        var scales = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref b, 4), 12);
        var low = Vector256.Create((byte)0xF);
        for (int group = 0; group < 4; group++)
        {
            var q = Vector256.LoadUnsafe(ref b, (nuint)(16 + group * 32));
            KScales.ScaleMin(2 * group, scales, out int sc0, out int m0);
            KScales.ScaleMin(2 * group + 1, scales, out int sc1, out int m1);
            StoreAffine((q & low).AsSByte(), d * sc0, -(dmin * m0), ref Unsafe.Add(ref y, group * 64));
            StoreAffine(Vector256.ShiftRightLogical(q, 4).AsSByte(), d * sc1, -(dmin * m1), ref Unsafe.Add(ref y, group * 64 + 32));
        }
    }

    private static void Q5_K(ref byte b, ref float y)
    {
        float d = ReadHalf(ref b, 0), dmin = ReadHalf(ref b, 2);
        var scales = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref b, 4), 12);
        var qh = Vector256.LoadUnsafe(ref b, 16);
        var low = Vector256.Create((byte)0xF);
        var one = Vector256.Create((byte)1);
        for (int group = 0; group < 4; group++)
        {
            var q = Vector256.LoadUnsafe(ref b, (nuint)(48 + group * 32));
            var h0 = Vector256.ShiftLeft(Vector256.ShiftRightLogical(qh, 2 * group) & one, 4);
            var h1 = Vector256.ShiftLeft(Vector256.ShiftRightLogical(qh, 2 * group + 1) & one, 4);
            KScales.ScaleMin(2 * group, scales, out int sc0, out int m0);
            KScales.ScaleMin(2 * group + 1, scales, out int sc1, out int m1);
            StoreAffine(((q & low) | h0).AsSByte(), d * sc0, -(dmin * m0), ref Unsafe.Add(ref y, group * 64));
            StoreAffine((Vector256.ShiftRightLogical(q, 4) | h1).AsSByte(), d * sc1, -(dmin * m1), ref Unsafe.Add(ref y, group * 64 + 32));
        }
    }

    private static void Q6_K(ref byte b, ref float y)
    {
        float d = ReadHalf(ref b, 208);
        var low = Vector256.Create((byte)0xF);
        var three = Vector256.Create((byte)3);
        var bias = Vector256.Create((sbyte)32);
        for (int half = 0; half < 2; half++)
        {
            var ql0 = Vector256.LoadUnsafe(ref b, (nuint)(half * 64));
            var ql1 = Vector256.LoadUnsafe(ref b, (nuint)(half * 64 + 32));
            var qh = Vector256.LoadUnsafe(ref b, (nuint)(128 + half * 32));
            ref sbyte sc = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref b, 192 + half * 8));
            ref float o = ref Unsafe.Add(ref y, half * 128);
            for (int k = 0; k < 4; k++) // element group k: nibble k/2 of ql(k%2), bits 2k..2k+1 of qh
            {
                var ql = (k & 1) == 0 ? ql0 : ql1;
                var nibble = k < 2 ? ql & low : Vector256.ShiftRightLogical(ql, 4);
                var q = (nibble | Vector256.ShiftLeft(Vector256.ShiftRightLogical(qh, 2 * k) & three, 4)).AsSByte() - bias;
                StoreTwoScales(q, d * Unsafe.Add(ref sc, 2 * k), d * Unsafe.Add(ref sc, 2 * k + 1), ref Unsafe.Add(ref o, 32 * k));
            }
        }
    }

    private static (Vector256<float>, Vector256<float>, Vector256<float>, Vector256<float>) Widen(Vector256<sbyte> q)
    {
        var (s0, s1) = Vector256.Widen(q);
        var (i0, i1) = Vector256.Widen(s0);
        var (i2, i3) = Vector256.Widen(s1);
        return (Vector256.ConvertToSingle(i0), Vector256.ConvertToSingle(i1), Vector256.ConvertToSingle(i2), Vector256.ConvertToSingle(i3));
    }

    private static void Store(Vector256<sbyte> q, float scale, ref float y) => StoreTwoScales(q, scale, scale, ref y);

    /// <summary>y[0..16) = q·scale0, y[16..32) = q·scale1.</summary>
    private static void StoreTwoScales(Vector256<sbyte> q, float scale0, float scale1, ref float y)
    {
        var (f0, f1, f2, f3) = Widen(q);
        var s0 = Vector256.Create(scale0);
        var s1 = Vector256.Create(scale1);
        (f0 * s0).StoreUnsafe(ref y, 0);
        (f1 * s0).StoreUnsafe(ref y, 8);
        (f2 * s1).StoreUnsafe(ref y, 16);
        (f3 * s1).StoreUnsafe(ref y, 24);
    }

    /// <summary>y = q·scale + offset (separate multiply and add, as the reference rounds twice).</summary>
    private static void StoreAffine(Vector256<sbyte> q, float scale, float offset, ref float y)
    {
        var (f0, f1, f2, f3) = Widen(q);
        var s = Vector256.Create(scale);
        var m = Vector256.Create(offset);
        (f0 * s + m).StoreUnsafe(ref y, 0);
        (f1 * s + m).StoreUnsafe(ref y, 8);
        (f2 * s + m).StoreUnsafe(ref y, 16);
        (f3 * s + m).StoreUnsafe(ref y, 24);
    }
}
