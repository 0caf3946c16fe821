using System.Runtime.InteropServices;
using static Loom.Kernels.Quant.GgmlRounding;

namespace Loom.Kernels.Quant;

/// <summary>
/// Float32 → Q4_K with the semantics of ggml's quantize_row_q4_K_ref (llama-quantize without an importance
/// matrix), byte for byte: each 32-value sub-block gets a scale and a minimum from a weighted search
/// (<see cref="ScaleAndMin"/>, weights = RMS of the sub-block + |x|), both are quantized to 6 bits against the
/// super-block's half d and dmin, and the values are re-quantized with the stored scales. No fused multiply-add,
/// as in the build that made the reference files.
/// </summary>
public static class QuantizeQ4_K
{
    public static void Row(ReadOnlySpan<float> source, Span<byte> destination)
    {
        QuantRowChecks.Check("quantize", GgmlType.Q4_K, destination.Length, source.Length);
        Blocks(source, MemoryMarshal.Cast<byte, BlockQ4_K>(destination));
    }

    public static unsafe void Blocks(ReadOnlySpan<float> x, Span<BlockQ4_K> y)
    {
        Span<byte> levels = stackalloc byte[256];
        Span<byte> trial = stackalloc byte[32];
        Span<float> weights = stackalloc float[32];
        Span<float> scales = stackalloc float[8];
        Span<float> mins = stackalloc float[8];
        for (int i = 0; i < y.Length; i++)
        {
            var block = x.Slice(i * 256, 256);
            ref BlockQ4_K b = ref y[i];
            b = default;
            float maxScale = 0, maxMin = 0;
            for (int j = 0; j < 8; j++)
            {
                var sub = block.Slice(32 * j, 32);
                float sumX2 = 0;
                foreach (float v in sub) sumX2 += v * v;
                float average = MathF.Sqrt(sumX2 / 32);
                for (int l = 0; l < 32; l++) weights[l] = average + MathF.Abs(sub[l]);
                scales[j] = ScaleAndMin(sub, weights, levels.Slice(32 * j, 32), trial, out mins[j]);
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }
            float inverseScale = maxScale > 0 ? 63f / maxScale : 0f;
            float inverseMin = maxMin > 0 ? 63f / maxMin : 0f;
            for (int j = 0; j < 8; j++)
            {
                int ls = Math.Min(63, (int)(byte)NearestInt(inverseScale * scales[j])); // C stores it in a uint8_t first
                int lm = Math.Min(63, (int)(byte)NearestInt(inverseMin * mins[j]));
                if (j < 4)
                {
                    b.Scales[j] = (byte)ls;
                    b.Scales[j + 4] = (byte)lm;
                }
                else
                {
                    b.Scales[j + 4] = (byte)((ls & 0xF) | ((lm & 0xF) << 4));
                    b.Scales[j - 4] |= (byte)((ls >> 4) << 6);
                    b.Scales[j] |= (byte)((lm >> 4) << 6);
                }
            }
            b.D = (Half)(maxScale / 63f);
            b.DMin = (Half)(maxMin / 63f);
            var packedScales = MemoryMarshal.CreateReadOnlySpan(ref b.Scales[0], 12);
            for (int j = 0; j < 8; j++)
            {
                KScales.ScaleMin(j, packedScales, out int sc, out int m);
                float d = (float)b.D * sc;
                if (d == 0) continue; // keeps the levels of the search
                float dm = (float)b.DMin * m;
                for (int l = 0; l < 32; l++)
                    levels[32 * j + l] = (byte)Math.Clamp(NearestInt((block[32 * j + l] + dm) / d), 0, 15);
            }
            for (int g = 0; g < 4; g++)
                for (int l = 0; l < 32; l++)
                    b.Qs[32 * g + l] = (byte)(levels[64 * g + l] | (levels[64 * g + 32 + l] << 4));
        }
    }

    /// <summary>
    /// ggml's make_qkx2_quants(n = 32, nmax = 15, rmin = −1, rdelta = 0.1, nstep = 20, squared error): levels of
    /// x ≈ scale·l − min with l in 0..15, starting from the range [min(x, 0), max(x)] and trying 21 stretched
    /// inverse scales, each refit by weighted least squares; keeps the fit with the smallest weighted error.
    /// Returns the scale and, through <paramref name="negatedMin"/>, −min (≥ 0).
    /// </summary>
    private static float ScaleAndMin(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<byte> levels, Span<byte> trial, out float negatedMin)
    {
        const int nmax = 15;
        const float rmin = -1f, rdelta = 0.1f;
        const int steps = 20;
        float min = x[0], max = x[0];
        float sumW = w[0], sumX = sumW * x[0];
        for (int i = 1; i < x.Length; i++)
        {
            if (x[i] < min) min = x[i];
            if (x[i] > max) max = x[i];
            sumW += w[i];
            sumX += w[i] * x[i];
        }
        if (min > 0) min = 0;
        if (max == min)
        {
            levels.Clear();
            negatedMin = -min;
            return 0;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < x.Length; i++)
        {
            levels[i] = (byte)Math.Clamp(NearestInt(iscale * (x[i] - min)), 0, nmax);
            float diff = scale * levels[i] + min - x[i];
            bestError += w[i] * (diff * diff);
        }
        for (int step = 0; step <= steps; step++)
        {
            iscale = (rmin + rdelta * step + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < x.Length; i++)
            {
                int l = Math.Clamp(NearestInt(iscale * (x[i] - min)), 0, nmax);
                trial[i] = (byte)l;
                sumL += w[i] * l;
                sumL2 += w[i] * l * l;
                sumXL += w[i] * l * x[i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det <= 0) continue;
            float thisScale = (sumW * sumXL - sumX * sumL) / det;
            float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
            if (thisMin > 0)
            {
                thisMin = 0;
                thisScale = sumXL / sumL2;
            }
            float error = 0;
            for (int i = 0; i < x.Length; i++)
            {
                float diff = thisScale * trial[i] + thisMin - x[i];
                error += w[i] * (diff * diff);
            }
            if (error < bestError)
            {
                trial.CopyTo(levels);
                bestError = error;
                scale = thisScale;
                min = thisMin;
            }
        }
        negatedMin = -min;
        return scale;
    }
}
