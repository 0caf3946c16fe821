using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Loom.Kernels.Quant;

/// <summary>
/// Half → float for the one or two scales per block: a 256 KB table of all 65,536 conversions (as ggml keeps),
/// because a scalar <c>(float)Half</c> is a software conversion that costs more than a whole block's integer dot.
/// Exact: the table holds the same values the cast gives.
/// </summary>
internal static class HalfTable
{
    private static readonly float[] Values = Build();

    private static float[] Build()
    {
        var bits = new ushort[65536];
        for (int i = 0; i < bits.Length; i++) bits[i] = (ushort)i;
        var values = new float[65536];
        TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<ushort, Half>(bits), values);
        return values;
    }

    /// <summary>The half stored at <paramref name="offset"/> bytes past <paramref name="block"/>, as float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Read(ref byte block, int offset) =>
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Values), Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref block, offset)));
}
