using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Loom.Kernels.Quant;

/// <summary>Unpacking of the 32-element legacy blocks' packed quants into 32 bytes, shared by dequantization and the
/// dot products.</summary>
internal static class QuantBits
{
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
