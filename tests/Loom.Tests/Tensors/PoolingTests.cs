using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class PoolingTests
{
    /// <summary>Pooling by definition: visit every window position, padded positions included.</summary>
    private static float[] Pool(float[] x, int[] s, int kernel, int stride, int pad, bool max)
    {
        int ho = (s[2] + 2 * pad - kernel) / stride + 1, wo = (s[3] + 2 * pad - kernel) / stride + 1;
        var y = new List<float>();
        for (int plane = 0; plane < s[0] * s[1]; plane++)
        for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
        {
            float best = float.NegativeInfinity, sum = 0;
            for (int i = 0; i < kernel; i++)
            for (int j = 0; j < kernel; j++)
            {
                int iy = oy * stride - pad + i, ix = ox * stride - pad + j;
                bool inside = iy >= 0 && iy < s[2] && ix >= 0 && ix < s[3];
                float v = inside ? x[(plane * s[2] + iy) * s[3] + ix] : 0f; // a zero for the average
                sum += v;
                if (inside) best = Math.Max(best, v);
            }
            y.Add(max ? best : sum / (kernel * kernel));
        }
        return y.ToArray();
    }

    [Fact] public void Avg_2x2_stride_2() => GradCheck.CheckOp(t => Ops.AvgPool2d(t[0], 2, 2), v => Pool(v[0], [2, 3, 4, 6], 2, 2, 0, false), [[2, 3, 4, 6]]);
    [Fact] public void Avg_3x3_stride_2_padding_1_counts_padding() => GradCheck.CheckOp(t => Ops.AvgPool2d(t[0], 3, 2, 1), v => Pool(v[0], [1, 2, 5, 6], 3, 2, 1, false), [[1, 2, 5, 6]]);
    [Fact] public void Avg_overlapping_stride_1() => GradCheck.CheckOp(t => Ops.AvgPool2d(t[0], 2, 1), v => Pool(v[0], [1, 1, 4, 3], 2, 1, 0, false), [[1, 1, 4, 3]]);
    // Distinct, well-separated values keep finite differences away from ties in the arg-max.
    private static Tensor Distinct(LoomRandom rng, int[] shape)
    {
        int n = ShapeUtil.Product(shape);
        var order = Enumerable.Range(0, n).Select(i => (Key: rng.NextSingle(), Value: i * 0.1f)).OrderBy(p => p.Key).Select(p => p.Value).ToArray();
        return Tensor.FromArray(order, shape);
    }

    [Fact] public void Max_2x2_stride_2() => GradCheck.CheckOp(t => Ops.MaxPool2d(t[0], 2, 2), v => Pool(v[0], [2, 2, 4, 4], 2, 2, 0, true), [[2, 2, 4, 4]], makeInput: Distinct);
    [Fact] public void Max_3x3_stride_2_padding_1() => GradCheck.CheckOp(t => Ops.MaxPool2d(t[0], 3, 2, 1), v => Pool(v[0], [1, 2, 5, 6], 3, 2, 1, true), [[1, 2, 5, 6]], makeInput: Distinct);

    [Fact]
    public void Max_padding_never_wins_over_negative_values()
    {
        var x = Tensor.Full(-5f, 1, 1, 2, 2);
        Assert.All(Ops.MaxPool2d(x, 3, 1, 1).ToArray(), v => Assert.Equal(-5f, v));
    }

    [Fact]
    public void Max_gradient_goes_to_the_arg_max_only()
    {
        var x = Tensor.FromArray([1f, 4f, 2f, 3f], 1, 1, 2, 2).WithGrad();
        Ops.Sum(Ops.MaxPool2d(x, 2)).Backward();
        Assert.Equal([0f, 1f, 0f, 0f], x.Grad!.ToArray());
    }

    [Fact]
    public void Global_average() => GradCheck.CheckOp(t => Ops.GlobalAvgPool2d(t[0]),
        v => Enumerable.Range(0, 6).Select(i => v[0].Skip(i * 12).Take(12).Sum() / 12f).ToArray(), [[2, 3, 3, 4]]);

    [Fact]
    public void Global_average_shape_is_n_by_c() => Assert.Equal([2, 3], Ops.GlobalAvgPool2d(Tensor.Zeros(2, 3, 3, 4)).ShapeArray);

    [Fact]
    public void Bad_arguments_name_the_op()
    {
        Assert.Contains("max_pool2d", Assert.Throws<LoomException>(() => Ops.MaxPool2d(Tensor.Zeros(1, 4, 4), 2)).Message);
        Assert.Contains("avg_pool2d", Assert.Throws<LoomException>(() => Ops.AvgPool2d(Tensor.Zeros(1, 1, 2, 2), 3)).Message);
        Assert.Contains("max_pool2d", Assert.Throws<LoomException>(() => Ops.MaxPool2d(Tensor.Zeros(1, 1, 4, 4), 2, 1, 2)).Message);
        Assert.Contains("global_avg_pool2d", Assert.Throws<LoomException>(() => Ops.GlobalAvgPool2d(Tensor.Zeros(2, 3))).Message);
    }
}
