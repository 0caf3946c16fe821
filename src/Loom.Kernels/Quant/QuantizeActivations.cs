using System.Runtime.InteropServices;
using System.Numerics.Tensors;

namespace Loom.Kernels.Quant;

/// <summary>
/// Activation rows → Q8_0 the way ggml's x86 CPU backend quantizes them before a Q8_0/Q4_0 matmul (its AVX
/// quantize_row_q8_0, not the file-making reference): scale 127/max|x| applied by multiplication, rounding to
/// nearest even. The blocks differ from <see cref="Quantize.Q8_0"/> (x·(1/d), halves away from zero) in the odd
/// quant, which is what an engine imitating llama.cpp's logits needs. Q8_K activations use
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
            var block = x.Slice(i * 32, 32);
            float amax = MathF.Abs(TensorPrimitives.MaxMagnitude(block));
            float id = amax != 0 ? 127f / amax : 0f;
            ref BlockQ8_0 b = ref y[i];
            b.D = (Half)(amax / 127f);
            for (int j = 0; j < 32; j++) b.Qs[j] = (sbyte)MathF.Round(block[j] * id, MidpointRounding.ToEven);
        }
    }
}
