namespace Loom.Kernels;

/// <summary>
/// The plain loop that <see cref="Rope"/> is tested against: every angle and product formed in double, pairs found
/// by the definition of each style.
/// </summary>
public static class RopeReference
{
    public static void Apply(Span<float> x, ReadOnlySpan<int> positions, int heads, int headDim, float theta,
        RopeStyle style, bool inverse = false, int rotaryDim = 0)
    {
        rotaryDim = Rope.ValidateGeometry("rope", headDim, theta, rotaryDim);
        Rope.ValidateLayout(x.Length, positions.Length, heads, headDim);
        int half = rotaryDim / 2;
        for (int p = 0; p < positions.Length; p++)
        for (int h = 0; h < heads; h++)
        {
            int o = (p * heads + h) * headDim;
            for (int i = 0; i < half; i++)
            {
                double angle = positions[p] * Math.Pow(theta, -2.0 * i / rotaryDim) * (inverse ? -1 : 1);
                int ia = style == RopeStyle.NeoX ? o + i : o + 2 * i;
                int ib = style == RopeStyle.NeoX ? o + i + half : o + 2 * i + 1;
                double a = x[ia], b = x[ib];
                x[ia] = (float)(a * Math.Cos(angle) - b * Math.Sin(angle));
                x[ib] = (float)(a * Math.Sin(angle) + b * Math.Cos(angle));
            }
        }
    }
}
