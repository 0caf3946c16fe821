using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Loom.Kernels.Quant.QuantGemmLayout;

namespace Loom.Kernels.Quant;

/// <summary>
/// Q4_0 and Q8_0 weight rows → the slivers of <see cref="QuantGemmLayout"/>. Q8_0: group g is bytes 4g..4g+3 of
/// qs, each flipped to unsigned (q + 128, one xor). Q4_0: in a block element j is the low nibble of
/// qs[j] (j &lt; 16) or the high nibble of qs[j − 16], so K group g (elements 4g..4g+3) is 32-bit word g mod 4 of the
/// low nibbles (g &lt; 4) or of the high nibbles (g ≥ 4). Four weight rows are read side by side, each front to back
/// (the hardware prefetcher follows four sequential streams; a gather across 16 rows per block was memory-latency
/// bound), and a 4 × 4 word transpose turns their words into group-major order: one 16-byte store per group.
/// </summary>
internal static unsafe class QuantGemmPacking
{
    private const int Q4_0Bytes = 18;
    private const int Q8_0Bytes = 34;

    /// <summary>Packs weight rows [row0, row0+count) (count ≤ Nr), K blocks [0, blocks), of a Q4_0 (else Q8_0) matrix into the sliver at dst.</summary>
    public static void Sliver(bool q4_0, byte* weights, long rowBytes, int row0, int count, int blocks, byte* dst)
    {
        if (q4_0) Sliver(weights, rowBytes, row0, count, blocks, dst);
        else SliverQ8_0(weights, rowBytes, row0, count, blocks, dst);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // called a few dozen times per prompt: skip the slow tiers
    private static void SliverQ8_0(byte* weights, long rowBytes, int row0, int count, int blocks, byte* dst)
    {
        int c = 0;
        if (Sse2.IsSupported)
        {
            var flip = Vector128.Create((byte)0x80);
            for (; c + 4 <= count; c += 4)
            {
                byte* row = weights + (row0 + c) * rowBytes;
                byte* d = dst + c * 4;
                float* scales = (float*)(dst + BScaleOffset) + c;
                for (int b = 0; b < blocks; b++, row += Q8_0Bytes, d += BBlockBytes, scales += BBlockBytes / sizeof(float))
                {
                    for (int half = 0; half < 2; half++)
                    {
                        byte* q = row + 2 + 16 * half;
                        Transpose4(Vector128.Load(q) ^ flip, Vector128.Load(q + rowBytes) ^ flip, Vector128.Load(q + 2 * rowBytes) ^ flip,
                            Vector128.Load(q + 3 * rowBytes) ^ flip, d + half * 4 * Nr * 4);
                    }
                    scales[0] = HalfTable.Read(ref *row, 0);
                    scales[1] = HalfTable.Read(ref row[rowBytes], 0);
                    scales[2] = HalfTable.Read(ref row[2 * rowBytes], 0);
                    scales[3] = HalfTable.Read(ref row[3 * rowBytes], 0);
                }
            }
        }
        for (; c < Nr; c++)
        {
            byte* row = weights + (row0 + c) * rowBytes;
            float* scales = (float*)(dst + BScaleOffset);
            for (int b = 0; b < blocks; b++)
            {
                byte* d = dst + (long)b * BBlockBytes + c * 4;
                byte* block = row + b * Q8_0Bytes;
                for (int g = 0; g < Groups; g++)
                    *(uint*)(d + g * Nr * 4) = c < count ? Unsafe.ReadUnaligned<uint>(block + 2 + 4 * g) ^ 0x80808080 : 0;
                scales[b * (BBlockBytes / sizeof(float)) + c] = c < count ? HalfTable.Read(ref *block, 0) : 0;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // called a few dozen times per prompt: skip the slow tiers
    private static void Sliver(byte* weights, long rowBytes, int row0, int count, int blocks, byte* dst)
    {
        int c = 0;
        if (Sse2.IsSupported)
            for (; c + 4 <= count; c += 4) FourRows(weights + (row0 + c) * rowBytes, rowBytes, blocks, dst + c * 4, (float*)(dst + BScaleOffset) + c);
        for (; c < Nr; c++)
        {
            byte* row = weights + (row0 + c) * rowBytes;
            float* scales = (float*)(dst + BScaleOffset);
            for (int b = 0; b < blocks; b++)
            {
                byte* d = dst + (long)b * BBlockBytes + c * 4;
                byte* block = row + b * Q4_0Bytes;
                for (int word = 0; word < 4; word++)
                {
                    uint q = c < count ? Unsafe.ReadUnaligned<uint>(block + 2 + 4 * word) : 0; // columns past the matrix: zeros
                    *(uint*)(d + word * Nr * 4) = q & 0x0F0F0F0F;
                    *(uint*)(d + (word + 4) * Nr * 4) = (q >> 4) & 0x0F0F0F0F;
                }
                scales[b * (BBlockBytes / sizeof(float)) + c] = c < count ? HalfTable.Read(ref *block, 0) : 0;
            }
        }
    }

    private static void FourRows(byte* row, long rowBytes, int blocks, byte* dst, float* scales)
    {
        var mask = Vector128.Create((byte)0x0F);
        for (int b = 0; b < blocks; b++, row += Q4_0Bytes, dst += BBlockBytes, scales += BBlockBytes / sizeof(float))
        {
            var q0 = Vector128.Load(row + 2);
            var q1 = Vector128.Load(row + rowBytes + 2);
            var q2 = Vector128.Load(row + 2 * rowBytes + 2);
            var q3 = Vector128.Load(row + 3 * rowBytes + 2);
            Transpose4(q0 & mask, q1 & mask, q2 & mask, q3 & mask, dst);
            Transpose4(Vector128.ShiftRightLogical(q0.AsUInt16(), 4).AsByte() & mask, Vector128.ShiftRightLogical(q1.AsUInt16(), 4).AsByte() & mask,
                Vector128.ShiftRightLogical(q2.AsUInt16(), 4).AsByte() & mask, Vector128.ShiftRightLogical(q3.AsUInt16(), 4).AsByte() & mask,
                dst + 4 * Nr * 4);
            scales[0] = HalfTable.Read(ref *row, 0);
            scales[1] = HalfTable.Read(ref row[rowBytes], 0);
            scales[2] = HalfTable.Read(ref row[2 * rowBytes], 0);
            scales[3] = HalfTable.Read(ref row[3 * rowBytes], 0);
        }
    }

    /// <summary>Rows r0..r3 of four 32-bit words → word w of each, side by side, at dst + w·Nr·4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4(Vector128<byte> r0, Vector128<byte> r1, Vector128<byte> r2, Vector128<byte> r3, byte* dst)
    {
        var t0 = Sse2.UnpackLow(r0.AsUInt32(), r1.AsUInt32()).AsUInt64();
        var t1 = Sse2.UnpackLow(r2.AsUInt32(), r3.AsUInt32()).AsUInt64();
        var t2 = Sse2.UnpackHigh(r0.AsUInt32(), r1.AsUInt32()).AsUInt64();
        var t3 = Sse2.UnpackHigh(r2.AsUInt32(), r3.AsUInt32()).AsUInt64();
        Sse2.UnpackLow(t0, t1).Store((ulong*)dst);
        Sse2.UnpackHigh(t0, t1).Store((ulong*)(dst + Nr * 4));
        Sse2.UnpackLow(t2, t3).Store((ulong*)(dst + 2 * Nr * 4));
        Sse2.UnpackHigh(t2, t3).Store((ulong*)(dst + 3 * Nr * 4));
    }
}
