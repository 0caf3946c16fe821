using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class ElementwiseTests
{
    private static readonly int[][] Shape = [[3, 4]];

    private static Func<LoomRandom, int[], Tensor> Uniform(float low, float high) => (r, s) => Tensor.Rand(r, s, low, high);

    /// <summary>Values in ±[0.2, 2] with random signs: no input sits within the FD step of a kink at 0.</summary>
    private static Tensor AwayFromZero(LoomRandom r, int[] s)
    {
        var t = Tensor.Rand(r, s, 0.2f, 2f);
        var d = t.DataSpan;
        for (int i = 0; i < d.Length; i++) if (r.NextSingle() < 0.5f) d[i] = -d[i];
        return t;
    }

    private static Func<float[][], float[]> Map(Func<double, double> f) => v => v[0].Select(x => (float)f(x)).ToArray();

    [Fact] public void Exp() => GradCheck.CheckOp(x => Ops.Exp(x[0]), Map(Math.Exp), Shape);
    [Fact] public void Log() => GradCheck.CheckOp(x => Ops.Log(x[0]), Map(Math.Log), Shape, makeInput: Uniform(0.5f, 3f));
    [Fact] public void Sqrt() => GradCheck.CheckOp(x => Ops.Sqrt(x[0]), Map(Math.Sqrt), Shape, makeInput: Uniform(0.5f, 3f));
    [Fact] public void Pow_fractional() => GradCheck.CheckOp(x => Ops.Pow(x[0], 1.5f), Map(v => Math.Pow(v, 1.5)), Shape, makeInput: Uniform(0.5f, 3f));
    [Fact] public void Pow_integer_on_negative_values() => GradCheck.CheckOp(x => Ops.Pow(x[0], 3f), Map(v => v * v * v), Shape);
    [Fact] public void Square() => GradCheck.CheckOp(x => Ops.Square(x[0]), Map(v => v * v), Shape);
    [Fact] public void Reciprocal() => GradCheck.CheckOp(x => Ops.Reciprocal(x[0]), Map(v => 1 / v), Shape, makeInput: Uniform(0.5f, 3f));
    [Fact] public void Abs() => GradCheck.CheckOp(x => Ops.Abs(x[0]), Map(Math.Abs), Shape, makeInput: AwayFromZero);
    [Fact] public void Clamp() => GradCheck.CheckOp(x => Ops.Clamp(x[0], -1f, 1f), Map(v => Math.Clamp(v, -1, 1)), Shape,
        makeInput: (r, s) => Tensor.FromArray([-3f, -1.5f, -0.5f, 0.25f, 0.75f, 1.5f, 2f, -0.9f, 0.9f, 4f, -4f, 0f], s));
    [Fact] public void Tanh() => GradCheck.CheckOp(x => Ops.Tanh(x[0]), Map(Math.Tanh), Shape);
    [Fact] public void Sigmoid() => GradCheck.CheckOp(x => Ops.Sigmoid(x[0]), Map(v => 1 / (1 + Math.Exp(-v))), Shape);
    [Fact] public void Relu() => GradCheck.CheckOp(x => Ops.Relu(x[0]), Map(v => Math.Max(v, 0)), Shape, makeInput: AwayFromZero);

    [Fact]
    public void Gelu_tanh_approximation() => GradCheck.CheckOp(x => Ops.Gelu(x[0]),
        Map(v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))), Shape);

    [Fact] public void Silu() => GradCheck.CheckOp(x => Ops.Silu(x[0]), Map(v => v / (1 + Math.Exp(-v))), Shape);
    [Fact] public void Softplus() => GradCheck.CheckOp(x => Ops.Softplus(x[0]), Map(v => Math.Log(1 + Math.Exp(v))), Shape);

    [Fact]
    public void Softplus_is_stable_at_large_magnitudes()
    {
        var y = Ops.Softplus(Tensor.FromArray([100f, -100f, 1e4f], 3)).ToArray();
        Assert.Equal(100f, y[0]);
        Assert.InRange(y[1], 0f, 1e-40f);
        Assert.Equal(1e4f, y[2]);
    }

    [Fact]
    public void Non_contiguous_input_is_read_in_logical_order()
    {
        var rng = new LoomRandom(4);
        GradCheck.CheckOp(x => Ops.Tanh(x[0].Transpose(0, 1)), v => MatMulTests.Transpose(v[0], 4, 3).Select(MathF.Tanh).ToArray(), [[4, 3]]);
        var t = Tensor.Randn(rng, [2, 5]).Slice(1, 1, 3);
        GradCheck.AssertClose(t.ToArray().Select(MathF.Exp).ToArray(), Ops.Exp(t).ToArray(), 1e-6f, 1e-6f, "exp of slice");
    }

    [Fact]
    public void Clamp_rejects_min_above_max() =>
        Assert.Equal(LoomErrorCode.InvalidArgument, Assert.Throws<LoomException>(() => Ops.Clamp(Tensor.Zeros(2), 1f, 0f)).Code);
}
