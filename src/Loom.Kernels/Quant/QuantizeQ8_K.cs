using System.Runtime.InteropServices;

namespace Loom.Kernels.Quant;

/// <summary>
/// Float32 → Q8_K, the activation format of K-quant dot products, with ggml's quantize_row_q8_K_ref semantics:
/// the value of largest magnitude maps to −127 (scale −127/max), quants round to nearest even and clamp at 127,
/// d = 1/scale as float32, and the sums of each 16 quants are stored for the dot products' minimum terms.
/// </summary>
public static class QuantizeQ8_K
{
    public static void Row(ReadOnlySpan<float> source, Span<byte> destination)
    {
        QuantRowChecks.Check("quantize", GgmlType.Q8_K, destination.Length, source.Length);
        Blocks(source, MemoryMarshal.Cast<byte, BlockQ8_K>(destination));
    }

    public static unsafe void Blocks(ReadOnlySpan<float> x, Span<BlockQ8_K> y)
    {
        for (int i = 0; i < y.Length; i++)
        {
            var block = x.Slice(i * 256, 256);
            ref BlockQ8_K b = ref y[i];
            float amax = 0, max = 0;
            foreach (float v in block)
            {
                if (MathF.Abs(v) > amax)
                {
                    amax = MathF.Abs(v);
                    max = v;
                }
            }
            if (amax == 0)
            {
                b = default;
                continue;
            }
            float iscale = -127f / max;
            for (int j = 0; j < 256; j++)
                b.Qs[j] = (sbyte)Math.Min(127, (int)MathF.Round(iscale * block[j], MidpointRounding.ToEven));
            for (int j = 0; j < 16; j++)
            {
                int sum = 0;
                for (int l = 0; l < 16; l++) sum += b.Qs[16 * j + l];
                b.BSums[j] = (short)sum;
            }
            b.D = 1 / iscale;
        }
    }
}
