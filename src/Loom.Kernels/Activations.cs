using System.Numerics.Tensors;

namespace Loom.Kernels;

/// <summary>
/// Elementwise activations and their backward passes: GELU (tanh approximation, as GPT-2), GELU (exact, erf) and
/// SiLU. Destinations may be the same span as an input. Same contract as <see cref="ActivationsReference"/>.
/// </summary>
public static class Activations
{
    // √(2/π) and the cubic coefficient of the tanh approximation.
    internal const float GeluScale = 0.7978845608028654f;
    internal const float GeluCubic = 0.044715f;
    // Inputs are processed in chunks this long so the intermediate terms stay in L1 and need no allocation.
    private const int ChunkLength = 256;

    /// <summary>y = 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))), computed as x·σ(2u) (the same value, no overflow).</summary>
    public static void Gelu(ReadOnlySpan<float> x, Span<float> y)
    {
        Validate("gelu", x.Length, "y", y.Length);
        Span<float> s = stackalloc float[ChunkLength];
        for (int start = 0; start < x.Length; start += ChunkLength)
        {
            int n = Math.Min(ChunkLength, x.Length - start);
            ReadOnlySpan<float> xc = x.Slice(start, n);
            Span<float> sc = s[..n];
            GeluGate(xc, sc);
            TensorPrimitives.Multiply(xc, sc, y.Slice(start, n));
        }
    }

    /// <summary>dx = dy·(σ + 2·x·σ(1 − σ)·√(2/π)(1 + 3·0.044715x²)) with σ = σ(2u), the derivative of <see cref="Gelu"/>.</summary>
    public static void GeluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        ValidateBackward("gelu backward", x.Length, dy.Length, dx.Length);
        Span<float> scratch = stackalloc float[2 * ChunkLength];
        for (int start = 0; start < x.Length; start += ChunkLength)
        {
            int n = Math.Min(ChunkLength, x.Length - start);
            ReadOnlySpan<float> xc = x.Slice(start, n);
            Span<float> s = scratch[..n], t = scratch.Slice(ChunkLength, n);
            GeluGate(xc, s);
            TensorPrimitives.Multiply(xc, xc, t);
            TensorPrimitives.Multiply(t, 3 * GeluCubic, t);
            TensorPrimitives.Add(t, 1f, t);
            TensorPrimitives.Multiply(t, xc, t);
            TensorPrimitives.Multiply(t, 2 * GeluScale, t); // t = du/dx · x · 2
            FinishGatedBackward(s, t, dy.Slice(start, n), dx.Slice(start, n));
        }
    }

    /// <summary>y = x·σ(x).</summary>
    public static void Silu(ReadOnlySpan<float> x, Span<float> y)
    {
        Validate("silu", x.Length, "y", y.Length);
        Span<float> s = stackalloc float[ChunkLength];
        for (int start = 0; start < x.Length; start += ChunkLength)
        {
            int n = Math.Min(ChunkLength, x.Length - start);
            ReadOnlySpan<float> xc = x.Slice(start, n);
            TensorPrimitives.Sigmoid(xc, s[..n]);
            TensorPrimitives.Multiply(xc, s[..n], y.Slice(start, n));
        }
    }

    /// <summary>dx = dy·σ(x)·(1 + x·(1 − σ(x))).</summary>
    public static void SiluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        ValidateBackward("silu backward", x.Length, dy.Length, dx.Length);
        Span<float> s = stackalloc float[ChunkLength];
        for (int start = 0; start < x.Length; start += ChunkLength)
        {
            int n = Math.Min(ChunkLength, x.Length - start);
            ReadOnlySpan<float> xc = x.Slice(start, n);
            TensorPrimitives.Sigmoid(xc, s[..n]);
            FinishGatedBackward(s[..n], xc, dy.Slice(start, n), dx.Slice(start, n));
        }
    }

    /// <summary>y = x·Φ(x) = 0.5·x·(1 + erf(x/√2)), the exact GELU (BERT, many encoders). Scalar loop.</summary>
    public static void GeluErf(ReadOnlySpan<float> x, Span<float> y)
    {
        Validate("gelu-erf", x.Length, "y", y.Length);
        for (int i = 0; i < x.Length; i++) y[i] = (float)(x[i] * NormalCdf(x[i]));
    }

    /// <summary>dx = dy·(Φ(x) + x·φ(x)), the derivative of <see cref="GeluErf"/>.</summary>
    public static void GeluErfBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        ValidateBackward("gelu-erf backward", x.Length, dy.Length, dx.Length);
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            double pdf = Math.Exp(-0.5 * v * v) * 0.3989422804014327; // φ(x) = e^(−x²/2)/√(2π)
            dx[i] = (float)(dy[i] * (NormalCdf(v) + v * pdf));
        }
    }

    // σ(2u) with u = √(2/π)(x + 0.044715x³): equals 0.5(1 + tanh u).
    private static void GeluGate(ReadOnlySpan<float> x, Span<float> s)
    {
        TensorPrimitives.Multiply(x, x, s);
        TensorPrimitives.Multiply(s, GeluCubic, s);
        TensorPrimitives.Add(s, 1f, s);
        TensorPrimitives.Multiply(s, x, s);
        TensorPrimitives.Multiply(s, 2 * GeluScale, s);
        TensorPrimitives.Sigmoid(s, s);
    }

    // For y = x·σ(g(x)): dx = dy·(σ + σ(1 − σ)·t) where t = x·g'(x). Reads dy, t and s at each position before
    // writing dx there, so dx may alias dy.
    private static void FinishGatedBackward(ReadOnlySpan<float> s, ReadOnlySpan<float> t, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < s.Length; i++)
        {
            float si = s[i], slope = si * (1 - si);
            // Where σ saturates (slope 0), t may have overflowed to ±Inf; the product is 0 there, not NaN.
            dx[i] = dy[i] * (slope == 0 ? si : si + slope * t[i]);
        }
    }

    /// <summary>
    /// Φ(x), the standard normal CDF, from erfc(|x|/√2) ≈ t·P(t)·e^(−z²) with t = 1/(1 + p·z) (Abramowitz &amp; Stegun
    /// 7.1.26, |error| ≤ 1.5e-7). Using erfc on the tail side keeps Φ accurate for negative x instead of 1 − 1 + tiny.
    /// </summary>
    internal static double NormalCdf(double x)
    {
        double z = Math.Abs(x) * 0.7071067811865476;
        double t = 1 / (1 + 0.3275911 * z);
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        double halfErfc = 0.5 * poly * Math.Exp(-z * z);
        return x >= 0 ? 1 - halfErfc : halfErfc;
    }

    internal static void Validate(string op, int inLength, string outName, int outLength)
    {
        if (outLength < inLength)
            throw Core.LoomException.Shape(op, $"{outName} needs {inLength} elements (the length of x), found {outLength}");
    }

    internal static void ValidateBackward(string op, int xLength, int dyLength, int dxLength)
    {
        if (dyLength != xLength)
            throw Core.LoomException.Shape(op, $"dy needs {xLength} elements (the length of x), found {dyLength}");
        Validate(op, xLength, "dx", dxLength);
    }
}
