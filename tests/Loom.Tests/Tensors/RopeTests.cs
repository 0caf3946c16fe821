using Loom.Core;
using Loom.Kernels;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class RopeTests
{
    /// <summary>The definition: pair i of each head at position p turns by p·theta^(−2i/rotaryDim), in double.</summary>
    private static float[] Reference(float[] x, int[] s, int startPos, float theta, RopeStyle style, int rotaryDim = 0)
    {
        int b = s[0], t = s[1], h = s[2], d = s[3], rd = rotaryDim == 0 ? d : rotaryDim, half = rd / 2;
        var y = (float[])x.Clone();
        for (int n = 0; n < b; n++)
        for (int p = 0; p < t; p++)
        for (int head = 0; head < h; head++)
        {
            int o = ((n * t + p) * h + head) * d;
            for (int i = 0; i < half; i++)
            {
                double angle = (startPos + p) * Math.Pow(theta, -2.0 * i / rd);
                int ia = style == RopeStyle.NeoX ? o + i : o + 2 * i, ib = style == RopeStyle.NeoX ? o + i + half : o + 2 * i + 1;
                y[ia] = (float)(x[ia] * Math.Cos(angle) - x[ib] * Math.Sin(angle));
                y[ib] = (float)(x[ia] * Math.Sin(angle) + x[ib] * Math.Cos(angle));
            }
        }
        return y;
    }

    [Theory]
    [InlineData(RopeStyle.Interleaved, 0)]
    [InlineData(RopeStyle.NeoX, 0)]
    [InlineData(RopeStyle.Interleaved, 5)]
    [InlineData(RopeStyle.NeoX, 17)]
    public void Matches_definition_and_gradient(RopeStyle style, int startPos) =>
        GradCheck.CheckOp(x => Ops.Rope(x[0], startPos, 10000f, style), v => Reference(v[0], [2, 3, 2, 8], startPos, 10000f, style), [[2, 3, 2, 8]]);

    [Fact]
    public void Partial_rotary_leaves_the_tail_alone() =>
        GradCheck.CheckOp(x => Ops.Rope(x[0], 3, 500f, RopeStyle.NeoX, rotaryDim: 4), v => Reference(v[0], [1, 4, 1, 8], 3, 500f, RopeStyle.NeoX, 4), [[1, 4, 1, 8]]);

    [Fact]
    public void Preserves_norms_and_makes_scores_depend_on_relative_position()
    {
        // q at position m and k at position n score the same as at m + 7 and n + 7: RoPE encodes only m − n.
        var rng = new LoomRandom(8);
        var q = Tensor.Randn(rng, [1, 1, 1, 16]);
        var k = Tensor.Randn(rng, [1, 1, 1, 16]);
        float Score(int m, int n) => Ops.Sum(Ops.Mul(Ops.Rope(q, m, 10000f, RopeStyle.NeoX), Ops.Rope(k, n, 10000f, RopeStyle.NeoX))).Item();
        Assert.Equal(Score(3, 1), Score(10, 8), 1e-3f);
        var rotated = Ops.Rope(q, 100, 10000f, RopeStyle.Interleaved).ToArray();
        Assert.Equal(q.ToArray().Sum(v => v * v), rotated.Sum(v => v * v), 1e-3f);
    }

    [Fact]
    public void Bad_shapes_name_the_op()
    {
        var e = Assert.Throws<LoomException>(() => Ops.Rope(Tensor.Zeros(1, 2, 3, 5), 0, 10000f, RopeStyle.NeoX));
        Assert.Contains("rope", e.Message);
        Assert.Contains("[1, 2, 3, 5]", e.Message);
        Assert.Throws<LoomException>(() => Ops.Rope(Tensor.Zeros(2, 3, 4), 0, 10000f, RopeStyle.NeoX));
        Assert.Throws<LoomException>(() => Ops.Rope(Tensor.Zeros(1, 2, 1, 4), -1, 10000f, RopeStyle.NeoX));
    }
}
