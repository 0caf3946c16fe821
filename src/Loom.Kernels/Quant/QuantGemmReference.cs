using System.Runtime.InteropServices;

namespace Loom.Kernels.Quant;

/// <summary>
/// The plain twin of <see cref="QuantGemm"/>: each activation row quantized by <see cref="QuantizeActivations.Q8_0"/>,
/// then per output and block the exact integer Σ w·q_a (w = q − 8 for Q4_0, q for Q8_0) and
/// acc = fma(Σ, d_w·d_a, acc) in K order.
/// </summary>
public static class QuantGemmReference
{
    public static void MultiplyTransposed(GgmlType type, ReadOnlySpan<byte> weights, int rows, int columns, ReadOnlySpan<float> x, int n, Span<float> y)
    {
        int blocks = columns / 32;
        var a = new BlockQ8_0[blocks];
        for (int i = 0; i < n; i++)
        {
            QuantizeActivations.Q8_0(x.Slice(i * columns, columns), a);
            for (int r = 0; r < rows; r++)
            {
                y[i * rows + r] = type == GgmlType.Q4_0
                    ? Dot(MemoryMarshal.Cast<byte, BlockQ4_0>(weights[..(rows * blocks * 18)]).Slice(r * blocks, blocks), a)
                    : Dot(MemoryMarshal.Cast<byte, BlockQ8_0>(weights[..(rows * blocks * 34)]).Slice(r * blocks, blocks), a);
            }
        }
    }

    private static unsafe float Dot(ReadOnlySpan<BlockQ8_0> w, ReadOnlySpan<BlockQ8_0> a)
    {
        float acc = 0;
        for (int b = 0; b < w.Length; b++)
        {
            BlockQ8_0 wb = w[b];
            BlockQ8_0 ab = a[b];
            int sum = 0;
            for (int j = 0; j < 32; j++) sum += wb.Qs[j] * ab.Qs[j];
            acc = MathF.FusedMultiplyAdd(sum, (float)wb.D * (float)ab.D, acc);
        }
        return acc;
    }

    private static unsafe float Dot(ReadOnlySpan<BlockQ4_0> w, ReadOnlySpan<BlockQ8_0> a)
    {
        float acc = 0;
        for (int b = 0; b < w.Length; b++)
        {
            BlockQ4_0 wb = w[b];
            BlockQ8_0 ab = a[b];
            int sum = 0;
            for (int j = 0; j < 16; j++)
                sum += ((wb.Qs[j] & 15) - 8) * ab.Qs[j] + ((wb.Qs[j] >> 4) - 8) * ab.Qs[j + 16];
            acc = MathF.FusedMultiplyAdd(sum, (float)wb.D * (float)ab.D, acc);
        }
        return acc;
    }
}
