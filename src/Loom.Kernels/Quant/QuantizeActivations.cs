using System.Runtime.InteropServices;
using System.Numerics.Tensors;

namespace Loom.Kernels.Quant;

/// <summary>
/// Activation rows → Q8_0 the way ggml's x86 CPU backend quantizes them before a Q8_0/Q4_0 matmul (its AVX
/// quantize_row_q8_0, not the file-making reference): scale 127/max|x| applied by multiplication, rounding to
/// nearest even. The blocks differ from <see cref="Quantize.Q8_0"/> (x·(1/d), halves away from zero) in the odd
/// quant, which is what an engine imitating llama.cpp's logits needs. Q8_1 (the activations of Q4_1/Q5_1 weights)
/// has the same quants plus s = d·Σq, from the float d before it is rounded to half. Q8_K activations use
/// <see cref="QuantizeQ8_K"/>, which ggml's x86 backend also takes from its reference.
/// </summary>
public static class QuantizeActivations
{
    public static void Q8_0(ReadOnlySpan<float> source, Span<byte> destination)
    {
        QuantRowChecks.Check("quantize activations", GgmlType.Q8_0, destination.Length, source.Length);
        Q8_0(source, MemoryMarshal.Cast<byte, BlockQ8_0>(destination));
    }

    public static unsafe void Q8_0(ReadOnlySpan<float> x, Span<BlockQ8_0> y)
    {
        for (int i = 0; i < y.Length; i++)
        {
            ref BlockQ8_0 b = ref y[i];
            b.D = (Half)Block(x.Slice(i * 32, 32), MemoryMarshal.CreateSpan(ref b.Qs[0], 32));
        }
    }

    public static void Q8_1(ReadOnlySpan<float> source, Span<byte> destination)
    {
        QuantRowChecks.Check("quantize activations", GgmlType.Q8_1, destination.Length, source.Length);
        Q8_1(source, MemoryMarshal.Cast<byte, BlockQ8_1>(destination));
    }

    public static unsafe void Q8_1(ReadOnlySpan<float> x, Span<BlockQ8_1> y)
    {
        for (int i = 0; i < y.Length; i++)
        {
            ref BlockQ8_1 b = ref y[i];
            float d = Block(x.Slice(i * 32, 32), MemoryMarshal.CreateSpan(ref b.Qs[0], 32));
            int sum = 0;
            for (int j = 0; j < 32; j++) sum += b.Qs[j];
            b.D = (Half)d;
            b.S = (Half)(d * sum);
        }
    }

    /// <summary>Quantizes 32 values into <paramref name="qs"/> and returns the float scale d = max|x| / 127.</summary>
    private static float Block(ReadOnlySpan<float> block, Span<sbyte> qs)
    {
        float amax = MathF.Abs(TensorPrimitives.MaxMagnitude(block));
        float id = amax != 0 ? 127f / amax : 0f;
        for (int j = 0; j < 32; j++) qs[j] = (sbyte)MathF.Round(block[j] * id, MidpointRounding.ToEven);
        return amax / 127f;
    }
}
