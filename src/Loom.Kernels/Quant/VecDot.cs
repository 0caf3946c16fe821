using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Loom.Core;

namespace Loom.Kernels.Quant;

/// <summary>
/// Dot products of a quantized weight row with an activation row quantized once to int8 blocks (Q8_0 for Q8_0 and
/// Q4_0 weights, Q8_K for Q4_K and Q6_K), as ggml's CPU matmuls do: bytes multiply and add in int32 with AVX-VNNI
/// (vpdpbusd) or AVX2 (vpmaddubsw + vpmaddwd), and each block's integer sum is scaled once. Without AVX2 the
/// portable <see cref="VecDotReference"/> runs. Integer sums are exact; only the float accumulation order differs
/// from the reference.
/// </summary>
public static class VecDot
{
    /// <summary>The activation block type a weight type's dot product takes.</summary>
    public static GgmlType ActivationType(GgmlType weightType) => weightType switch
    {
        GgmlType.Q8_0 or GgmlType.Q4_0 => GgmlType.Q8_0,
        GgmlType.Q4_K or GgmlType.Q6_K => GgmlType.Q8_K,
        _ => throw new LoomException(LoomErrorCode.NotSupported,
            $"vec dot: weight type {weightType} has no integer dot product; supported: Q8_0, Q4_0, Q4_K, Q6_K"),
    };

    /// <summary>Dot of a row of <paramref name="weightType"/> blocks with a row of <see cref="ActivationType"/> blocks.</summary>
    public static float Dot(GgmlType weightType, ReadOnlySpan<byte> weights, ReadOnlySpan<byte> activations)
    {
        GgmlType activationType = ActivationType(weightType);
        int blocks = weights.Length / GgmlTypeTraits.TypeSize(weightType);
        QuantRowChecks.Check("vec dot", weightType, weights.Length, blocks * GgmlTypeTraits.BlockSize(weightType));
        QuantRowChecks.Check("vec dot", activationType, activations.Length, blocks * GgmlTypeTraits.BlockSize(weightType));
        return weightType switch
        {
            GgmlType.Q8_0 => Q8_0Q8_0(MemoryMarshal.Cast<byte, BlockQ8_0>(weights), MemoryMarshal.Cast<byte, BlockQ8_0>(activations)),
            GgmlType.Q4_0 => Q4_0Q8_0(MemoryMarshal.Cast<byte, BlockQ4_0>(weights), MemoryMarshal.Cast<byte, BlockQ8_0>(activations)),
            GgmlType.Q4_K => Q4_KQ8_K(MemoryMarshal.Cast<byte, BlockQ4_K>(weights), MemoryMarshal.Cast<byte, BlockQ8_K>(activations)),
            _ => Q6_KQ8_K(MemoryMarshal.Cast<byte, BlockQ6_K>(weights), MemoryMarshal.Cast<byte, BlockQ8_K>(activations)),
        };
    }

    internal static void CheckBlocks(int x, int y)
    {
        if (x != y) throw LoomException.Shape("vec dot", $"the weight row has {x} blocks but the activation row has {y}");
    }

    public static float Q8_0Q8_0(ReadOnlySpan<BlockQ8_0> x, ReadOnlySpan<BlockQ8_0> y)
    {
        if (!Avx2.IsSupported) return VecDotReference.Q8_0Q8_0(x, y);
        CheckBlocks(x.Length, y.Length);
        ref byte xb = ref Unsafe.As<BlockQ8_0, byte>(ref MemoryMarshal.GetReference(x));
        ref byte yb = ref Unsafe.As<BlockQ8_0, byte>(ref MemoryMarshal.GetReference(y));
        var acc = Vector256<float>.Zero;
        for (int i = 0; i < x.Length; i++, xb = ref Unsafe.Add(ref xb, 34), yb = ref Unsafe.Add(ref yb, 34))
        {
            var p = DotS8S8(Vector256.LoadUnsafe(ref xb, 2).AsSByte(), Vector256.LoadUnsafe(ref yb, 2).AsSByte());
            acc += Vector256.ConvertToSingle(p) * Vector256.Create(Half(ref xb, 0) * Half(ref yb, 0));
        }
        return Vector256.Sum(acc);
    }

    public static float Q4_0Q8_0(ReadOnlySpan<BlockQ4_0> x, ReadOnlySpan<BlockQ8_0> y)
    {
        if (!Avx2.IsSupported) return VecDotReference.Q4_0Q8_0(x, y);
        CheckBlocks(x.Length, y.Length);
        ref byte xb = ref Unsafe.As<BlockQ4_0, byte>(ref MemoryMarshal.GetReference(x));
        ref byte yb = ref Unsafe.As<BlockQ8_0, byte>(ref MemoryMarshal.GetReference(y));
        var acc = Vector256<float>.Zero;
        var eight = Vector256.Create((sbyte)8);
        for (int i = 0; i < x.Length; i++, xb = ref Unsafe.Add(ref xb, 18), yb = ref Unsafe.Add(ref yb, 34))
        {
            var packed = Vector128.LoadUnsafe(ref xb, 2);
            var q = Vector256.Create(packed & Vector128.Create((byte)0xF), Vector128.ShiftRightLogical(packed, 4)).AsSByte() - eight;
            var p = DotS8S8(q, Vector256.LoadUnsafe(ref yb, 2).AsSByte());
            acc += Vector256.ConvertToSingle(p) * Vector256.Create(Half(ref xb, 0) * Half(ref yb, 0));
        }
        return Vector256.Sum(acc);
    }

