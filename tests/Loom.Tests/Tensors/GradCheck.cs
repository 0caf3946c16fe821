using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

/// <summary>
/// The one-line op check: <c>GradCheck.CheckOp(x =&gt; Ops.Tanh(x[0]), reference, [3, 4])</c> builds seeded random
/// inputs, compares the forward value with a plain reference (when given), then compares every input's analytic
/// gradient with central finite differences of L = Σ w·op(x) for fixed random weights w (so no gradient cancels).
/// </summary>
public static class GradCheck
{
    /// <param name="op">The op under test, applied to the inputs.</param>
    /// <param name="reference">Plain implementation over the inputs' row-major values; null to skip the forward check.</param>
    /// <param name="shapes">One shape per input.</param>
    /// <param name="seed">Seed for inputs and weights.</param>
    /// <param name="makeInput">Optional input generator (e.g. positive values for log); default N(0, 1).</param>
    /// <param name="eps">Finite-difference step.</param>
    /// <param name="atol">Absolute tolerance on gradient entries.</param>
    /// <param name="rtol">Relative tolerance on gradient entries.</param>
    /// <param name="differentiable">Which inputs to check the gradient of (default all).</param>
    public static void CheckOp(
        Func<Tensor[], Tensor> op,
        Func<float[][], float[]>? reference,
        int[][] shapes,
        ulong seed = 1,
        Func<LoomRandom, int[], Tensor>? makeInput = null,
        float eps = 1e-2f,
        float atol = 5e-3f,
        float rtol = 1e-2f,
        bool[]? differentiable = null)
    {
        var rng = new LoomRandom(seed);
        makeInput ??= (r, s) => Tensor.Randn(r, s);
        var inputs = shapes.Select(s => makeInput(rng, s)).ToArray();
        for (int i = 0; i < inputs.Length; i++)
            inputs[i].RequiresGrad = differentiable?[i] ?? true;

        var output = op(inputs);
        if (reference != null)
        {
            var expected = reference(inputs.Select(t => t.ToArray()).ToArray());
            AssertClose(expected, output.ToArray(), 1e-4f, 1e-4f, "forward");
        }

        var weights = Tensor.Randn(rng, output.ShapeArray);
        var w = weights.ToArray();
        var loss = Ops.Sum(Ops.Mul(output, weights));
        loss.Backward();

        for (int i = 0; i < inputs.Length; i++)
        {
            if (!(differentiable?[i] ?? true)) continue;
            var x = inputs[i];
            var analytic = x.Grad?.ToArray() ?? new float[x.Length];
            var numeric = new float[x.Length];
            var data = x.DataSpan;
            using (GradMode.NoGrad())
            {
                for (int j = 0; j < x.Length; j++)
                {
                    float saved = data[j];
                    data[j] = saved + eps;
                    double plus = WeightedSum(op(inputs), w);
                    data[j] = saved - eps;
                    double minus = WeightedSum(op(inputs), w);
                    data[j] = saved;
                    numeric[j] = (float)((plus - minus) / (2 * eps));
                }
            }
            AssertClose(numeric, analytic, atol, rtol, $"gradient of input {i} {ShapeUtil.Format(x.Shape)}");
        }
    }

    private static double WeightedSum(Tensor output, float[] weights)
    {
        var values = output.ToArray();
        double sum = 0;
        for (int i = 0; i < values.Length; i++) sum += (double)values[i] * weights[i];
        return sum;
    }

    public static void AssertClose(float[] expected, float[] actual, float atol, float rtol, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: expected {expected.Length} values, found {actual.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            float tolerance = atol + rtol * Math.Max(Math.Abs(e), Math.Abs(a));
            Assert.True(Math.Abs(e - a) <= tolerance || (float.IsNaN(e) && float.IsNaN(a)),
                $"{what}: element {i} expected {e} but found {a} (tolerance {tolerance})");
        }
    }
}
