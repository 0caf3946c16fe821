using Loom.Core;
using Loom.Kernels;

namespace Loom.Tests.Kernels;

/// <summary>Seeded operands and the error bound the GEMM and matrix-vector tests compare against.</summary>
internal static class GemmTestData
{
    public static float[] Gaussian(int length, ulong seed)
    {
        var rng = new LoomRandom(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)rng.NextGaussian();
        return values;
    }

    /// <summary>Every micro-kernel this CPU can run, as names for xunit theories.</summary>
    public static TheoryData<string> SupportedKernels()
    {
        var data = new TheoryData<string>();
        foreach (var kind in GemmKernels.Supported()) data.Add(kind.ToString());
        return data;
    }

    public static GemmKernelKind Kernel(string name) => Enum.Parse<GemmKernelKind>(name);

    /// <summary>
    /// Asserts |actual − expected| ≤ (k + 2)·ε·(Σ_p |a||b| + |c₀|) per element: the forward-error bound of a
    /// float32 dot product of length k (any summation order) plus the final add to c₀.
    /// </summary>
    public static void AssertWithinDotBound(float[] expected, float[] actual, float[] magnitude, int k, string label)
    {
        Assert.Equal(expected.Length, actual.Length);
        double unit = (k + 2) * 1.2e-7;
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = unit * magnitude[i] + 1e-30;
            double diff = Math.Abs(expected[i] - (double)actual[i]);
            // Not Assert.True(cond, message): that would format a message for every passing element.
            if (!(diff <= tolerance))
                Assert.Fail($"{label}: element {i}: expected {expected[i]:R}, found {actual[i]:R} (diff {diff:G3} > {tolerance:G3})");
        }
    }

    public static float[] Abs(float[] values) => values.Select(MathF.Abs).ToArray();

    public static void AssertBitIdentical(float[] expected, float[] actual, string label)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{label}: element {i} differs: {expected[i]:R} vs {actual[i]:R}");
    }
}
