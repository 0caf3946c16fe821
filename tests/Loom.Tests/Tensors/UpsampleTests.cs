using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class UpsampleTests
{
    /// <summary>Output pixel (oy, ox) reads input pixel (oy / scaleH, ox / scaleW).</summary>
    private static float[] Reference(float[] x, int[] s, int sh, int sw)
    {
        int ho = s[2] * sh, wo = s[3] * sw;
        var y = new float[s[0] * s[1] * ho * wo];
        for (int plane = 0; plane < s[0] * s[1]; plane++)
        for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
            y[(plane * ho + oy) * wo + ox] = x[(plane * s[2] + oy / sh) * s[3] + ox / sw];
        return y;
    }

    [Fact] public void Scale_2() => GradCheck.CheckOp(t => Ops.UpsampleNearest2d(t[0], 2), v => Reference(v[0], [2, 3, 2, 3], 2, 2), [[2, 3, 2, 3]]);
    [Fact] public void Separate_scales() => GradCheck.CheckOp(t => Ops.UpsampleNearest2d(t[0], 3, 1), v => Reference(v[0], [1, 2, 3, 2], 3, 1), [[1, 2, 3, 2]]);
    [Fact] public void Scale_1_is_identity() => GradCheck.CheckOp(t => Ops.UpsampleNearest2d(t[0], 1), v => v[0], [[1, 1, 2, 2]]);

    [Fact]
    public void Shape_grows_by_the_factors() => Assert.Equal([1, 2, 6, 12], Ops.UpsampleNearest2d(Tensor.Zeros(1, 2, 3, 4), 2, 3).ShapeArray);

    [Fact]
    public void Bad_input_names_the_op()
    {
        Assert.Contains("upsample_nearest2d", Assert.Throws<LoomException>(() => Ops.UpsampleNearest2d(Tensor.Zeros(2, 3, 4), 2)).Message);
        Assert.Contains("upsample_nearest2d", Assert.Throws<LoomException>(() => Ops.UpsampleNearest2d(Tensor.Zeros(1, 1, 2, 2), 0)).Message);
    }
}
