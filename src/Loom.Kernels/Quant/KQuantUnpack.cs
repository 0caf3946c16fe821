using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Loom.Kernels.Quant;

/// <summary>
/// Per-block scale unpacking for the K-quant dot kernels, done once per super-block with a few word operations
/// instead of per sub-block (the scalar unpacking cost more than the integer dots themselves). All integer, so
/// every kernel that uses it gives exactly the sums of the plain formulas.
/// </summary>
internal static unsafe class KQuantUnpack
{
    /// <summary>Q4_K/Q5_K's 12 packed bytes → the 8 six-bit scales and 8 minimums, byte j = sub-block j (see
    /// <see cref="KScales"/>: sub-blocks 4–7 take their low 4 bits from bytes 8–11, their top 2 from bytes 0–7's
    /// spare high bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScalesAndMins(byte* packed, out ulong scales, out ulong mins)
    {
        uint u0 = Unsafe.ReadUnaligned<uint>(packed), u1 = Unsafe.ReadUnaligned<uint>(packed + 4), u2 = Unsafe.ReadUnaligned<uint>(packed + 8);
        uint scales03 = u0 & 0x3F3F3F3F, mins03 = u1 & 0x3F3F3F3F;
        uint scales47 = (u2 & 0x0F0F0F0F) | ((u0 >> 6) & 0x03030303) << 4;
        uint mins47 = ((u2 >> 4) & 0x0F0F0F0F) | ((u1 >> 6) & 0x03030303) << 4;
        scales = scales03 | (ulong)scales47 << 32;
        mins = mins03 | (ulong)mins47 << 32;
    }

    /// <summary>The activation's 16-element sums added in pairs, P_j = bsums[2j] + bsums[2j+1] (one per 32-element
    /// sub-block; shared by every row that takes the same activation block).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<short> PairSums(short* bsums) => Ssse3.HorizontalAdd(Vector128.Load(bsums), Vector128.Load(bsums + 8));

    /// <summary>The minimums against the sub-blocks' activation sums in ggml's four lanes: lane k =
    /// m_2k·P_2k + m_2k+1·P_2k+1 (see <see cref="PairSums"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> MinLanes(ulong mins, Vector128<short> pairSums)
    {
        var m = Sse41.ConvertToVector128Int16(Vector128.CreateScalar(mins).AsByte());
        return Sse2.MultiplyAddAdjacent(m, pairSums);
    }

    /// <summary>Q6_K's 16 int8 scales widened to int32: sub-blocks 0–7 and 8–15.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<int> Low, Vector256<int> High) Q6Scales(sbyte* scales) =>
        (Avx2.ConvertToVector256Int32(Vector128.CreateScalar(*(long*)scales).AsSByte()),
         Avx2.ConvertToVector256Int32(Vector128.CreateScalar(*(long*)(scales + 8)).AsSByte()));

    /// <summary>Lanes 0–3 = scale 2k, lanes 4–7 = scale 2k+1 of eight widened scales (the layout of a 32-element dot).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> PairOfScales(Vector256<int> eight, int k) =>
        Avx2.PermuteVar8x32(eight, Vector256.Create(2 * k, 2 * k, 2 * k, 2 * k, 2 * k + 1, 2 * k + 1, 2 * k + 1, 2 * k + 1));
}
