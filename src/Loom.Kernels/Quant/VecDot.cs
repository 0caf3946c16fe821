using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Loom.Core;

namespace Loom.Kernels.Quant;

/// <summary>
/// Dot products of a quantized weight row with an activation row quantized once to int8 blocks (Q8_0 for Q8_0, Q4_0
/// and Q5_0 weights, Q8_1 for Q4_1 and Q5_1, Q8_K for the K-quants), as ggml's CPU matmuls do: bytes multiply and
/// add in int32 with AVX-VNNI (vpdpbusd) or AVX2 (vpmaddubsw + vpmaddwd), and each block's integer sum is scaled once. Without AVX2 the
/// portable <see cref="VecDotReference"/> runs. Integer sums are exact; only the float accumulation differs from the
/// reference: its order, and the fused multiply-add with which the 32-element blocks accumulate, as ggml's AVX2 and
/// llamafile kernels do (it brings the quantized reference files' logits closer to llama.cpp's).
/// </summary>
public static partial class VecDot
{
    /// <summary>The activation block type a weight type's dot product takes.</summary>
    public static GgmlType ActivationType(GgmlType weightType) => weightType switch
    {
        GgmlType.Q8_0 or GgmlType.Q4_0 or GgmlType.Q5_0 => GgmlType.Q8_0,
        GgmlType.Q4_1 or GgmlType.Q5_1 => GgmlType.Q8_1,
        GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K => GgmlType.Q8_K,
        _ => throw new LoomException(LoomErrorCode.NotSupported,
            $"vec dot: weight type {weightType} has no integer dot product; supported: Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K"),
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
            GgmlType.Q4_1 => Q4_1Q8_1(MemoryMarshal.Cast<byte, BlockQ4_1>(weights), MemoryMarshal.Cast<byte, BlockQ8_1>(activations)),
            GgmlType.Q5_0 => Q5_0Q8_0(MemoryMarshal.Cast<byte, BlockQ5_0>(weights), MemoryMarshal.Cast<byte, BlockQ8_0>(activations)),
            GgmlType.Q5_1 => Q5_1Q8_1(MemoryMarshal.Cast<byte, BlockQ5_1>(weights), MemoryMarshal.Cast<byte, BlockQ8_1>(activations)),
            GgmlType.Q4_K => Q4_KQ8_K(MemoryMarshal.Cast<byte, BlockQ4_K>(weights), MemoryMarshal.Cast<byte, BlockQ8_K>(activations)),
            GgmlType.Q5_K => Q5_KQ8_K(MemoryMarshal.Cast<byte, BlockQ5_K>(weights), MemoryMarshal.Cast<byte, BlockQ8_K>(activations)),
            _ => Q6_KQ8_K(MemoryMarshal.Cast<byte, BlockQ6_K>(weights), MemoryMarshal.Cast<byte, BlockQ8_K>(activations)),
        };
    }

    /// <summary>The dot of <paramref name="blocks"/> weight blocks with as many activation blocks, unchecked: for the matmul,
    /// which validated the sizes once per call (per-row checks cost a measurable share of a 4096-column row's dot).</summary>
    internal static unsafe float Dot(GgmlType weightType, byte* w, byte* a, int blocks) => weightType switch
    {
        GgmlType.Q8_0 => Q8_0Q8_0(new ReadOnlySpan<BlockQ8_0>(w, blocks), new ReadOnlySpan<BlockQ8_0>(a, blocks)),
        GgmlType.Q4_0 => Q4_0Q8_0(new ReadOnlySpan<BlockQ4_0>(w, blocks), new ReadOnlySpan<BlockQ8_0>(a, blocks)),
        GgmlType.Q4_1 => Q4_1Q8_1(new ReadOnlySpan<BlockQ4_1>(w, blocks), new ReadOnlySpan<BlockQ8_1>(a, blocks)),
        GgmlType.Q5_0 => Q5_0Q8_0(new ReadOnlySpan<BlockQ5_0>(w, blocks), new ReadOnlySpan<BlockQ8_0>(a, blocks)),
        GgmlType.Q5_1 => Q5_1Q8_1(new ReadOnlySpan<BlockQ5_1>(w, blocks), new ReadOnlySpan<BlockQ8_1>(a, blocks)),
        GgmlType.Q4_K => Q4_KQ8_K(new ReadOnlySpan<BlockQ4_K>(w, blocks), new ReadOnlySpan<BlockQ8_K>(a, blocks)),
        GgmlType.Q5_K => Q5_KQ8_K(new ReadOnlySpan<BlockQ5_K>(w, blocks), new ReadOnlySpan<BlockQ8_K>(a, blocks)),
        GgmlType.Q6_K => Q6_KQ8_K(new ReadOnlySpan<BlockQ6_K>(w, blocks), new ReadOnlySpan<BlockQ8_K>(a, blocks)),
        _ => throw new LoomException(LoomErrorCode.NotSupported, $"vec dot: weight type {weightType} has no integer dot product"),
    };

    internal static void CheckBlocks(int x, int y)
    {
        if (x != y) throw LoomException.Shape("vec dot", $"the weight row has {x} blocks but the activation row has {y}");
    }

    internal static float Half(ref byte block, int offset) => HalfTable.Read(ref block, offset);

    /// <summary>Per int32 lane, the sum of 4 adjacent unsigned × signed byte products.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> DotU8S8(Vector256<byte> u, Vector256<sbyte> s) =>
        AvxVnni.IsSupported
            ? AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, u, s)
            : Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s), Vector256.Create((short)1));

    /// <summary>Signed × signed through the unsigned × signed instruction: |a| · (b with a's sign).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> DotS8S8(Vector256<sbyte> a, Vector256<sbyte> b) => DotU8S8(Avx2.Abs(a), Avx2.Sign(b, a));
}
