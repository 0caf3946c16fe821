using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Loom.Kernels.Quant.QuantGemmLayout;

namespace Loom.Kernels.Quant;

/// <summary>
/// Q4_0 weight rows → the slivers of <see cref="QuantGemmLayout"/>. In a Q4_0 block element j is the low nibble of
/// qs[j] (j &lt; 16) or the high nibble of qs[j − 16], so K group g (elements 4g..4g+3) is one 32-bit word of qs
/// (word g mod 4), masked (g &lt; 4) or shifted right by 4 (g ≥ 4). A full sliver gathers that word from 16 rows at once.
/// </summary>
internal static unsafe class QuantGemmPacking
{
    private const int Q4_0Bytes = 18;

    /// <summary>Packs weight rows [row0, row0+count) (count ≤ Nr), K blocks [block0, block0+blocks), into the sliver at dst.</summary>
    public static void Sliver(byte* weights, long rowBytes, int row0, int count, int block0, int blocks, byte* dst)
    {
        byte* first = weights + row0 * rowBytes + (long)block0 * Q4_0Bytes;
        if (count == Nr && Avx512F.IsSupported && rowBytes * Nr <= int.MaxValue) SliverAvx512(first, (int)rowBytes, blocks, dst);
        else SliverScalar(first, rowBytes, count, blocks, dst);
    }

    private static void SliverAvx512(byte* first, int rowBytes, int blocks, byte* dst)
    {
        // No 512-bit gather in .NET: two 8-row gathers make the 16 rows of one vector.
        var index = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * rowBytes;
        int eighth = 8 * rowBytes;
        var low = Vector512.Create(0x0F0F0F0F);
        for (int b = 0; b < blocks; b++, dst += BBlockBytes)
        {
            byte* block = first + b * Q4_0Bytes;
            for (int half = 0; half < 2; half++)
            {
                byte* rows = block + half * 16 * rowBytes;
                byte* d = dst + half * 64;
                for (int word = 0; word < 4; word++)
                {
                    int* at = (int*)(rows + 2 + 4 * word);
                    var q = Vector512.Create(Avx2.GatherVector256(at, index, 1), Avx2.GatherVector256((int*)((byte*)at + eighth), index, 1));
                    (q & low).Store((int*)(d + word * Nr * 4));
                    (Vector512.ShiftRightLogical(q, 4) & low).Store((int*)(d + (word + 4) * Nr * 4));
                }
                float* scales = (float*)(dst + BScaleOffset) + half * 16;
                for (int c = 0; c < 16; c++) scales[c] = HalfTable.Read(ref rows[c * rowBytes], 0);
            }
        }
    }

    private static void SliverScalar(byte* first, long rowBytes, int count, int blocks, byte* dst)
    {
        for (int b = 0; b < blocks; b++, dst += BBlockBytes)
        {
            float* scales = (float*)(dst + BScaleOffset);
            for (int c = 0; c < Nr; c++)
            {
                if (c >= count)
                {
                    for (int g = 0; g < Groups; g++) *(uint*)(dst + (g * Nr + c) * 4) = 0;
                    scales[c] = 0;
                    continue;
                }
                byte* block = first + c * rowBytes + b * Q4_0Bytes;
                for (int word = 0; word < 4; word++)
                {
                    uint q = Unsafe.ReadUnaligned<uint>(block + 2 + 4 * word);
                    *(uint*)(dst + (word * Nr + c) * 4) = q & 0x0F0F0F0F;
                    *(uint*)(dst + ((word + 4) * Nr + c) * 4) = (q >> 4) & 0x0F0F0F0F;
                }
                scales[c] = HalfTable.Read(ref *block, 0);
            }
        }
    }
}
