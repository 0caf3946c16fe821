using System.Runtime.InteropServices;

namespace Loom.Kernels.Quant;

/// <summary>
/// Float32 → Q6_K with the semantics of ggml's quantize_row_q6_K_ref (llama-quantize without an importance matrix),
/// byte for byte: each 16-value sub-block gets the scale of a small weighted least-squares search
/// (<see cref="SubBlockScale"/>), the 16 scales are quantized to int8 against the super-block's half d, and the
/// values are re-quantized to 6 bits with the scales as stored.
/// </summary>
public static class QuantizeQ6_K
{
    public static void Row(ReadOnlySpan<float> source, Span<byte> destination)
    {
        QuantRowChecks.Check("quantize", GgmlType.Q6_K, destination.Length, source.Length);
        Blocks(source, MemoryMarshal.Cast<byte, BlockQ6_K>(destination));
    }

    public static unsafe void Blocks(ReadOnlySpan<float> x, Span<BlockQ6_K> y)
    {
        Span<sbyte> levels = stackalloc sbyte[256]; // 0..63 (value + 32)
        Span<float> scales = stackalloc float[16];
        for (int i = 0; i < y.Length; i++)
        {
            var block = x.Slice(i * 256, 256);
            ref BlockQ6_K b = ref y[i];
            float maxScale = 0, maxAbsScale = 0;
            for (int sub = 0; sub < 16; sub++)
            {
                float scale = SubBlockScale(block.Slice(16 * sub, 16), levels.Slice(16 * sub, 16), 32);
                scales[sub] = scale;
                if (MathF.Abs(scale) > maxAbsScale)
                {
                    maxAbsScale = MathF.Abs(scale);
                    maxScale = scale;
                }
            }
            if (maxAbsScale < GgmlRounding.GroupMaxEps)
            {
                b = default;
                continue;
            }
            float iscale = -128f / maxScale;
            b.D = (Half)(1 / iscale);
            for (int sub = 0; sub < 16; sub++) b.Scales[sub] = (sbyte)Math.Min(127, GgmlRounding.NearestInt(iscale * scales[sub]));
            for (int sub = 0; sub < 16; sub++)
            {
                float d = (float)b.D * b.Scales[sub];
                if (d == 0) continue; // keeps the levels of the search
                for (int l = 0; l < 16; l++)
                    levels[16 * sub + l] = (sbyte)(Math.Clamp(GgmlRounding.NearestInt(block[16 * sub + l] / d), -32, 31) + 32);
            }
            for (int half = 0; half < 2; half++)
            {
                var L = levels.Slice(half * 128, 128);
                for (int l = 0; l < 32; l++)
                {
                    b.Ql[half * 64 + l] = (byte)((L[l] & 0xF) | ((L[l + 64] & 0xF) << 4));
                    b.Ql[half * 64 + l + 32] = (byte)((L[l + 32] & 0xF) | ((L[l + 96] & 0xF) << 4));
                    b.Qh[half * 32 + l] = (byte)((L[l] >> 4) | ((L[l + 32] >> 4) << 2) | ((L[l + 64] >> 4) << 4) | ((L[l + 96] >> 4) << 6));
                }
            }
        }
    }

    /// <summary>
    /// ggml's make_qx_quants with x² weights: levels in [−nmax, nmax), the extreme value mapped to −nmax, then 18
    /// nearby inverse scales tried, keeping the one with the best weighted fit Σwxl² / Σwl². Writes levels + nmax.
    /// Every product is rounded before it is added (no fused multiply-add): with fusing, some blocks of the
    /// reference files come out different, so llama-quantize's build did not contract these sums.
    /// </summary>
    internal static float SubBlockScale(ReadOnlySpan<float> x, Span<sbyte> levels, int nmax)
    {
        float max = 0, amax = 0;
        foreach (float v in x)
        {
            if (MathF.Abs(v) > amax)
            {
                amax = MathF.Abs(v);
                max = v;
            }
        }
        if (amax < GgmlRounding.GroupMaxEps)
        {
            levels.Clear();
            return 0;
        }
        float iscale = -nmax / max;
        var (sumlx, suml2) = Fit(x, iscale, nmax, levels);
        float scale = suml2 != 0 ? sumlx / suml2 : 0;
        float best = scale * sumlx;
        for (int step = -9; step <= 9; step++)
        {
            if (step == 0) continue;
            float trial = -(nmax + 0.1f * step) / max;
            var (lx, l2) = Fit(x, trial, nmax, default);
            if (l2 > 0 && lx * lx > best * l2)
            {
                Fit(x, trial, nmax, levels);
                scale = lx / l2;
                best = scale * lx;
            }
        }
        return scale;
    }

    private static (float SumLx, float SumL2) Fit(ReadOnlySpan<float> x, float iscale, int nmax, Span<sbyte> levels)
    {
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < x.Length; i++)
        {
            int l = Math.Clamp(GgmlRounding.NearestInt(iscale * x[i]), -nmax, nmax - 1);
            if (!levels.IsEmpty) levels[i] = (sbyte)(l + nmax);
            float w = x[i] * x[i];
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        return (sumlx, suml2);
    }
}
