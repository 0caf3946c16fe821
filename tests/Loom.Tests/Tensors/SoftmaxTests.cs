using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class SoftmaxTests
{
    /// <summary>Softmax (or log-softmax) of a row-major [outer, size, inner] array along the middle dimension, in double.</summary>
    private static float[] Reference(float[] v, int outer, int size, int inner, bool log)
    {
        var y = new float[v.Length];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int At(int r) => (o * size + r) * inner + i;
                double max = Enumerable.Range(0, size).Max(r => (double)v[At(r)]);
                double sum = Enumerable.Range(0, size).Sum(r => Math.Exp(v[At(r)] - max));
                for (int r = 0; r < size; r++)
                    y[At(r)] = (float)(log ? v[At(r)] - max - Math.Log(sum) : Math.Exp(v[At(r)] - max) / sum);
            }
        return y;
    }

    [Fact] public void Softmax_last_dimension() => GradCheck.CheckOp(x => Ops.Softmax(x[0]), v => Reference(v[0], 3, 4, 1, false), [[3, 4]]);
    [Fact] public void Softmax_middle_dimension() => GradCheck.CheckOp(x => Ops.Softmax(x[0], 1), v => Reference(v[0], 2, 3, 5, false), [[2, 3, 5]]);
    [Fact] public void LogSoftmax_last_dimension() => GradCheck.CheckOp(x => Ops.LogSoftmax(x[0], -1), v => Reference(v[0], 6, 5, 1, true), [[2, 3, 5]]);
    [Fact] public void LogSoftmax_first_dimension() => GradCheck.CheckOp(x => Ops.LogSoftmax(x[0], 0), v => Reference(v[0], 1, 3, 4, true), [[3, 4]]);

    [Fact]
    public void Softmax_of_a_transposed_view() => GradCheck.CheckOp(x => Ops.Softmax(x[0].Transpose(0, 1)),
        v => Reference(MatMulTests.Transpose(v[0], 4, 3), 3, 4, 1, false), [[4, 3]]);

    [Fact]
    public void Rows_sum_to_one_and_masked_entries_get_zero()
    {
        var x = Tensor.FromArray([0f, float.NegativeInfinity, 2f, 1000f, 1001f, 999f], 2, 3);
        var y = Ops.Softmax(x).ToArray();
        Assert.Equal(0f, y[1]);
        Assert.Equal(1f, y[0] + y[1] + y[2], 5);
        Assert.Equal(1f, y[3] + y[4] + y[5], 5);
        Assert.All(y, v => Assert.False(float.IsNaN(v)));
    }

    [Fact]
    public void Result_is_contiguous_in_the_input_shape() => Assert.True(Ops.Softmax(Tensor.Zeros(2, 3, 4), 0).IsContiguous);

    [Fact]
    public void Bad_dimension_is_rejected() => Assert.Throws<LoomException>(() => Ops.Softmax(Tensor.Zeros(2, 3), 2));
}
