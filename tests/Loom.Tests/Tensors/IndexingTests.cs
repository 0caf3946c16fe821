using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class IndexingTests
{
    [Fact]
    public void IndexSelect_rows_with_repeats() =>
        GradCheck.CheckOp(x => Ops.IndexSelect(x[0], 0, [2, 0, 2]), v => [.. v[0][8..12], .. v[0][0..4], .. v[0][8..12]], [[3, 4]]);

    [Fact]
    public void IndexSelect_middle_dimension_of_a_transposed_view() =>
        GradCheck.CheckOp(x => Ops.IndexSelect(x[0].Transpose(0, 2), 1, [1, 1, 0]), null, [[2, 2, 3]]);

    [Fact]
    public void IndexSelect_last_dimension()
    {
        var x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        Assert.Equal([3f, 1f, 6f, 4f], Ops.IndexSelect(x, -1, [2, 0]).ToArray());
    }

    [Fact]
    public void Gather_along_the_last_dimension_like_torch()
    {
        // out[i][j] = x[i][index[i][j]]
        GradCheck.CheckOp(x => Ops.Gather(x[0], 1, [3, 0, 1, 1, 2, 0], [3, 2]),
            v => [v[0][3], v[0][0], v[0][5], v[0][5], v[0][10], v[0][8]], [[3, 4]]);
    }

    [Fact]
    public void Gather_along_the_first_dimension_with_a_smaller_index()
    {
        // out[i][j] = x[index[i][j]][j] for an index of shape [1, 2] over x [3, 4].
        GradCheck.CheckOp(x => Ops.Gather(x[0], 0, [2, 0], [1, 2]), v => [v[0][8], v[0][1]], [[3, 4]]);
        GradCheck.CheckOp(x => Ops.Gather(x[0], 1, [0, 2, 1, 1], [2, 2, 1]), null, [[2, 3, 2]]);
    }

    [Fact]
    public void Bad_indices_name_the_index_and_size()
    {
        var e = Assert.Throws<LoomException>(() => Ops.IndexSelect(Tensor.Zeros(3, 4), 0, [0, 3]));
        Assert.Contains("index 3", e.Message);
        Assert.Contains("size 3", e.Message);
        Assert.Throws<LoomException>(() => Ops.Gather(Tensor.Zeros(3, 4), 1, [4], [1, 1]));
        Assert.Throws<LoomException>(() => Ops.Gather(Tensor.Zeros(3, 4), 1, [0, 0], [2]));
        Assert.Throws<LoomException>(() => Ops.Gather(Tensor.Zeros(3, 4), 1, [0, 0, 0, 0], [4, 1]));
        Assert.Throws<LoomException>(() => Ops.Gather(Tensor.Zeros(3, 4), 1, [0, 0], [1, 1]));
    }
}
