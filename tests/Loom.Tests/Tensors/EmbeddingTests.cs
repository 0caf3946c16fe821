using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class EmbeddingTests
{
    private static float[] Reference(float[] table, int dim, int[] ids) =>
        ids.SelectMany(id => table.Skip(id * dim).Take(dim)).ToArray();

    [Fact]
    public void Lookup_with_repeated_ids_accumulates_gradients()
    {
        int[] ids = [3, 0, 3, 1, 4, 3];
        GradCheck.CheckOp(x => Ops.Embedding(x[0], ids, 2, 3), v => Reference(v[0], 4, ids), [[5, 4]]);
        Assert.Equal([2, 3, 4], Ops.Embedding(Tensor.Zeros(5, 4), ids, 2, 3).ShapeArray);
        Assert.Equal([6, 4], Ops.Embedding(Tensor.Zeros(5, 4), ids).ShapeArray);
    }

    [Fact]
    public void Gradient_of_a_repeated_id_is_the_sum_of_its_uses()
    {
        var w = Tensor.Zeros(3, 2).WithGrad();
        Ops.Sum(Ops.Embedding(w, [2, 2, 0])).Backward();
        Assert.Equal([1f, 1f, 0f, 0f, 2f, 2f], w.Grad!.ToArray());
    }

    [Fact]
    public void Transposed_weight_view_is_read_by_logical_rows() =>
        GradCheck.CheckOp(x => Ops.Embedding(x[0].Transpose(0, 1), [1, 2]), v => Reference(MatMulTests.Transpose(v[0], 2, 3), 2, [1, 2]), [[2, 3]]);

    [Fact]
    public void Out_of_range_id_names_the_id_and_vocabulary()
    {
        var e = Assert.Throws<LoomException>(() => Ops.Embedding(Tensor.Zeros(5, 2), [1, 5]));
        Assert.Contains("id 5", e.Message);
        Assert.Contains("vocabulary of 5", e.Message);
        Assert.Throws<LoomException>(() => Ops.Embedding(Tensor.Zeros(5, 2), [-1]));
        Assert.Throws<LoomException>(() => Ops.Embedding(Tensor.Zeros(5, 2), [1, 2], 3));
    }
}
