using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Loom.Kernels.Quant.QuantGemmLayout;

namespace Loom.Kernels.Quant;

/// <summary>
/// Activation rows → the strips of <see cref="QuantGemmLayout"/>: each 32-value block quantized as
/// <see cref="QuantizeActivations.Q8_0"/> does it (ggml's x86 quantize_row_q8_0: scale 127/max|x| by multiplication,
/// round half to even, d = max|x|/127 stored as Half), so the quants and scales are those blocks' bits; written
/// interleaved for the micro-kernel with the block's bias −offset·Σq beside them.
/// </summary>
internal static unsafe class QuantGemmActivations
{
    /// <summary>Quantizes row <paramref name="x"/> (kBlocks·32 floats) into slot <paramref name="slot"/> of the strip at <paramref name="strip"/>.</summary>
    public static void Row(float* x, int kBlocks, int offset, byte* strip, int slot)
    {
        for (int b = 0; b < kBlocks; b++, x += BlockSize, strip += ABlockBytes)
        {
            float amax = MathF.Abs(TensorPrimitives.MaxMagnitude(new ReadOnlySpan<float>(x, BlockSize)));
            float id = amax != 0 ? 127f / amax : 0f;
            ((float*)(strip + AScaleOffset))[slot] = (float)(Half)(amax / 127f);
            int sum = Avx512BW.IsSupported ? QuantsAvx512(x, id, strip + slot * 4) : QuantsScalar(x, id, strip + slot * 4);
            ((int*)(strip + ABiasOffset))[slot] = -offset * sum;
        }
    }

    /// <summary>Zeros slot <paramref name="slot"/> of every block of a strip: a padding row that adds nothing.</summary>
    public static void ClearSlot(int kBlocks, byte* strip, int slot)
    {
        for (int b = 0; b < kBlocks; b++, strip += ABlockBytes)
        {
            for (int g = 0; g < Groups; g++) *(int*)(strip + (g * Mr + slot) * 4) = 0;
            ((float*)(strip + AScaleOffset))[slot] = 0;
            ((int*)(strip + ABiasOffset))[slot] = 0;
        }
    }

    // x·id rounded by vcvtps2dq under the default round-to-nearest-even mode: MathF.Round(x·id, ToEven) for these
    // in-range values, the scalar path's result.
    private static int QuantsAvx512(float* x, float id, byte* dst)
    {
        var scale = Vector512.Create(id);
        var q0 = Avx512F.ConvertToVector512Int32(Vector512.Load(x) * scale);
        var q1 = Avx512F.ConvertToVector512Int32(Vector512.Load(x + 16) * scale);
        var bytes = Vector256.Create(Avx512F.ConvertToVector128SByte(q0), Avx512F.ConvertToVector128SByte(q1)).AsUInt32();
        for (int g = 0; g < Groups; g++) *(uint*)(dst + g * Mr * 4) = bytes.GetElement(g);
        return Vector512.Sum(q0 + q1);
    }

    private static int QuantsScalar(float* x, float id, byte* dst)
    {
        int sum = 0;
        for (int j = 0; j < BlockSize; j++)
        {
            sbyte q = (sbyte)MathF.Round(x[j] * id, MidpointRounding.ToEven);
            dst[(j >> 2) * Mr * 4 + (j & 3)] = (byte)q;
            sum += q;
        }
        return sum;
    }
}
