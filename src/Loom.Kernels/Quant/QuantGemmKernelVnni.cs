using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Loom.Kernels.Quant.QuantGemmLayout;

namespace Loom.Kernels.Quant;

/// <summary>
/// The micro-kernel of <see cref="QuantGemm"/> for Q8_0 weights on AVX-VNNI (vpdpbusd, 256-bit: .NET exposes no
/// 512-bit form): per K group one instruction multiplies 8 columns' 4 unsigned weight bytes (q + 128) by a row's 4
/// broadcast int8 quants and adds the four products into int32, exactly (vpmaddubsw's 16-bit pair sums would
/// saturate on 255·127·2). The block's int32 sum plus the bias −128·Σq_a is Σ q_w·q_a; then
/// acc = fma(float(Σ), d_w·d_a, acc), the <see cref="QuantGemmReference"/> order. Two activation rows at a time
/// (8 int32 sums, 4 weight vectors and a broadcast fit the 16 VEX registers), their float sums kept in the tile.
/// </summary>
internal static unsafe class QuantGemmKernelVnni
{
    public static bool IsSupported => AvxVnni.IsSupported && Fma.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(byte* a, byte* b, int kBlocks, float* c, int ldc, bool first)
    {
        if (first)
            for (int r = 0; r < Mr; r++) new Span<float>(c + r * ldc, Nr).Clear();
        for (int r = 0; r < Mr; r += 2)
        {
            float* c0 = c + r * ldc, c1 = c0 + ldc;
            byte* ak = a + r * BlockSize, bk = b;
            for (int k = 0; k < kBlocks; k++, ak += ABlockBytes, bk += BBlockBytes)
            {
                int bias0 = ((int*)(ak - r * BlockSize + ABiasOffset))[r], bias1 = ((int*)(ak - r * BlockSize + ABiasOffset))[r + 1];
                var s00 = Vector256.Create(bias0);
                var s01 = s00;
                var s02 = s00;
                var s03 = s00;
                var s10 = Vector256.Create(bias1);
                var s11 = s10;
                var s12 = s10;
                var s13 = s10;
                for (int g = 0; g < Groups; g++)
                {
                    byte* bg = bk + g * Nr * 4;
                    var w0 = Vector256.Load(bg);
                    var w1 = Vector256.Load(bg + 32);
                    var w2 = Vector256.Load(bg + 64);
                    var w3 = Vector256.Load(bg + 96);
                    var x = Vector256.Create(*(int*)(ak + g * 4)).AsSByte();
                    s00 = AvxVnni.MultiplyWideningAndAdd(s00, w0, x);
                    s01 = AvxVnni.MultiplyWideningAndAdd(s01, w1, x);
                    s02 = AvxVnni.MultiplyWideningAndAdd(s02, w2, x);
                    s03 = AvxVnni.MultiplyWideningAndAdd(s03, w3, x);
                    x = Vector256.Create(*(int*)(ak + BlockSize + g * 4)).AsSByte();
                    s10 = AvxVnni.MultiplyWideningAndAdd(s10, w0, x);
                    s11 = AvxVnni.MultiplyWideningAndAdd(s11, w1, x);
                    s12 = AvxVnni.MultiplyWideningAndAdd(s12, w2, x);
                    s13 = AvxVnni.MultiplyWideningAndAdd(s13, w3, x);
                }
                float* ws = (float*)(bk + BScaleOffset);
                float* d = (float*)(ak - r * BlockSize + AScaleOffset);
                var da = Vector256.Create(d[r]);
                Finish(s00, Vector256.Load(ws) * da, c0);
                Finish(s01, Vector256.Load(ws + 8) * da, c0 + 8);
                Finish(s02, Vector256.Load(ws + 16) * da, c0 + 16);
                Finish(s03, Vector256.Load(ws + 24) * da, c0 + 24);
                da = Vector256.Create(d[r + 1]);
                Finish(s10, Vector256.Load(ws) * da, c1);
                Finish(s11, Vector256.Load(ws + 8) * da, c1 + 8);
                Finish(s12, Vector256.Load(ws + 16) * da, c1 + 16);
                Finish(s13, Vector256.Load(ws + 24) * da, c1 + 24);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(Vector256<int> sum, Vector256<float> scale, float* c) =>
        Fma.MultiplyAdd(Vector256.ConvertToSingle(sum), scale, Vector256.Load(c)).Store(c);
}
