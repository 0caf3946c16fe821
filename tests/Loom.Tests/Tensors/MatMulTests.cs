using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class MatMulTests
{
    /// <summary>Plain triple loop over broadcast batches: the reference every MatMul case is compared with.</summary>
    private static float[] Reference(float[] a, int[] aShape, float[] b, int[] bShape)
    {
        int m = aShape[^2], k = aShape[^1], n = bShape[^1];
        int[] batch = ShapeUtil.Broadcast(aShape[..^2], bShape[..^2], "reference");
        int count = ShapeUtil.Product(batch);
        var c = new float[count * m * n];
        for (int bi = 0; bi < count; bi++)
        {
            int aOff = BatchOffset(bi, batch, aShape[..^2]) * m * k, bOff = BatchOffset(bi, batch, bShape[..^2]) * k * n;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += a[aOff + i * k + p] * b[bOff + p * n + j];
                    c[(bi * m + i) * n + j] = (float)s;
                }
        }
        return c;
    }

    /// <summary>Index of the matrix in an operand with batch shape <paramref name="own"/> for broadcast batch index <paramref name="flat"/>.</summary>
    private static int BatchOffset(int flat, int[] batch, int[] own)
    {
        int result = 0, lead = batch.Length - own.Length;
        var index = new int[batch.Length];
        for (int d = batch.Length - 1; d >= 0; d--) { index[d] = flat % batch[d]; flat /= batch[d]; }
        for (int d = 0; d < own.Length; d++) result = result * own[d] + (own[d] == 1 ? 0 : index[d + lead]);
        return result;
    }

    [Fact]
    public void Two_dimensional() => GradCheck.CheckOp(x => Ops.MatMul(x[0], x[1]),
        v => Reference(v[0], [3, 4], v[1], [4, 5]), [[3, 4], [4, 5]]);

    [Fact]
    public void Batched_same_batch() => GradCheck.CheckOp(x => Ops.MatMul(x[0], x[1]),
        v => Reference(v[0], [2, 3, 4], v[1], [2, 4, 2]), [[2, 3, 4], [2, 4, 2]]);

    [Fact]
    public void Batched_times_matrix_folds_rows() => GradCheck.CheckOp(x => Ops.MatMul(x[0], x[1]),
        v => Reference(v[0], [2, 3, 4], v[1], [4, 5]), [[2, 3, 4], [4, 5]]);

    [Fact]
    public void Matrix_times_batched() => GradCheck.CheckOp(x => Ops.MatMul(x[0], x[1]),
        v => Reference(v[0], [3, 4], v[1], [2, 4, 2]), [[3, 4], [2, 4, 2]]);

    [Fact]
    public void Batch_dimensions_broadcast_both_ways() => GradCheck.CheckOp(x => Ops.MatMul(x[0], x[1]),
        v => Reference(v[0], [2, 1, 3, 2], v[1], [3, 2, 4]), [[2, 1, 3, 2], [3, 2, 4]]);

    [Fact]
    public void Transposed_views_are_read_in_place()
    {
        // a = xᵀ [3,4] from x [4,3]; b = yᵀ [4,2] from y [2,4]: both reach GEMM through its transpose flags.
        GradCheck.CheckOp(x => Ops.MatMul(x[0].Transpose(0, 1), x[1].Transpose(0, 1)),
            v => Reference(Transpose(v[0], 4, 3), [3, 4], Transpose(v[1], 2, 4), [4, 2]), [[4, 3], [2, 4]]);
    }

    [Fact]
    public void Attention_shaped_scores_with_transposed_keys()
    {
        // q [B,H,T,D] · kᵀ where k is [B,H,S,D]: the transposed batch view goes in without a copy.
        GradCheck.CheckOp(x => Ops.MatMul(x[0], x[1].Transpose(-1, -2)), null, [[1, 2, 3, 2], [1, 2, 4, 2]]);
        var rng = new LoomRandom(3);
        var q = Tensor.Randn(rng, [1, 2, 3, 2]);
        var k = Tensor.Randn(rng, [1, 2, 4, 2]);
        var expected = Reference(q.ToArray(), [1, 2, 3, 2], k.Transpose(-1, -2).ToArray(), [1, 2, 2, 4]);
        GradCheck.AssertClose(expected, Ops.MatMul(q, k.Transpose(-1, -2)).ToArray(), 1e-5f, 1e-5f, "scores");
    }

    [Fact]
    public void Sliced_operand_is_copied_and_still_right()
    {
        // Columns 1..3 of a [3,6] matrix: row stride 6 ≠ 3, neither layout GEMM reads directly.
        var rng = new LoomRandom(5);
        var wide = Tensor.Randn(rng, [3, 6]);
        var b = Tensor.Randn(rng, [3, 2]);
        var a = wide.Slice(1, 1, 3);
        var expected = Reference(a.ToArray(), [3, 3], b.ToArray(), [3, 2]);
        GradCheck.AssertClose(expected, Ops.MatMul(a, b).ToArray(), 1e-5f, 1e-5f, "sliced");
        GradCheck.CheckOp(x => Ops.MatMul(x[0].Slice(1, 1, 3), x[1]), null, [[3, 6], [3, 2]]);
    }

    [Fact]
    public void Inner_dimension_mismatch_names_both_shapes()
    {
        var e = Assert.Throws<LoomException>(() => Ops.MatMul(Tensor.Zeros(2, 3), Tensor.Zeros(4, 5)));
        Assert.Equal(LoomErrorCode.ShapeMismatch, e.Code);
        Assert.Contains("matmul", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4, 5]", e.Message);
        Assert.Contains("3 and 4", e.Message);
        Assert.Throws<LoomException>(() => Ops.MatMul(Tensor.Zeros(3), Tensor.Zeros(3, 2)));
        Assert.Throws<LoomException>(() => Ops.MatMul(Tensor.Zeros(2, 2, 3), Tensor.Zeros(3, 3, 2)));
    }

    /// <summary>The row-major values of the transpose of a rows×cols matrix.</summary>
    internal static float[] Transpose(float[] v, int rows, int cols)
    {
        var t = new float[v.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) t[j * rows + i] = v[i * cols + j];
        return t;
    }

    private static float[] LinearReference(float[] x, float[] w, float[]? bias, int rows, int inF, int outF)
    {
        var y = new float[rows * outF];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outF; o++)
            {
                double s = bias?[o] ?? 0;
                for (int i = 0; i < inF; i++) s += x[r * inF + i] * w[o * inF + i];
                y[r * outF + o] = (float)s;
            }
        return y;
    }

    [Fact]
    public void Linear_with_bias_over_three_dimensional_input() => GradCheck.CheckOp(x => Ops.Linear(x[0], x[1], x[2]),
        v => LinearReference(v[0], v[1], v[2], 6, 4, 3), [[2, 3, 4], [3, 4], [3]]);

    [Fact]
    public void Linear_without_bias() => GradCheck.CheckOp(x => Ops.Linear(x[0], x[1]),
        v => LinearReference(v[0], v[1], null, 5, 2, 4), [[5, 2], [4, 2]]);

    [Fact]
    public void Linear_accepts_transposed_weight_and_input_views() => GradCheck.CheckOp(
        x => Ops.Linear(x[0].Transpose(0, 1), x[1].Transpose(0, 1), x[2]),
        v => LinearReference(Transpose(v[0], 4, 3), Transpose(v[1], 4, 2), v[2], 3, 4, 2), [[4, 3], [4, 2], [2]]);

    [Fact]
    public void Linear_matches_matmul_with_transposed_weight()
    {
        var rng = new LoomRandom(9);
        var x = Tensor.Randn(rng, [2, 3, 5]);
        var w = Tensor.Randn(rng, [4, 5]);
        var expected = Ops.MatMul(x, w.Transpose(0, 1)).ToArray();
        GradCheck.AssertClose(expected, Ops.Linear(x, w).ToArray(), 1e-5f, 1e-5f, "linear vs matmul");
    }

    [Fact]
    public void Linear_shape_errors_name_the_shapes()
    {
        var e = Assert.Throws<LoomException>(() => Ops.Linear(Tensor.Zeros(2, 3), Tensor.Zeros(4, 5)));
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4, 5]", e.Message);
        var b = Assert.Throws<LoomException>(() => Ops.Linear(Tensor.Zeros(2, 5), Tensor.Zeros(4, 5), Tensor.Zeros(3)));
        Assert.Contains("bias", b.Message);
    }
}
