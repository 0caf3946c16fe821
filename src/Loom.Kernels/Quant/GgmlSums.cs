using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Loom.Kernels.Quant;

/// <summary>Horizontal sums in the order of ggml's x86 reductions, so a dot product that accumulates its lanes as ggml
/// does also ends with the same rounding.</summary>
internal static class GgmlSums
{
    /// <summary>ggml's hsum_float_8: the halves added, then (r0 + r2) + (r1 + r3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalSum(Vector256<float> v) => HorizontalSum(v.GetLower() + v.GetUpper());

    /// <summary>(v0 + v2) + (v1 + v3), the order of ggml's movehl/movehdup reductions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalSum(Vector128<float> v) => (v.GetElement(0) + v.GetElement(2)) + (v.GetElement(1) + v.GetElement(3));
}
