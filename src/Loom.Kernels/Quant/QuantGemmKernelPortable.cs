using static Loom.Kernels.Quant.QuantGemmLayout;

namespace Loom.Kernels.Quant;

/// <summary>The micro-kernel in scalar code over the same packed operands, for CPUs without AVX2: exact integer
/// sums, then the vector kernels' fma per block, so the same bits.</summary>
internal static unsafe class QuantGemmKernelPortable
{
    public static void Tile(byte* a, byte* b, int kBlocks, float* c, int ldc, bool first)
    {
        for (int r = 0; r < Mr; r++)
        for (int col = 0; col < Nr; col++)
        {
            float acc = first ? 0f : c[r * ldc + col];
            byte* ak = a, bk = b;
            for (int k = 0; k < kBlocks; k++, ak += ABlockBytes, bk += BBlockBytes)
            {
                int sum = ((int*)(ak + ABiasOffset))[r];
                for (int g = 0; g < Groups; g++)
                {
                    byte* w = bk + (g * Nr + col) * 4;
                    sbyte* x = (sbyte*)(ak + r * BlockSize + g * 4);
                    sum += w[0] * x[0] + w[1] * x[1] + w[2] * x[2] + w[3] * x[3];
                }
                float scale = ((float*)(bk + BScaleOffset))[col] * ((float*)(ak + AScaleOffset))[r];
                acc = MathF.FusedMultiplyAdd(sum, scale, acc);
            }
            c[r * ldc + col] = acc;
        }
    }
}
