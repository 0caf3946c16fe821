using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class ViewTests
{
    [Fact]
    public void Transpose_is_a_view_with_swapped_strides()
    {
        var a = new Tensor([1, 2, 3, 4, 5, 6], 2, 3);
        var t = a.Transpose(0, 1);
        Assert.Equal([3, 2], t.ShapeArray);
        Assert.False(t.IsContiguous);
        Assert.Equal([1f, 4, 2, 5, 3, 6], t.ToArray());
        Assert.Equal(5f, t[1, 1]);
    }

    [Fact]
    public void Slice_and_expand_values()
    {
        var a = new Tensor([1, 2, 3, 4, 5, 6], 2, 3);
        Assert.Equal([2f, 3, 5, 6], a.Slice(1, 1, 2).ToArray());
        Assert.Equal([1f, 2, 3, 1, 2, 3], new Tensor([1, 2, 3], 3).Expand(2, 3).ToArray());
        Assert.Equal([4f, 5, 6], a.Slice(0, 1, 1).Reshape(-1).ToArray());
    }

    [Fact] public void Permute_gradient() => GradCheck.CheckOp(x => Ops.Mul(x[0].Permute(2, 0, 1), x[1]), null, [[2, 3, 4], [4, 2, 3]]);
    [Fact] public void Slice_gradient() => GradCheck.CheckOp(x => x[0].Slice(1, 1, 2), null, [[3, 4]]);
    [Fact] public void Expand_gradient() => GradCheck.CheckOp(x => x[0].Expand(2, 3, 4), null, [[3, 1]]);
    [Fact] public void Reshape_of_transposed_gradient() => GradCheck.CheckOp(x => x[0].Transpose(0, 1).Reshape(2, 6), null, [[4, 3]]);
    [Fact] public void Squeeze_unsqueeze_flatten_gradient() => GradCheck.CheckOp(x => x[0].Unsqueeze(1).Squeeze(1).Flatten(), null, [[2, 3]]);
}
