using Loom.Core;

namespace Loom.Tests.Kernels;

/// <summary>
/// Helpers the small-kernel tests (softmax, norms, activations, RoPE, conversions) share: seeded inputs,
/// magnitude-scaled comparison, and central finite differences for checking backward passes.
/// </summary>
public static class SmallKernelAssert
{
    /// <summary>Every row length the fast-vs-reference tests cover: all vector tails and several full vectors.</summary>
    public static IEnumerable<int> AllLengths => Enumerable.Range(0, 257);

    public static float[] Gaussian(LoomRandom rng, int length, float scale = 1f, float offset = 0f)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = offset + scale * (float)rng.NextGaussian();
        return values;
    }

    /// <summary>|expected − actual| ≤ atol + rtol·|expected| elementwise; NaN must match NaN, ±Inf must match exactly.</summary>
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float atol, float rtol, string label)
    {
        Assert.True(expected.Length == actual.Length, $"{label}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            if (float.IsNaN(e) || float.IsInfinity(e))
            {
                Assert.True(e.Equals(a), $"{label}[{i}]: expected {e}, found {a}");
                continue;
            }
            double tolerance = atol + rtol * Math.Abs(e);
            Assert.True(Math.Abs(e - (double)a) <= tolerance,
                $"{label}[{i}] of {expected.Length}: expected {e:R}, found {a:R} (diff {Math.Abs(e - (double)a):G3} > tol {tolerance:G3})");
        }
    }

    /// <summary>∂loss/∂x[i] by central differences, each evaluated on a fresh copy of x.</summary>
    public static double[] NumericGradient(Func<float[], double> loss, float[] x, float eps)
    {
        var grad = new double[x.Length];
        var probe = (float[])x.Clone();
        for (int i = 0; i < x.Length; i++)
        {
            probe[i] = x[i] + eps;
            double plus = loss(probe);
            probe[i] = x[i] - eps;
            double minus = loss(probe);
            probe[i] = x[i];
            // Divide by the step actually taken: x ± eps is rounded to float.
            grad[i] = (plus - minus) / ((double)(x[i] + eps) - (x[i] - eps));
        }
        return grad;
    }

    /// <summary>Σ w·y in double: the scalar loss whose gradient with respect to y is w (no gradient cancels).</summary>
    public static double Weighted(ReadOnlySpan<float> y, ReadOnlySpan<float> w)
    {
        double sum = 0;
        for (int i = 0; i < y.Length; i++) sum += (double)y[i] * w[i];
        return sum;
    }

    public static void GradientClose(double[] numeric, ReadOnlySpan<float> analytic, double atol, double rtol, string label)
    {
        Assert.Equal(numeric.Length, analytic.Length);
        for (int i = 0; i < numeric.Length; i++)
        {
            double tolerance = atol + rtol * Math.Abs(numeric[i]);
            Assert.True(Math.Abs(numeric[i] - analytic[i]) <= tolerance,
                $"{label}[{i}]: finite difference {numeric[i]:G6}, analytic {analytic[i]:G6} (tol {tolerance:G3})");
        }
    }
}
