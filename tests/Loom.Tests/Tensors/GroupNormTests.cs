using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class GroupNormTests
{
    /// <summary>The definition in double precision: per (sample, group) mean and biased variance, then the affine.</summary>
    private static float[] Reference(float[] x, int n, int c, int groups, float[]? gamma, float[]? beta, float eps = 1e-5f)
    {
        int spatial = x.Length / (n * c), size = c / groups * spatial;
        var y = new float[x.Length];
        for (int s = 0; s < n * groups; s++)
        {
            var group = x.Skip(s * size).Take(size).Select(v => (double)v).ToArray();
            double mean = group.Average(), variance = group.Select(v => (v - mean) * (v - mean)).Average();
            for (int i = 0; i < size; i++)
            {
                int channel = s % groups * (c / groups) + i / spatial;
                double normalized = (group[i] - mean) / Math.Sqrt(variance + eps);
                y[s * size + i] = (float)(normalized * (gamma?[channel] ?? 1) + (beta?[channel] ?? 0));
            }
        }
        return y;
    }

    [Fact]
    public void Affine_4d() => GradCheck.CheckOp(t => Ops.GroupNorm(t[0], 2, t[1], t[2]),
        v => Reference(v[0], 2, 4, 2, v[1], v[2]), [[2, 4, 3, 2], [4], [4]]);

    [Fact]
    public void One_group_is_layer_norm_over_c_h_w() => GradCheck.CheckOp(t => Ops.GroupNorm(t[0], 1, t[1], null),
        v => Reference(v[0], 2, 3, 1, v[1], null), [[2, 3, 2, 2], [3]]);

    [Fact]
    public void Groups_equal_channels_and_no_affine() => GradCheck.CheckOp(t => Ops.GroupNorm(t[0], 3),
        v => Reference(v[0], 1, 3, 3, null, null), [[1, 3, 5]]);

    [Fact]
    public void Rank_2_input_with_beta_only() => GradCheck.CheckOp(t => Ops.GroupNorm(t[0], 2, null, t[1]),
        v => Reference(v[0], 3, 4, 2, null, v[1]), [[3, 4], [4]]);

    [Fact]
    public void Large_offset_keeps_unit_variance()
    {
        var rng = new LoomRandom(5);
        var x = Tensor.Randn(rng, [1, 2, 8, 8], mean: 1000f);
        var y = Ops.GroupNorm(x, 1).ToArray();
        double mean = y.Average(), variance = y.Select(v => (v - mean) * (v - mean)).Average();
        Assert.InRange(mean, -1e-3, 1e-3);
        Assert.InRange(variance, 0.99, 1.01);
    }

    [Fact]
    public void Bad_shapes_name_the_op()
    {
        var e = Assert.Throws<LoomException>(() => Ops.GroupNorm(Tensor.Zeros(2, 6, 4), 4));
        Assert.Contains("group_norm", e.Message);
        Assert.Contains("[2, 6, 4]", e.Message);
        Assert.Contains("gamma", Assert.Throws<LoomException>(() => Ops.GroupNorm(Tensor.Zeros(2, 6, 4), 3, Tensor.Zeros(4))).Message);
    }
}
