using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Loom.Kernels.Quant.QuantGemmLayout;

namespace Loom.Kernels.Quant;

/// <summary>
/// <see cref="QuantGemmKernelAvx512"/>'s arithmetic in 256-bit vectors (vpmaddubsw / vpmaddwd): one activation row of
/// the tile at a time against the sliver's 4 vectors of 8 columns (16 registers do not hold the whole tile's sums),
/// the float accumulators kept in the tile. Same per-element operations, so the same bits.
/// </summary>
internal static unsafe class QuantGemmKernelAvx2
{
    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(byte* a, byte* b, int kBlocks, float* c, int ldc, bool first)
    {
        var ones = Vector256.Create((short)1);
        for (int r = 0; r < Mr; r++)
        {
            float* cr = c + r * ldc;
            Vector256<float> c0, c1, c2, c3;
            if (first) c0 = c1 = c2 = c3 = Vector256<float>.Zero;
            else (c0, c1, c2, c3) = (Vector256.Load(cr), Vector256.Load(cr + 8), Vector256.Load(cr + 16), Vector256.Load(cr + 24));
            byte* ak = a, bk = b;
            for (int k = 0; k < kBlocks; k++, ak += ABlockBytes, bk += BBlockBytes)
            {
                Vector256<short> s0 = default, s1 = default, s2 = default, s3 = default;
                for (int g = 0; g < Groups; g++)
                {
                    byte* bg = bk + g * Nr * 4;
                    var x = Vector256.Create(*(int*)(ak + r * BlockSize + g * 4)).AsSByte();
                    s0 += Avx2.MultiplyAddAdjacent(Vector256.Load(bg), x);
                    s1 += Avx2.MultiplyAddAdjacent(Vector256.Load(bg + 32), x);
                    s2 += Avx2.MultiplyAddAdjacent(Vector256.Load(bg + 64), x);
                    s3 += Avx2.MultiplyAddAdjacent(Vector256.Load(bg + 96), x);
                }
                float* ws = (float*)(bk + BScaleOffset);
                var da = Vector256.Create(((float*)(ak + AScaleOffset))[r]);
                var bias = Vector256.Create(((int*)(ak + ABiasOffset))[r]);
                c0 = Finish(s0, ones, bias, Vector256.Load(ws) * da, c0);
                c1 = Finish(s1, ones, bias, Vector256.Load(ws + 8) * da, c1);
                c2 = Finish(s2, ones, bias, Vector256.Load(ws + 16) * da, c2);
                c3 = Finish(s3, ones, bias, Vector256.Load(ws + 24) * da, c3);
            }
            c0.Store(cr); c1.Store(cr + 8); c2.Store(cr + 16); c3.Store(cr + 24);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Finish(Vector256<short> pairs, Vector256<short> ones, Vector256<int> bias, Vector256<float> scale, Vector256<float> acc) =>
        Fma.MultiplyAdd(Vector256.ConvertToSingle(Avx2.MultiplyAddAdjacent(pairs, ones) + bias), scale, acc);
}
