namespace Loom.Kernels;

/// <summary>
/// The plain loops that <see cref="Activations"/> is tested against: textbook formulas (tanh, exp) in double, and
/// an erf from its everywhere-convergent series rather than the fast kernel's fitted approximation.
/// </summary>
public static class ActivationsReference
{
    public static void Gelu(ReadOnlySpan<float> x, Span<float> y)
    {
        Activations.Validate("gelu", x.Length, "y", y.Length);
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            y[i] = (float)(0.5 * v * (1 + Math.Tanh(GeluInner(v))));
        }
    }

    public static void GeluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Activations.ValidateBackward("gelu backward", x.Length, dy.Length, dx.Length);
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            double th = Math.Tanh(GeluInner(v));
            double du = Activations.GeluScale * (1 + 3 * (double)Activations.GeluCubic * v * v);
            dx[i] = (float)(dy[i] * (0.5 * (1 + th) + 0.5 * v * (1 - th * th) * du));
        }
    }

    public static void Silu(ReadOnlySpan<float> x, Span<float> y)
    {
        Activations.Validate("silu", x.Length, "y", y.Length);
        for (int i = 0; i < x.Length; i++) y[i] = (float)(x[i] * Sigmoid(x[i]));
    }

    public static void SiluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Activations.ValidateBackward("silu backward", x.Length, dy.Length, dx.Length);
        for (int i = 0; i < x.Length; i++)
        {
            double s = Sigmoid(x[i]);
            dx[i] = (float)(dy[i] * s * (1 + x[i] * (1 - s)));
        }
    }

    public static void GeluErf(ReadOnlySpan<float> x, Span<float> y)
    {
        Activations.Validate("gelu-erf", x.Length, "y", y.Length);
        for (int i = 0; i < x.Length; i++) y[i] = (float)(x[i] * NormalCdf(x[i]));
    }

    public static void GeluErfBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Activations.ValidateBackward("gelu-erf backward", x.Length, dy.Length, dx.Length);
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            double pdf = Math.Exp(-0.5 * v * v) / Math.Sqrt(2 * Math.PI);
            dx[i] = (float)(dy[i] * (NormalCdf(v) + v * pdf));
        }
    }

    /// <summary>erf(z) = (2/√π)·e^(−z²)·Σₙ 2ⁿz^(2n+1)/(1·3·…·(2n+1)): every term positive, so no cancellation.</summary>
    public static double Erf(double z)
    {
        double a = Math.Abs(z);
        if (a > 6) return Math.Sign(z); // erfc(6) ≈ 2e-17: below double resolution of 1
        double term = a, sum = a;
        for (int n = 1; term > 1e-17 * sum; n++)
        {
            term *= 2 * a * a / (2 * n + 1);
            sum += term;
        }
        return Math.Sign(z) * 2 / Math.Sqrt(Math.PI) * Math.Exp(-a * a) * sum;
    }

    private static double NormalCdf(double x) => 0.5 * (1 + Erf(x / Math.Sqrt(2)));

    private static double GeluInner(double v) => Activations.GeluScale * (v + Activations.GeluCubic * v * v * v);

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
}
