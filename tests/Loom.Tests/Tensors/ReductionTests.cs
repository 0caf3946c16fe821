using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class ReductionTests
{
    /// <summary>Reference reduction of a row-major [d0, d1, d2] array over the listed dimensions (kept as size 1).</summary>
    private static float[] Reduce(float[] v, int[] shape, int[] dims, Func<IEnumerable<double>, double> f)
    {
        int[] outShape = shape.Select((s, d) => dims.Contains(d) ? 1 : s).ToArray();
        var groups = new List<double>[ShapeUtil.Product(outShape)];
        for (int i = 0; i < groups.Length; i++) groups[i] = [];
        var index = new int[shape.Length];
        for (int flat = 0; flat < v.Length; flat++)
        {
            int rem = flat;
            for (int d = shape.Length - 1; d >= 0; d--) { index[d] = rem % shape[d]; rem /= shape[d]; }
            int o = 0;
            for (int d = 0; d < shape.Length; d++) o = o * outShape[d] + (dims.Contains(d) ? 0 : index[d]);
            groups[o].Add(v[flat]);
        }
        return groups.Select(g => (float)f(g)).ToArray();
    }

    private static readonly int[] S = [2, 3, 4];

    /// <summary>Inputs with well-separated distinct values, so max has no ties within the FD step.</summary>
    private static Tensor Distinct(LoomRandom r, int[] s)
    {
        int n = ShapeUtil.Product(s);
        var values = Enumerable.Range(0, n).Select(i => (i - n / 2) * 0.37f).OrderBy(_ => r.NextSingle()).ToArray();
        return Tensor.FromArray(values, s);
    }

    [Fact] public void Sum_middle_dimension() => GradCheck.CheckOp(x => Ops.Sum(x[0], 1), v => Reduce(v[0], S, [1], g => g.Sum()), [S]);
    [Fact] public void Sum_last_dimension_kept() => GradCheck.CheckOp(x => Ops.Sum(x[0], -1, keepDim: true), v => Reduce(v[0], S, [2], g => g.Sum()), [S]);

    [Fact]
    public void Sum_several_dimensions()
    {
        GradCheck.CheckOp(x => Ops.Sum(x[0], [0, 2]), v => Reduce(v[0], S, [0, 2], g => g.Sum()), [S]);
        Assert.Equal([3], Ops.Sum(Tensor.Zeros(S), [0, -1]).ShapeArray);
        Assert.Equal([1, 3, 1], Ops.Sum(Tensor.Zeros(S), [0, 2], keepDim: true).ShapeArray);
    }

    [Fact] public void Mean_all() => GradCheck.CheckOp(x => Ops.Mean(x[0]), v => [v[0].Average()], [[3, 4]]);
    [Fact] public void Mean_first_dimension() => GradCheck.CheckOp(x => Ops.Mean(x[0], 0), v => Reduce(v[0], S, [0], g => g.Average()), [S]);
    [Fact] public void Mean_two_dimensions_kept() => GradCheck.CheckOp(x => Ops.Mean(x[0], [1, 2], keepDim: true), v => Reduce(v[0], S, [1, 2], g => g.Average()), [S]);

    [Fact]
    public void Max_values_and_gradient() => GradCheck.CheckOp(x => Ops.Max(x[0], 1), v => Reduce(v[0], S, [1], g => g.Max()), [S], makeInput: Distinct);

    [Fact]
    public void Max_gradient_goes_to_the_first_tie()
    {
        var x = Tensor.FromArray([1f, 5f, 5f, 2f], 1, 4).WithGrad();
        var m = Ops.Max(x, -1, keepDim: true);
        Assert.Equal([1, 1], m.ShapeArray);
        m.Backward();
        Assert.Equal([0f, 1f, 0f, 0f], x.Grad!.ToArray());
    }

    [Fact]
    public void ArgMax_along_each_dimension()
    {
        var x = Tensor.FromArray([1f, 9f, 3f, 7f, 2f, 8f], 2, 3);
        Assert.Equal([1, 2], Ops.ArgMax(x, 1));
        Assert.Equal([1, 0, 1], Ops.ArgMax(x, 0));
        Assert.Equal([0, 0], Ops.ArgMax(Tensor.FromArray([4f, 4f, 4f, 4f], 2, 2), -1));
    }

    [Fact]
    public void LogSumExp_middle_dimension() => GradCheck.CheckOp(x => Ops.LogSumExp(x[0], 1),
        v => Reduce(v[0], S, [1], g => Math.Log(g.Sum(Math.Exp))), [S]);

    [Fact]
    public void LogSumExp_is_stable_for_large_and_infinite_inputs()
    {
        var big = Ops.LogSumExp(Tensor.FromArray([1000f, 1000f], 2), 0).Item();
        Assert.Equal(1000f + MathF.Log(2f), big, 3);
        var masked = Ops.LogSumExp(Tensor.FromArray([float.NegativeInfinity, float.NegativeInfinity, 0f, float.NegativeInfinity], 2, 2), 1, keepDim: true);
        Assert.Equal([float.NegativeInfinity, 0f], masked.ToArray());
    }

    [Fact]
    public void Variance_biased_and_unbiased()
    {
        GradCheck.CheckOp(x => Ops.Variance(x[0], -1), v => Reduce(v[0], S, [2], g => { var l = g.ToList(); double m = l.Average(); return l.Sum(q => (q - m) * (q - m)) / l.Count; }), [S]);
        GradCheck.CheckOp(x => Ops.Variance(x[0], 0, unbiased: true), v => Reduce(v[0], S, [0], g => { var l = g.ToList(); double m = l.Average(); return l.Sum(q => (q - m) * (q - m)) / (l.Count - 1); }), [S]);
    }

    [Fact]
    public void Reductions_read_transposed_views()
    {
        GradCheck.CheckOp(x => Ops.Sum(x[0].Transpose(0, 2), 0), null, [S]);
        var rng = new LoomRandom(2);
        var t = Tensor.Randn(rng, [3, 4]);
        var view = t.Transpose(0, 1);
        GradCheck.AssertClose(Ops.Sum(view.Contiguous(), 1).ToArray(), Ops.Sum(view, 1).ToArray(), 0, 0, "sum of view");
        Assert.Equal(Ops.ArgMax(view.Contiguous(), 1), Ops.ArgMax(view, 1));
    }

    [Fact]
    public void Bad_dimensions_are_rejected()
    {
        Assert.Throws<LoomException>(() => Ops.Sum(Tensor.Zeros(2, 3), 2));
        Assert.Throws<LoomException>(() => Ops.Sum(Tensor.Zeros(2, 3), [1, -1]));
        Assert.Throws<LoomException>(() => Ops.Max(Tensor.Zeros(2, 0), 1));
        Assert.Throws<LoomException>(() => Ops.Variance(Tensor.Zeros(2, 1), 1, unbiased: true));
    }
}
