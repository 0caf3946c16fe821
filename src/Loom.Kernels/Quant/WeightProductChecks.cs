using Loom.Core;

namespace Loom.Kernels.Quant;

/// <summary>
/// The argument checks and empty cases shared by the batched products Y[n × rows] = X[n × columns]·Wᵀ over a GGUF
/// weight matrix W (<see cref="DequantizedGemm"/>, <see cref="QuantGemm"/>); <paramref name="op"/> names the caller in
/// every message.
/// </summary>
internal static class WeightProductChecks
{
    /// <summary>Checks the dimensions and buffer lengths; returns the bytes of one weight row.</summary>
    public static long Check(string op, GgmlType type, int blockSize, int weightBytes, int rows, int columns,
        int xLength, int n, int yLength)
    {
        if (rows < 0 || columns < 0 || n < 0)
            throw LoomException.Argument($"{op}: dimensions must be non-negative, found rows={rows} columns={columns} n={n}");
        if (columns % blockSize != 0)
            throw LoomException.Shape(op, $"{type} rows need a multiple of {blockSize} columns, found {columns}");
        long rowBytes = GgmlTypeTraits.RowBytes(type, columns);
        if (weightBytes < rowBytes * rows)
            throw LoomException.Shape(op, $"{type} weights need {rowBytes * rows} bytes ({rows}×{columns}), found {weightBytes}");
        if (xLength < (long)n * columns) throw LoomException.Shape(op, $"x needs {(long)n * columns} elements (n={n}, columns={columns}), found {xLength}");
        if (yLength < (long)n * rows) throw LoomException.Shape(op, $"y needs {(long)n * rows} elements (n={n}, rows={rows}), found {yLength}");
        return rowBytes;
    }

    /// <summary>True when nothing is left to multiply (no rows or no outputs; with no columns Y is cleared).</summary>
    public static bool IsEmpty(int rows, int columns, int n, Span<float> y)
    {
        if (n == 0 || rows == 0) return true;
        if (columns != 0) return false;
        y[..(n * rows)].Clear();
        return true;
    }
}
