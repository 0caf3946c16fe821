using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Loom.Kernels.Quant;

/// <summary>Unpacking of the 32-element legacy blocks' packed quants into 32 bytes, shared by dequantization and the
/// dot products.</summary>
internal static unsafe class QuantBits
{
    /// <summary><see cref="Nibbles"/> of the 16 bytes at <paramref name="packed"/> in three instructions (AVX2): the bytes
    /// loaded into both halves, the upper half's 64-bit lanes shifted right by 4, one AND — where the portable form
    /// takes a 16-bit shift and two ANDs on halves and an insert.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> NibblesAt(byte* packed)
    {
        if (!Avx2.IsSupported) return Nibbles(Vector128.Load(packed));
        var both = Avx2.BroadcastVector128ToVector256(packed).AsUInt64();
        return Avx2.ShiftRightLogicalVariable(both, Vector256.Create(0UL, 0UL, 4UL, 4UL)).AsByte() & Vector256.Create((byte)0xF);
    }

    /// <summary>Nibbles of 16 bytes as 32 bytes: low nibbles first (elements 0–15), then high nibbles (16–31).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Nibbles(Vector128<byte> packed) =>
        Vector256.Create(packed & Vector128.Create((byte)0xF), Vector128.ShiftRightLogical(packed, 4));

    /// <summary>0x10 in byte j where bit j of the 32-bit little-endian word at qh is set (the Q5 fifth bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> FifthBits(ref byte qh)
    {
        const ulong Spread = 0x0101010101010101;
        var repeated = Vector256.Create(qh * Spread, Unsafe.Add(ref qh, 1) * Spread, Unsafe.Add(ref qh, 2) * Spread, Unsafe.Add(ref qh, 3) * Spread).AsByte();
        var bit = Vector256.Create(0x8040201008040201UL).AsByte();
        return Vector256.Equals(repeated & bit, bit) & Vector256.Create((byte)0x10);
    }
}
