namespace Loom.Kernels.Quant;

/// <summary>Rounding helpers shared by the K-quant quantizers.</summary>
internal static class GgmlRounding
{
    /// <summary>Below this magnitude a group counts as all zero (ggml's GROUP_MAX_EPS).</summary>
    public const float GroupMaxEps = 1e-15f;

    /// <summary>ggml's nearest_int: round half to even (its float magic-number trick, exact below 2^22).</summary>
    public static int NearestInt(float v) => (int)MathF.Round(v, MidpointRounding.ToEven);
}
