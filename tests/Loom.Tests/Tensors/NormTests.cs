using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class NormTests
{
    /// <summary>Layer norm (or RMS norm when <paramref name="rms"/>) of each row of length cols, in double.</summary>
    private static float[] Reference(float[] x, int cols, float[]? gamma, float[]? beta, float eps, bool rms)
    {
        var y = new float[x.Length];
        for (int r = 0; r < x.Length / cols; r++)
        {
            var row = x.Skip(r * cols).Take(cols).Select(v => (double)v).ToArray();
            double mean = rms ? 0 : row.Average();
            double second = row.Sum(v => (v - mean) * (v - mean)) / cols;
            for (int c = 0; c < cols; c++)
                y[r * cols + c] = (float)((row[c] - mean) / Math.Sqrt(second + eps) * (gamma?[c] ?? 1) + (beta?[c] ?? 0));
        }
        return y;
    }

    [Fact]
    public void LayerNorm_with_scale_and_shift() => GradCheck.CheckOp(x => Ops.LayerNorm(x[0], x[1], x[2]),
        v => Reference(v[0], 5, v[1], v[2], 1e-5f, false), [[2, 3, 5], [5], [5]]);

    [Fact]
    public void LayerNorm_without_affine() => GradCheck.CheckOp(x => Ops.LayerNorm(x[0], null, null, 1e-3f),
        v => Reference(v[0], 4, null, null, 1e-3f, false), [[3, 4]]);

    [Fact]
    public void LayerNorm_scale_only_of_a_transposed_input() => GradCheck.CheckOp(x => Ops.LayerNorm(x[0].Transpose(0, 1), x[1], null),
        v => Reference(MatMulTests.Transpose(v[0], 4, 3), 4, v[1], null, 1e-5f, false), [[4, 3], [4]]);

    [Fact]
    public void RmsNorm_with_scale() => GradCheck.CheckOp(x => Ops.RmsNorm(x[0], x[1]),
        v => Reference(v[0], 4, v[1], null, 1e-6f, true), [[2, 3, 4], [4]]);

    [Fact]
    public void RmsNorm_without_scale() => GradCheck.CheckOp(x => Ops.RmsNorm(x[0], null, 1e-4f),
        v => Reference(v[0], 5, null, null, 1e-4f, true), [[3, 5]]);

    [Fact]
    public void Frozen_parameters_get_no_gradient()
    {
        var rng = new LoomRandom(2);
        var x = Tensor.Randn(rng, [2, 4]).WithGrad();
        var gamma = Tensor.Ones(4);
        var beta = Tensor.Zeros(4).WithGrad();
        Ops.Sum(Ops.Mul(Ops.LayerNorm(x, gamma, beta), Tensor.Randn(rng, [2, 4]))).Backward();
        Assert.Null(gamma.Grad);
        Assert.NotNull(beta.Grad);
        Assert.NotNull(x.Grad);
    }

    [Fact]
    public void Parameter_of_the_wrong_size_names_both_shapes()
    {
        var e = Assert.Throws<LoomException>(() => Ops.LayerNorm(Tensor.Zeros(2, 4), Tensor.Ones(3), null));
        Assert.Equal(LoomErrorCode.ShapeMismatch, e.Code);
        Assert.Contains("gamma [3]", e.Message);
        Assert.Contains("[2, 4]", e.Message);
        Assert.Throws<LoomException>(() => Ops.RmsNorm(Tensor.Zeros(2, 4), Tensor.Ones(4, 1)));
    }
}
