using System.Collections.Concurrent;
using Loom.Kernels;

namespace Loom.Tensors;

/// <summary>
/// RoPE angle tables shared by every call of <see cref="Ops.Rope"/> with the same geometry: a training step rotates
/// the same positions in every layer, forward and backward, and computing their sines and cosines each time cost
/// a few percent of a small model's step. Tables are immutable; one that is too short is replaced by a longer one.
/// </summary>
internal static class RopeTables
{
    // Past this many positions a table would cost more memory than the trigonometry it saves is worth.
    private const int MaxCachedPositions = 1 << 15;
    private const int MinCachedPositions = 64;

    private static readonly ConcurrentDictionary<(float Theta, int HeadDim, int RotaryDim), RopeTable> s_tables = new();

    /// <summary>A table covering positions 0 … <paramref name="positions"/> − 1, or null past the cacheable range.</summary>
    public static RopeTable? Covering(int positions, int headDim, float theta, int rotaryDim)
    {
        // Bad geometry is left to the kernel, whose error names the op.
        if (positions > MaxCachedPositions || headDim <= 0 || !(theta > 0) || float.IsInfinity(theta)) return null;
        var key = (theta, headDim, rotaryDim);
        if (s_tables.TryGetValue(key, out var table) && table.MaxPositions >= positions) return table;
        int size = Math.Max(MinCachedPositions, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)positions));
        table = new RopeTable(size, headDim, theta, rotaryDim);
        return s_tables.AddOrUpdate(key, table, (_, existing) => existing.MaxPositions >= positions ? existing : table);
    }
}
