using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Loom.Kernels.Quant.QuantGemmLayout;

namespace Loom.Kernels.Quant;

/// <summary>
/// Activation rows → the strips of <see cref="QuantGemmLayout"/>: each 32-value block quantized as
/// <see cref="QuantizeActivations.Q8_0"/> does it (ggml's x86 quantize_row_q8_0: scale 127/max|x| by multiplication,
/// round half to even, d = max|x|/127 stored as Half), so the quants and scales are those blocks' bits; written
/// for the micro-kernel with the block's bias −z·Σq beside them, z the zero point of the packed unsigned weights
/// (weight = byte − z: 8 for Q4_0's nibbles, 128 for Q8_0's bytes flipped to q + 128), so that
/// bias + Σ byte·q = Σ weight·q.
/// </summary>
internal static unsafe class QuantGemmActivations
{
    /// <summary>Quantizes row <paramref name="x"/> (kBlocks·32 floats) into slot <paramref name="slot"/> of the strip at <paramref name="strip"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // called a few dozen times per prompt: skip the slow tiers
    public static void Row(float* x, int kBlocks, int zeroPoint, byte* strip, int slot)
    {
        for (int b = 0; b < kBlocks; b++, x += BlockSize, strip += ABlockBytes)
        {
            byte* quants = strip + slot * BlockSize;
            int sum;
            float amax;
            if (Avx512F.IsSupported)
            {
                var x0 = Vector512.Load(x);
                var x1 = Vector512.Load(x + 16);
                // max|x| over the block: the same value TensorPrimitives.MaxMagnitude's absolute gives (NaN aside).
                var m = Vector512.Max(Vector512.Abs(x0), Vector512.Abs(x1));
                var m8 = Vector256.Max(m.GetLower(), m.GetUpper());
                var m4 = Vector128.Max(m8.GetLower(), m8.GetUpper());
                amax = MathF.Max(MathF.Max(m4[0], m4[1]), MathF.Max(m4[2], m4[3]));
                float id = amax != 0 ? 127f / amax : 0f;
                sum = QuantsAvx512(x0, x1, id, quants);
            }
            else
            {
                amax = MathF.Abs(TensorPrimitives.MaxMagnitude(new ReadOnlySpan<float>(x, BlockSize)));
                sum = QuantsScalar(x, amax != 0 ? 127f / amax : 0f, quants);
            }
            ((float*)(strip + AScaleOffset))[slot] = (float)(Half)(amax / 127f);
            ((int*)(strip + ABiasOffset))[slot] = -zeroPoint * sum;
        }
    }

    /// <summary>Zeros slot <paramref name="slot"/> of every block of a strip: a padding row that adds nothing.</summary>
    public static void ClearSlot(int kBlocks, byte* strip, int slot)
    {
        for (int b = 0; b < kBlocks; b++, strip += ABlockBytes)
        {
            new Span<byte>(strip + slot * BlockSize, BlockSize).Clear();
            ((float*)(strip + AScaleOffset))[slot] = 0;
            ((int*)(strip + ABiasOffset))[slot] = 0;
        }
    }

    // x·id rounded by vcvtps2dq under the default round-to-nearest-even mode: MathF.Round(x·id, ToEven) for these
    // in-range values, the scalar path's result.
    private static int QuantsAvx512(Vector512<float> x0, Vector512<float> x1, float id, byte* dst)
    {
        var scale = Vector512.Create(id);
        var q0 = Avx512F.ConvertToVector512Int32(x0 * scale);
        var q1 = Avx512F.ConvertToVector512Int32(x1 * scale);
        Avx512F.ConvertToVector128SByte(q0).Store((sbyte*)dst);
        Avx512F.ConvertToVector128SByte(q1).Store((sbyte*)dst + 16);
        return Vector512.Sum(q0 + q1);
    }

    private static int QuantsScalar(float* x, float id, byte* dst)
    {
        int sum = 0;
        for (int j = 0; j < BlockSize; j++)
        {
            sbyte q = (sbyte)MathF.Round(x[j] * id, MidpointRounding.ToEven);
            dst[j] = (byte)q;
            sum += q;
        }
        return sum;
    }
}
