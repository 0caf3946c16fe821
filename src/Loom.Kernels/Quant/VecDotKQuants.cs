using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Loom.Kernels.Quant;

// The 256-element K-quant dot products with Q8_K activations (see VecDot for the scheme).
public static partial class VecDot
{
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

    /// <summary>As <see cref="Q4_KQ8_K"/> with a fifth bit per quant: bit 2g of qh[l] for sub-block 2g, bit 2g+1
    /// for sub-block 2g+1.</summary>
    public static float Q5_KQ8_K(ReadOnlySpan<BlockQ5_K> x, ReadOnlySpan<BlockQ8_K> y)
    {
        if (!Avx2.IsSupported) return VecDotReference.Q5_KQ8_K(x, y);
        CheckBlocks(x.Length, y.Length);
        ref byte xb = ref Unsafe.As<BlockQ5_K, byte>(ref MemoryMarshal.GetReference(x));
        ref byte yb = ref Unsafe.As<BlockQ8_K, byte>(ref MemoryMarshal.GetReference(y));
        var low = Vector256.Create((byte)0xF);
        var one = Vector256.Create((byte)1);
        float sum = 0;
        for (int i = 0; i < x.Length; i++, xb = ref Unsafe.Add(ref xb, 176), yb = ref Unsafe.Add(ref yb, 292))
        {
            var scales = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref xb, 4), 12);
            ref short bsums = ref Unsafe.As<byte, short>(ref Unsafe.Add(ref yb, 260));
            var qh = Vector256.LoadUnsafe(ref xb, 16);
            var isum = Vector256<int>.Zero;
            int summ = 0;
            for (int g = 0; g < 4; g++)
            {
                var q = Vector256.LoadUnsafe(ref xb, (nuint)(48 + 32 * g));
                var q0 = (q & low) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(qh, 2 * g) & one, 4);
                var q1 = Vector256.ShiftRightLogical(q, 4) | Vector256.ShiftLeft(Vector256.ShiftRightLogical(qh, 2 * g + 1) & one, 4);
                KScales.ScaleMin(2 * g, scales, out int sc0, out int m0);
                KScales.ScaleMin(2 * g + 1, scales, out int sc1, out int m1);
                isum += DotU8S8(q0, Vector256.LoadUnsafe(ref yb, (nuint)(4 + 64 * g)).AsSByte()) * sc0;
                isum += DotU8S8(q1, Vector256.LoadUnsafe(ref yb, (nuint)(36 + 64 * g)).AsSByte()) * sc1;
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
}
