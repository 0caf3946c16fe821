using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class ArithmeticTests
{
    private static float[] Zip(float[] a, float[] b, Func<float, float, float> f) => a.Select((v, i) => f(v, b[i])).ToArray();

    [Fact] public void Add_same_shape() => GradCheck.CheckOp(x => Ops.Add(x[0], x[1]), v => Zip(v[0], v[1], (p, q) => p + q), [[3, 4], [3, 4]]);
    [Fact] public void Sub_broadcast_row() => GradCheck.CheckOp(x => Ops.Sub(x[0], x[1]), null, [[3, 4], [4]]);
    [Fact] public void Mul_broadcast_both() => GradCheck.CheckOp(x => Ops.Mul(x[0], x[1]), null, [[3, 1], [1, 5]]);
    [Fact] public void Div_broadcast_column() => GradCheck.CheckOp(x => Ops.Div(x[0], x[1]), null, [[2, 3], [2, 1]],
        makeInput: (r, s) => Tensor.Rand(r, s, 0.5f, 2f));
    [Fact] public void Neg_scale_and_add_scalar() => GradCheck.CheckOp(x => Ops.AddScalar(Ops.Scale(Ops.Neg(x[0]), 3f), 1f), v => v[0].Select(p => -3 * p + 1).ToArray(), [[7]]);

    [Fact]
    public void Gradients_accumulate_over_two_uses_and_two_backwards()
    {
        var x = Tensor.FromArray([1f, 2f], 2).WithGrad();
        Ops.Sum(Ops.Mul(x, x)).Backward(); // d/dx Σx² = 2x
        Assert.Equal([2f, 4f], x.Grad!.ToArray());
        Ops.Sum(x).Backward();
        Assert.Equal([3f, 5f], x.Grad!.ToArray());
    }

    [Fact]
    public void Shape_mismatch_names_op_and_both_shapes()
    {
        var e = Assert.Throws<LoomException>(() => Ops.Add(Tensor.Zeros(2, 3), Tensor.Zeros(4)));
        Assert.Equal(LoomErrorCode.ShapeMismatch, e.Code);
        Assert.Contains("add", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4]", e.Message);
    }

    [Fact]
    public void No_grad_scope_records_nothing()
    {
        var x = Tensor.Ones(3).WithGrad();
        using (GradMode.NoGrad())
        {
            var y = Ops.Mul(x, x);
            Assert.False(y.RequiresGrad);
        }
        Assert.True(Ops.Mul(x, x).RequiresGrad);
    }

    [Fact]
    public void Detach_cuts_the_graph()
    {
        var x = Tensor.Ones(3).WithGrad();
        var y = Ops.Mul(x, x).Detach();
        Assert.False(y.RequiresGrad);
    }
}