    public static float Q4_KQ8_K(ReadOnlySpan<BlockQ4_K> x, ReadOnlySpan<BlockQ8_K> y)
    {
        if (!Avx2.IsSupported) return VecDotReference.Q4_KQ8_K(x, y);
        CheckBlocks(x.Length, y.Length);
        ref byte xb = ref Unsafe.As<BlockQ4_K, byte>(ref MemoryMarshal.GetReference(x));
        ref byte yb = ref Unsafe.As<BlockQ8_K, byte>(ref MemoryMarshal.GetReference(y));
        var low = Vector256.Create((byte)0xF);
        float sum = 0;
        for (int i = 0; i < x.Length; i++, xb = ref Unsafe.Add(ref xb, 144), yb = ref Unsafe.Add(ref yb, 292))
        {
            var scales = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref xb, 4), 12);
            ref short bsums = ref Unsafe.As<byte, short>(ref Unsafe.Add(ref yb, 260));
            var isum = Vector256<int>.Zero;
            int summ = 0;
            for (int g = 0; g < 4; g++)
            {
                var q = Vector256.LoadUnsafe(ref xb, (nuint)(16 + 32 * g));
                KScales.ScaleMin(2 * g, scales, out int sc0, out int m0);
                KScales.ScaleMin(2 * g + 1, scales, out int sc1, out int m1);
                isum += DotU8S8(q & low, Vector256.LoadUnsafe(ref yb, (nuint)(4 + 64 * g)).AsSByte()) * sc0;
                isum += DotU8S8(Vector256.ShiftRightLogical(q, 4), Vector256.LoadUnsafe(ref yb, (nuint)(36 + 64 * g)).AsSByte()) * sc1;
                summ += m0 * (Unsafe.Add(ref bsums, 4 * g) + Unsafe.Add(ref bsums, 4 * g + 1))
                      + m1 * (Unsafe.Add(ref bsums, 4 * g + 2) + Unsafe.Add(ref bsums, 4 * g + 3));
            }
            float dy = Unsafe.ReadUnaligned<float>(ref yb);
            sum += dy * Half(ref xb, 0) * Vector256.Sum(isum) - dy * Half(ref xb, 2) * summ;
        }
        return sum;
    }

    public static float Q6_KQ8_K(ReadOnlySpan<BlockQ6_K> x, ReadOnlySpan<BlockQ8_K> y)
    {
        if (!Avx2.IsSupported) return VecDotReference.Q6_KQ8_K(x, y);
        CheckBlocks(x.Length, y.Length);
        ref byte xb = ref Unsafe.As<BlockQ6_K, byte>(ref MemoryMarshal.GetReference(x));
        ref byte yb = ref Unsafe.As<BlockQ8_K, byte>(ref MemoryMarshal.GetReference(y));
        var low = Vector256.Create((byte)0xF);
        var three = Vector256.Create((byte)3);
        float sum = 0;
        for (int i = 0; i < x.Length; i++, xb = ref Unsafe.Add(ref xb, 210), yb = ref Unsafe.Add(ref yb, 292))
        {
            ref sbyte sc = ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref xb, 192));
            ref short bsums = ref Unsafe.As<byte, short>(ref Unsafe.Add(ref yb, 260));
            var isum = Vector256<int>.Zero;
            for (int half = 0; half < 2; half++)
            {
                var ql0 = Vector256.LoadUnsafe(ref xb, (nuint)(half * 64));
                var ql1 = Vector256.LoadUnsafe(ref xb, (nuint)(half * 64 + 32));
                var qh = Vector256.LoadUnsafe(ref xb, (nuint)(128 + half * 32));
                for (int k = 0; k < 4; k++) // 32 elements: sub-blocks j and j + 1 of 16
                {
                    var ql = (k & 1) == 0 ? ql0 : ql1;
                    var nibble = k < 2 ? ql & low : Vector256.ShiftRightLogical(ql, 4);
                    var q = nibble | Vector256.ShiftLeft(Vector256.ShiftRightLogical(qh, 2 * k) & three, 4); // 0..63, unbiased
                    var p = DotU8S8(q, Vector256.LoadUnsafe(ref yb, (nuint)(4 + half * 128 + 32 * k)).AsSByte());
                    int j = half * 8 + 2 * k;
                    isum += p * Vector256.Create(Vector128.Create((int)Unsafe.Add(ref sc, j)), Vector128.Create((int)Unsafe.Add(ref sc, j + 1)));
                }
            }
            int bias = 0; // the −32 offset of every quant, applied once through the activation sums
            for (int j = 0; j < 16; j++) bias += Unsafe.Add(ref sc, j) * Unsafe.Add(ref bsums, j);
            sum += Half(ref xb, 208) * Unsafe.ReadUnaligned<float>(ref yb) * (Vector256.Sum(isum) - 32 * bias);
        }
        return sum;
    }

    private static float Half(ref byte block, int offset) => HalfTable.Read(ref block, offset);

    /// <summary>Per int32 lane, the sum of 4 adjacent unsigned × signed byte products.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> DotU8S8(Vector256<byte> u, Vector256<sbyte> s) =>
        AvxVnni.IsSupported
            ? AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, u, s)
            : Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s), Vector256.Create((short)1));

    /// <summary>Signed × signed through the unsigned × signed instruction: |a| · (b with a's sign).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> DotS8S8(Vector256<sbyte> a, Vector256<sbyte> b) => DotU8S8(Avx2.Abs(a), Avx2.Sign(b, a));
}
