using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class JoiningTests
{
    [Fact]
    public void Concat_along_the_middle_dimension()
    {
        // [2,1,2] ++ [2,2,2] along dim 1: row-major blocks interleave per outer index.
        GradCheck.CheckOp(x => Ops.Concat([x[0], x[1]], 1), v =>
        [
            v[0][0], v[0][1], v[1][0], v[1][1], v[1][2], v[1][3],
            v[0][2], v[0][3], v[1][4], v[1][5], v[1][6], v[1][7],
        ], [[2, 1, 2], [2, 2, 2]]);
    }

    [Fact]
    public void Concat_first_and_last_dimension_of_views()
    {
        GradCheck.CheckOp(x => Ops.Concat([x[0], x[1].Transpose(0, 1), x[0]], 0), v => [.. v[0], .. MatMulTests.Transpose(v[1], 3, 2), .. v[0]], [[2, 3], [3, 2]]);
        GradCheck.CheckOp(x => Ops.Concat([x[0], x[1]], -1), v => [v[0][0], v[1][0], v[1][1], v[0][1], v[1][2], v[1][3]], [[2, 1], [2, 2]]);
    }

    [Fact]
    public void Only_inputs_that_need_it_get_a_gradient()
    {
        var a = Tensor.Ones(2).WithGrad();
        var b = Tensor.Ones(3);
        Ops.Sum(Ops.Concat([a, b], 0)).Backward();
        Assert.Equal([1f, 1f], a.Grad!.ToArray());
        Assert.Null(b.Grad);
    }

    [Fact]
    public void Split_then_concat_round_trips_with_gradients() =>
        GradCheck.CheckOp(x =>
        {
            var parts = Ops.Split(x[0], [1, 3, 1], 1);
            Assert.Equal([[2, 1, 2], [2, 3, 2], [2, 1, 2]], parts.Select(p => p.ShapeArray).ToArray());
            // Use the pieces in another order so a wrong split would change the result.
            return Ops.Concat([Ops.Scale(parts[2], 2f), parts[0], Ops.Scale(parts[1], 3f)], 1);
        }, null, [[2, 5, 2]]);

    [Fact]
    public void Chunk_follows_torch_sizes()
    {
        var x = Tensor.Arange(10);
        Assert.Equal([4, 4, 2], Ops.Chunk(x, 3, 0).Select(c => c.Size(0)).ToArray());
        Assert.Equal([2, 2, 2, 2, 2], Ops.Chunk(x, 5, 0).Select(c => c.Size(0)).ToArray());
        Assert.Equal([4f, 5f, 6f, 7f], Ops.Chunk(x, 3, -1)[1].ToArray());
        Assert.Equal([2, 2, 2, 2], Ops.Chunk(Tensor.Arange(8), 6, 0).Select(c => c.Size(0)).ToArray());
    }

    [Fact]
    public void Mismatched_shapes_and_sizes_are_rejected()
    {
        var e = Assert.Throws<LoomException>(() => Ops.Concat([Tensor.Zeros(2, 3), Tensor.Zeros(3, 3)], 1));
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[3, 3]", e.Message);
        Assert.Throws<LoomException>(() => Ops.Concat([Tensor.Zeros(2, 3), Tensor.Zeros(2)], 0));
        Assert.Throws<LoomException>(() => Ops.Concat([], 0));
        Assert.Throws<LoomException>(() => Ops.Split(Tensor.Zeros(5), [2, 2], 0));
        Assert.Throws<LoomException>(() => Ops.Chunk(Tensor.Zeros(5), 0, 0));
    }
}
