using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Loom.Kernels.Quant.QuantGemmLayout;

namespace Loom.Kernels.Quant;

/// <summary>
/// The 4 × 32 micro-kernel of <see cref="QuantGemm"/> on AVX-512BW. Per K group, vpmaddubsw multiplies a 64-byte
/// weight load (16 columns × 4 unsigned 4-bit quants) by a row's 4 broadcast int8 quants into 16-bit pair sums; the
/// 8 groups of a block add up in 16 bits (|Σ| ≤ 8·2·15·127 = 30,480 &lt; 32,767, so nothing saturates or wraps),
/// then vpmaddwd by ones widens to the block's int32 Σ q_w·q_a, the bias −8·Σq_a is added, and
/// acc = fma(float(Σ), d_w·d_a, acc) — per element exactly the scalar <see cref="QuantGemmReference"/> order.
/// .NET exposes no 512-bit VNNI (vpdpbusd) here; this is ggml's AVX2 scheme widened, ~4 integer multiply-adds per
/// weight byte pair of the float kernel's one.
/// </summary>
internal static unsafe class QuantGemmKernelAvx512
{
    public static bool IsSupported => Avx512BW.IsSupported;

    // 32-bit words between consecutive activation rows of a strip block.
    private const int RowWords = BlockSize / 4;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(byte* a, byte* b, int kBlocks, float* c, int ldc, bool first)
    {
        Vector512<float> c00, c01, c10, c11, c20, c21, c30, c31;
        if (first)
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = Vector512<float>.Zero;
        }
        else
        {
            c00 = Vector512.Load(c); c01 = Vector512.Load(c + 16);
            c10 = Vector512.Load(c + ldc); c11 = Vector512.Load(c + ldc + 16);
            c20 = Vector512.Load(c + 2 * ldc); c21 = Vector512.Load(c + 2 * ldc + 16);
            c30 = Vector512.Load(c + 3 * ldc); c31 = Vector512.Load(c + 3 * ldc + 16);
        }
        var ones = Vector512.Create((short)1);
        for (int k = 0; k < kBlocks; k++, a += ABlockBytes, b += BBlockBytes)
        {
            var w0 = Vector512.Load(b);
            var w1 = Vector512.Load(b + 64);
            var x = Vector512.Create(*(int*)a).AsSByte();
            var s00 = Avx512BW.MultiplyAddAdjacent(w0, x);
            var s01 = Avx512BW.MultiplyAddAdjacent(w1, x);
            x = Vector512.Create(*(int*)(a + BlockSize)).AsSByte();
            var s10 = Avx512BW.MultiplyAddAdjacent(w0, x);
            var s11 = Avx512BW.MultiplyAddAdjacent(w1, x);
            x = Vector512.Create(*(int*)(a + 2 * BlockSize)).AsSByte();
            var s20 = Avx512BW.MultiplyAddAdjacent(w0, x);
            var s21 = Avx512BW.MultiplyAddAdjacent(w1, x);
            x = Vector512.Create(*(int*)(a + 3 * BlockSize)).AsSByte();
            var s30 = Avx512BW.MultiplyAddAdjacent(w0, x);
            var s31 = Avx512BW.MultiplyAddAdjacent(w1, x);
            for (int g = 1; g < Groups; g++)
            {
                byte* bg = b + g * Nr * 4;
                int* ag = (int*)(a + g * 4);
                w0 = Vector512.Load(bg);
                w1 = Vector512.Load(bg + 64);
                x = Vector512.Create(ag[0]).AsSByte();
                s00 += Avx512BW.MultiplyAddAdjacent(w0, x);
                s01 += Avx512BW.MultiplyAddAdjacent(w1, x);
                x = Vector512.Create(ag[RowWords]).AsSByte();
                s10 += Avx512BW.MultiplyAddAdjacent(w0, x);
                s11 += Avx512BW.MultiplyAddAdjacent(w1, x);
                x = Vector512.Create(ag[2 * RowWords]).AsSByte();
                s20 += Avx512BW.MultiplyAddAdjacent(w0, x);
                s21 += Avx512BW.MultiplyAddAdjacent(w1, x);
                x = Vector512.Create(ag[3 * RowWords]).AsSByte();
                s30 += Avx512BW.MultiplyAddAdjacent(w0, x);
                s31 += Avx512BW.MultiplyAddAdjacent(w1, x);
            }
            var ws0 = Vector512.Load((float*)(b + BScaleOffset));
            var ws1 = Vector512.Load((float*)(b + BScaleOffset) + 16);
            float* d = (float*)(a + AScaleOffset);
            int* bias = (int*)(a + ABiasOffset);
            var da = Vector512.Create(d[0]);
            var bi = Vector512.Create(bias[0]);
            c00 = Finish(s00, ones, bi, ws0 * da, c00);
            c01 = Finish(s01, ones, bi, ws1 * da, c01);
            da = Vector512.Create(d[1]);
            bi = Vector512.Create(bias[1]);
            c10 = Finish(s10, ones, bi, ws0 * da, c10);
            c11 = Finish(s11, ones, bi, ws1 * da, c11);
            da = Vector512.Create(d[2]);
            bi = Vector512.Create(bias[2]);
            c20 = Finish(s20, ones, bi, ws0 * da, c20);
            c21 = Finish(s21, ones, bi, ws1 * da, c21);
            da = Vector512.Create(d[3]);
            bi = Vector512.Create(bias[3]);
            c30 = Finish(s30, ones, bi, ws0 * da, c30);
            c31 = Finish(s31, ones, bi, ws1 * da, c31);
        }
        c00.Store(c); c01.Store(c + 16);
        c10.Store(c + ldc); c11.Store(c + ldc + 16);
        c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 16);
        c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Finish(Vector512<short> pairs, Vector512<short> ones, Vector512<int> bias, Vector512<float> scale, Vector512<float> acc) =>
        Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(Avx512BW.MultiplyAddAdjacent(pairs, ones) + bias), scale, acc);
}
