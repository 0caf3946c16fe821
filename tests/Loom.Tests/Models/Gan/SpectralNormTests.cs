using Loom.Core;
using Loom.Models.Gan;
using Loom.Tensors;
using Loom.Tests.Tensors;

namespace Loom.Tests.Models.Gan;

public class SpectralNormTests
{
    /// <summary>Reference: the largest singular value from 3000 power iterations on WᵀW in double precision.</summary>
    private static double LargestSingularValue(float[] w, int rows, int cols)
    {
        var v = Enumerable.Range(0, cols).Select(i => 1.0 + 0.1 * i).ToArray();
        double lambda = 0;
        for (int iteration = 0; iteration < 3000; iteration++)
        {
            var wv = new double[rows];
            for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) wv[r] += w[r * cols + c] * v[c];
            var next = new double[cols];
            for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) next[c] += w[r * cols + c] * wv[r];
            lambda = Math.Sqrt(next.Sum(x => x * x));
            for (int c = 0; c < cols; c++) v[c] = next[c] / lambda;
        }
        return Math.Sqrt(lambda);
    }

    [Fact]
    public void Power_iteration_estimate_converges_to_the_largest_singular_value()
    {
        var rng = new LoomRandom(3);
        var weight = Tensor.Randn(rng, [6, 10]);
        var u = SpectralNorm.InitialU(6, rng);
        for (int i = 0; i < 60; i++) SpectralNorm.Normalize(weight, u, update: true);
        double expected = LargestSingularValue(weight.ToArray(), 6, 10);
        Assert.Equal(expected, SpectralNorm.Estimate(weight, u), expected * 1e-3);

        var normalized = SpectralNorm.Normalize(weight, u, update: false).ToArray();
        Assert.Equal(1.0, LargestSingularValue(normalized, 6, 10), 1e-3);
    }

    [Fact]
    public void Gradient_through_the_normalized_weight_matches_finite_differences()
    {
        var u = SpectralNorm.InitialU(4, new LoomRandom(9));
        GradCheck.CheckOp(x => SpectralNorm.Normalize(x[0], u, update: false), null, [[4, 3, 2, 2]], eps: 1e-3f);
    }

    [Fact]
    public void Layers_refine_u_only_while_training_and_save_it()
    {
        var layer = new SpectralNormConv2d(2, 3, 3, new LoomRandom(1), padding: 1);
        Assert.Contains("u", layer.StateDict().Keys);
        var x = Tensor.Randn(new LoomRandom(2), [1, 2, 5, 5]);
        var before = layer.U.ToArray();
        layer.Eval();
        layer.Forward(x);
        Assert.Equal(before, layer.U.ToArray());
        layer.Train();
        layer.Forward(x);
        Assert.NotEqual(before, layer.U.ToArray());
        Assert.Equal(1.0, Math.Sqrt(layer.U.ToArray().Sum(v => (double)v * v)), 1e-5);
    }
}
