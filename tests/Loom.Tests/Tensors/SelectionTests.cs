using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class SelectionTests
{
    [Fact]
    public void Where_same_shapes()
    {
        bool[] c = [true, false, false, true, true, false];
        GradCheck.CheckOp(x => Ops.Where(c, [2, 3], x[0], x[1]), v => v[0].Select((a, i) => c[i] ? a : v[1][i]).ToArray(), [[2, 3], [2, 3]]);
    }

    [Fact]
    public void Where_broadcasts_condition_and_both_values()
    {
        // condition [3] over columns, a [2, 1] per row, b [3] per column → [2, 3].
        bool[] c = [true, false, true];
        GradCheck.CheckOp(x => Ops.Where(c, [3], x[0], x[1]),
            v => [v[0][0], v[1][1], v[0][0], v[0][1], v[1][1], v[0][1]], [[2, 1], [3]]);
    }

    [Fact]
    public void Where_with_a_tensor_condition()
    {
        var cond = Tensor.FromArray([0f, 2f], 2, 1);
        var y = Ops.Where(cond, Tensor.Full(1f, 2, 2), Tensor.Full(-1f, 2, 2));
        Assert.Equal([-1f, -1f, 1f, 1f], y.ToArray());
    }

    [Fact]
    public void MaskedFill_with_a_broadcast_causal_mask()
    {
        // Upper triangle of a [3,3] mask over [2,3,3] scores.
        bool[] causal = [false, true, true, false, false, true, false, false, false];
        GradCheck.CheckOp(x => Ops.MaskedFill(x[0], causal, [3, 3], -5f),
            v => v[0].Select((a, i) => causal[i % 9] ? -5f : a).ToArray(), [[2, 3, 3]]);
        var scores = Ops.MaskedFill(Tensor.Zeros(1, 3, 3), causal, [3, 3], float.NegativeInfinity);
        var probs = Ops.Softmax(scores).ToArray();
        Assert.Equal([1f, 0f, 0f, 0.5f, 0.5f, 0f], probs[..6]);
    }

    [Fact]
    public void MaskedFill_of_a_transposed_view_with_a_tensor_mask() =>
        GradCheck.CheckOp(x => Ops.MaskedFill(x[0].Transpose(0, 1), Tensor.FromArray([1f, 0f], 2, 1), 0f),
            v => [0f, 0f, 0f, v[0][1], v[0][3], v[0][5]], [[3, 2]]);

    [Fact]
    public void Masks_that_do_not_fit_are_rejected()
    {
        var e = Assert.Throws<LoomException>(() => Ops.MaskedFill(Tensor.Zeros(2, 3), new bool[4], [2, 2], 0f));
        Assert.Equal(LoomErrorCode.ShapeMismatch, e.Code);
        // A mask may not make the result larger than x.
        Assert.Throws<LoomException>(() => Ops.MaskedFill(Tensor.Zeros(3), new bool[6], [2, 3], 0f));
        Assert.Throws<LoomException>(() => Ops.MaskedFill(Tensor.Zeros(3), new bool[2], [3], 0f));
        Assert.Throws<LoomException>(() => Ops.Where(new bool[2], [2], Tensor.Zeros(3), Tensor.Zeros(3)));
    }
}
