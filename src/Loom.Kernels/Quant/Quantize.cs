using System.Runtime.InteropServices;

namespace Loom.Kernels.Quant;

/// <summary>
/// Float32 → ggml blocks with the semantics of ggml's reference quantizers (quantize_row_*_ref, what llama-quantize
/// uses without an importance matrix), so Loom's output is byte-identical to llama.cpp's: the same float32
/// arithmetic in the same order, C's roundf (halves away from zero), truncating casts, and float → half rounding
/// to nearest even.
/// </summary>
public static class Quantize
{
    public static void Row(GgmlType type, ReadOnlySpan<float> source, Span<byte> destination)
    {
        QuantRowChecks.Check("quantize", type, destination.Length, source.Length);
        switch (type)
        {
            case GgmlType.F32: MemoryMarshal.AsBytes(source).CopyTo(destination); break;
            case GgmlType.F16: HalfConversion.ToHalf(source, MemoryMarshal.Cast<byte, Half>(destination)); break;
            case GgmlType.BF16: BFloat16Conversion.ToBFloat16(source, MemoryMarshal.Cast<byte, ushort>(destination)); break;
            case GgmlType.Q8_0: Q8_0(source, MemoryMarshal.Cast<byte, BlockQ8_0>(destination)); break;
            case GgmlType.Q4_0: Q4_0(source, MemoryMarshal.Cast<byte, BlockQ4_0>(destination)); break;
            case GgmlType.Q4_1: QuantizeLegacy.Q4_1(source, MemoryMarshal.Cast<byte, BlockQ4_1>(destination)); break;
            case GgmlType.Q5_0: QuantizeLegacy.Q5_0(source, MemoryMarshal.Cast<byte, BlockQ5_0>(destination)); break;
            case GgmlType.Q5_1: QuantizeLegacy.Q5_1(source, MemoryMarshal.Cast<byte, BlockQ5_1>(destination)); break;
            case GgmlType.Q4_K: QuantizeQ4_K.Blocks(source, MemoryMarshal.Cast<byte, BlockQ4_K>(destination)); break;
            case GgmlType.Q6_K: QuantizeQ6_K.Blocks(source, MemoryMarshal.Cast<byte, BlockQ6_K>(destination)); break;
            case GgmlType.Q8_K: QuantizeQ8_K.Blocks(source, MemoryMarshal.Cast<byte, BlockQ8_K>(destination)); break;
            default:
                throw new Core.LoomException(Core.LoomErrorCode.NotSupported,
                    $"quantize: tensor type {type} is not supported; supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q6_K, Q8_K");
        }
    }

    /// <summary>d = max|x| / 127, q = round(x / d).</summary>
    public static unsafe void Q8_0(ReadOnlySpan<float> x, Span<BlockQ8_0> y)
    {
        for (int i = 0; i < y.Length; i++)
        {
            var block = x.Slice(i * 32, 32);
            float amax = 0;
            foreach (float v in block) amax = MathF.Max(amax, MathF.Abs(v));
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            ref BlockQ8_0 b = ref y[i];
            b.D = (Half)d;
            for (int j = 0; j < 32; j++) b.Qs[j] = (sbyte)MathF.Round(block[j] * id, MidpointRounding.AwayFromZero);
        }
    }

    /// <summary>d = (the value of largest magnitude, with its sign) / −8, q = min(15, trunc(x / d + 8.5)): the
    /// extreme maps exactly to quant 0, so the 16 levels are used asymmetrically in its favour.</summary>
    public static unsafe void Q4_0(ReadOnlySpan<float> x, Span<BlockQ4_0> y)
    {
        for (int i = 0; i < y.Length; i++)
        {
            var block = x.Slice(i * 32, 32);
            float d = QuantizeLegacy.SignedExtreme(block) / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            ref BlockQ4_0 b = ref y[i];
            b.D = (Half)d;
            for (int j = 0; j < 16; j++)
            {
                int q0 = Math.Min(15, (int)(sbyte)(block[j] * id + 8.5f));
                int q1 = Math.Min(15, (int)(sbyte)(block[16 + j] * id + 8.5f));
                b.Qs[j] = (byte)(q0 | (q1 << 4));
            }
        }
    }
}
