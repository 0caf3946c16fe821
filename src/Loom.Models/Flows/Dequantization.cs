using Loom.Core;
using Loom.Tensors;

namespace Loom.Models.Flows;

/// <summary>
/// Between 8-bit images and the flow's continuous space. A pixel p ∈ [−1, 1] is the 8-bit level k = round((p + 1)·127.5);
/// the flow sees x = (k + u)/256 − ½ with u ~ U[0, 1) (uniform dequantization), so x ∈ [−½, ½).
/// </summary>
/// <remarks>
/// Bits per dimension. The flow's density p(x) over [−½, ½)^D is a density over v = k + u ∈ [0, 256)^D of
/// p(x)·256^−D, and E_u[−log₂ of that] bounds −log₂ P(k) from above (Theis et al. 2016). Per dimension:
/// <code>bits/dim = (−log p(x) + D·ln 256) / (D·ln 2) = −log p(x) / (D·ln 2) + 8</code>
/// with log p(x) in nats and D = C·H·W. That is the figure on the same [0, 255] scale as the VAE's discretized bits/dim
/// and every published number (e.g. Glow's 3.35 on CIFAR-10); 8 bits/dim is a uniform guess over 256 levels.
/// </remarks>
public static class Dequantization
{
    /// <summary>8-bit levels.</summary>
    public const int Levels = 256;

    /// <summary>log₂ 256: what bits/dim adds to −log p(x)/(D·ln 2) for the change of scale from [−½, ½) to [0, 256).</summary>
    public const double BitsOfScale = 8;

    /// <summary>
    /// Pixels in [−1, 1] → flow space, each level k moved to (k + u)/256 − ½. With <paramref name="noise"/>, u is drawn
    /// per value in row-major order (training, likelihoods); without, u = ½ (the middle of the bin: encoding for interpolation).
    /// </summary>
    public static Tensor ToFlowSpace(Tensor pixels, LoomRandom? noise = null)
    {
        var source = pixels.Contiguous().AsSpan();
        var data = new float[source.Length];
        for (int i = 0; i < data.Length; i++)
        {
            float level = MathF.Round(Math.Clamp((source[i] + 1f) * 127.5f, 0f, 255f));
            float u = noise is null ? 0.5f : noise.NextSingle();
            data[i] = (level + u) / Levels - 0.5f;
        }
        return new Tensor(data, pixels.ShapeArray);
    }

    /// <summary>Flow space → pixels in [−1, 1]: the inverse of <see cref="ToFlowSpace"/> at u = ½, clamped to the pixel range.</summary>
    public static Tensor ToPixels(Tensor x)
    {
        var source = x.Contiguous().AsSpan();
        var data = new float[source.Length];
        for (int i = 0; i < data.Length; i++)
        {
            float level = (source[i] + 0.5f) * Levels - 0.5f;
            data[i] = Math.Clamp(level / 127.5f - 1f, -1f, 1f);
        }
        return new Tensor(data, x.ShapeArray);
    }

    /// <summary>Bits per dimension of one image from the flow's log-likelihood in nats (see the remarks for the formula).</summary>
    public static double BitsPerDim(double logLikelihood, int dimensions) => -logLikelihood / (dimensions * Math.Log(2)) + BitsOfScale;

    /// <summary>The mean bits/dim of a batch as a differentiable one-element loss, from log p(x) per image ([N]).</summary>
    public static Tensor BitsPerDimLoss(Tensor logLikelihood, int dimensions) =>
        Ops.AddScalar(Ops.Scale(Ops.Mean(logLikelihood), (float)(-1 / (dimensions * Math.Log(2)))), (float)BitsOfScale);
}
