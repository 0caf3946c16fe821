using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Loom.Kernels.Quant;

// The 32-element block types' dot products (see VecDot for the scheme).
public static partial class VecDot
{
    public static unsafe float Q8_0Q8_0(ReadOnlySpan<BlockQ8_0> x, ReadOnlySpan<BlockQ8_0> y)
    {
        if (!Avx2.IsSupported) return VecDotReference.Q8_0Q8_0(x, y);
        CheckBlocks(x.Length, y.Length);
        fixed (BlockQ8_0* xp = x)
        fixed (BlockQ8_0* yp = y)
        {
            byte* xb = (byte*)xp, yb = (byte*)yp;
            var acc = Vector256<float>.Zero;
            for (int i = 0; i < x.Length; i++, xb += 34, yb += 34)
            {
                // A weight row is read once per token: fetch the matrix's bytes well ahead (rows are contiguous, so across
                // row ends too). One prefetch per 34-byte block touches every line.
                if (Sse.IsSupported) Sse.Prefetch0(xb + Q8_0PrefetchBytes);
                var p = DotS8S8(Vector256.Load((sbyte*)xb + 2), Vector256.Load((sbyte*)yb + 2));
                acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(p), Vector256.Create(Half(ref *xb, 0) * Half(ref *yb, 0)), acc);
            }
            return GgmlSums.HorizontalSum(acc);
        }
    }

    /// <summary>How far ahead <see cref="Q8_0Q8_0"/> prefetches its weights. Measured (decode of a 200M Q8_0 model, 1
    /// thread, best of 3 on a shared machine): none 117 tok/s (gate+up mat-vecs 2.72 ms), 8 KB 140 (2.40 ms), 16 KB 138.
    /// Q4_0 and the K-quants gained nothing from it in the single-row loop.</summary>
    private const int Q8_0PrefetchBytes = 8192;

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
            var q = QuantBits.Nibbles(Vector128.LoadUnsafe(ref xb, 2));
            var y8 = Vector256.LoadUnsafe(ref yb, 2).AsSByte();
            // Σ (q − 8)·y: with VNNI as Σ q·y − Σ 8·y (two vpdpbusd, no sign juggling), else through the signed form.
            var p = AvxVnni.IsSupported ? DotU8S8(q, y8) - DotU8S8(eight.AsByte(), y8) : DotS8S8(q.AsSByte() - eight, y8);
            acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(p), Vector256.Create(Half(ref xb, 0) * Half(ref yb, 0)), acc);
        }
        return GgmlSums.HorizontalSum(acc);
    }

    /// <summary>Σ d_x·d_y·Σ q·y + m_x·s_y: the unsigned 4-bit quants dot the int8 activations directly, and the
    /// minimum meets the activation block's precomputed s = d_y·Σ y.</summary>
    public static float Q4_1Q8_1(ReadOnlySpan<BlockQ4_1> x, ReadOnlySpan<BlockQ8_1> y)
    {
        if (!Avx2.IsSupported) return VecDotReference.Q4_1Q8_1(x, y);
        CheckBlocks(x.Length, y.Length);
        ref byte xb = ref Unsafe.As<BlockQ4_1, byte>(ref MemoryMarshal.GetReference(x));
        ref byte yb = ref Unsafe.As<BlockQ8_1, byte>(ref MemoryMarshal.GetReference(y));
        var acc = Vector256<float>.Zero;
        float summs = 0;
        for (int i = 0; i < x.Length; i++, xb = ref Unsafe.Add(ref xb, 20), yb = ref Unsafe.Add(ref yb, 36))
        {
            var p = DotU8S8(QuantBits.Nibbles(Vector128.LoadUnsafe(ref xb, 4)), Vector256.LoadUnsafe(ref yb, 4).AsSByte());
            acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(p), Vector256.Create(Half(ref xb, 0) * Half(ref yb, 0)), acc);
            summs = MathF.FusedMultiplyAdd(Half(ref xb, 2), Half(ref yb, 2), summs);
        }
        return GgmlSums.HorizontalSum(acc) + summs;
    }

    /// <summary>The 5-bit quants (fifth bit from qh) offset by −16 to signed bytes, then as Q8_0·Q8_0.</summary>
    public static float Q5_0Q8_0(ReadOnlySpan<BlockQ5_0> x, ReadOnlySpan<BlockQ8_0> y)
    {
        if (!Avx2.IsSupported) return VecDotReference.Q5_0Q8_0(x, y);
        CheckBlocks(x.Length, y.Length);
        ref byte xb = ref Unsafe.As<BlockQ5_0, byte>(ref MemoryMarshal.GetReference(x));
        ref byte yb = ref Unsafe.As<BlockQ8_0, byte>(ref MemoryMarshal.GetReference(y));
        var acc = Vector256<float>.Zero;
        var sixteen = Vector256.Create((sbyte)16);
        for (int i = 0; i < x.Length; i++, xb = ref Unsafe.Add(ref xb, 22), yb = ref Unsafe.Add(ref yb, 34))
        {
            var q = (QuantBits.Nibbles(Vector128.LoadUnsafe(ref xb, 6)) | QuantBits.FifthBits(ref Unsafe.Add(ref xb, 2))).AsSByte() - sixteen;
            var p = DotS8S8(q, Vector256.LoadUnsafe(ref yb, 2).AsSByte());
            acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(p), Vector256.Create(Half(ref xb, 0) * Half(ref yb, 0)), acc);
        }
        return GgmlSums.HorizontalSum(acc);
    }

    /// <summary>As <see cref="Q4_1Q8_1"/> with 5-bit unsigned quants.</summary>
    public static float Q5_1Q8_1(ReadOnlySpan<BlockQ5_1> x, ReadOnlySpan<BlockQ8_1> y)
    {
        if (!Avx2.IsSupported) return VecDotReference.Q5_1Q8_1(x, y);
        CheckBlocks(x.Length, y.Length);
        ref byte xb = ref Unsafe.As<BlockQ5_1, byte>(ref MemoryMarshal.GetReference(x));
        ref byte yb = ref Unsafe.As<BlockQ8_1, byte>(ref MemoryMarshal.GetReference(y));
        var acc = Vector256<float>.Zero;
        float summs = 0;
        for (int i = 0; i < x.Length; i++, xb = ref Unsafe.Add(ref xb, 24), yb = ref Unsafe.Add(ref yb, 36))
        {
            var q = QuantBits.Nibbles(Vector128.LoadUnsafe(ref xb, 8)) | QuantBits.FifthBits(ref Unsafe.Add(ref xb, 4));
            var p = DotU8S8(q, Vector256.LoadUnsafe(ref yb, 4).AsSByte());
            acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(p), Vector256.Create(Half(ref xb, 0) * Half(ref yb, 0)), acc);
            summs = MathF.FusedMultiplyAdd(Half(ref xb, 2), Half(ref yb, 2), summs);
        }
        return GgmlSums.HorizontalSum(acc) + summs;
    }
}
