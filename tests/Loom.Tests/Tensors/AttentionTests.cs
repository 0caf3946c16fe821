using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class AttentionTests
{
    /// <summary>
    /// The definition, in double: for every (batch, query head, query) the full row of scores q·kᵀ·scale, the causal
    /// mask (key j visible iff j ≤ i + S − T), a softmax, and the weighted sum of v rows.
    /// </summary>
    private static float[] Naive(float[] q, float[] k, float[] v, int b, int hq, int hkv, int t, int s, int d, int dv, bool causal, float? scale = null)
    {
        double sc = scale ?? 1 / Math.Sqrt(d);
        var y = new float[b * hq * t * dv];
        var scores = new double[s];
        for (int n = 0; n < b; n++)
        for (int h = 0; h < hq; h++)
        for (int i = 0; i < t; i++)
        {
            int kvh = h / (hq / hkv);
            double max = double.NegativeInfinity;
            for (int j = 0; j < s; j++)
            {
                double dot = 0;
                for (int c = 0; c < d; c++)
                    dot += (double)q[((n * hq + h) * t + i) * d + c] * k[((n * hkv + kvh) * s + j) * d + c];
                scores[j] = causal && j > i + s - t ? double.NegativeInfinity : dot * sc;
                max = Math.Max(max, scores[j]);
            }
            double sum = 0;
            for (int j = 0; j < s; j++) sum += scores[j] = Math.Exp(scores[j] - max);
            for (int c = 0; c < dv; c++)
            {
                double acc = 0;
                for (int j = 0; j < s; j++) acc += scores[j] / sum * v[((n * hkv + kvh) * s + j) * dv + c];
                y[((n * hq + h) * t + i) * dv + c] = (float)acc;
            }
        }
        return y;
    }

    private static void CompareForward(int b, int hq, int hkv, int t, int s, int d, int dv, bool causal, ulong seed = 1)
    {
        var rng = new LoomRandom(seed);
        var q = Tensor.Randn(rng, [b, hq, t, d]);
        var k = Tensor.Randn(rng, [b, hkv, s, d]);
        var v = Tensor.Randn(rng, [b, hkv, s, dv]);
        var y = Ops.ScaledDotProductAttention(q, k, v, causal);
        Assert.Equal([b, hq, t, dv], y.ShapeArray);
        var expected = Naive(q.ToArray(), k.ToArray(), v.ToArray(), b, hq, hkv, t, s, d, dv, causal);
        GradCheck.AssertClose(expected, y.ToArray(), 2e-5f, 1e-4f, $"attention T={t} S={s} D={d}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(130)]
    public void Causal_matches_naive_reference(int t) => CompareForward(1, 2, 2, t, t, 8, 8, causal: true);

    [Theory]
    [InlineData(7, 7)]
    [InlineData(65, 130)]
    [InlineData(64, 1)]
    public void Non_causal_matches_naive_reference(int t, int s) => CompareForward(2, 1, 1, t, s, 16, 16, causal: false);

    [Theory]
    [InlineData(1, 70)]
    [InlineData(7, 20)]
    [InlineData(65, 130)]
    public void Causal_with_more_keys_than_queries_aligns_the_mask_to_the_end(int t, int s) => CompareForward(1, 1, 1, t, s, 16, 8, causal: true);

    [Fact] public void Grouped_query_heads_share_kv_heads() => CompareForward(2, 6, 2, 70, 70, 8, 16, causal: true);

    [Fact]
    public void Explicit_scale_is_used()
    {
        var rng = new LoomRandom(2);
        var q = Tensor.Randn(rng, [1, 1, 5, 4]);
        var k = Tensor.Randn(rng, [1, 1, 5, 4]);
        var v = Tensor.Randn(rng, [1, 1, 5, 3]);
        var expected = Naive(q.ToArray(), k.ToArray(), v.ToArray(), 1, 1, 1, 5, 5, 4, 3, false, 0.9f);
        GradCheck.AssertClose(expected, Ops.ScaledDotProductAttention(q, k, v, causal: false, scale: 0.9f).ToArray(), 2e-5f, 1e-4f, "scale 0.9");
    }

    [Fact]
    public void Transposed_views_are_accepted()
    {
        // The usual layout out of a projection is [B, T, H, D]; attention takes the permuted view.
        var rng = new LoomRandom(3);
        var q = Tensor.Randn(rng, [1, 9, 2, 8]).Permute(0, 2, 1, 3);
        var k = Tensor.Randn(rng, [1, 9, 2, 8]).Permute(0, 2, 1, 3);
        var v = Tensor.Randn(rng, [1, 9, 2, 8]).Permute(0, 2, 1, 3);
        var expected = Naive(q.ToArray(), k.ToArray(), v.ToArray(), 1, 2, 2, 9, 9, 8, 8, true);
        GradCheck.AssertClose(expected, Ops.ScaledDotProductAttention(q, k, v).ToArray(), 2e-5f, 1e-4f, "permuted views");
    }

    private static float[] NaiveOf(float[][] x, int[] q, int[] k, int[] v, bool causal) =>
        Naive(x[0], x[1], x[2], q[0], q[1], k[1], q[2], k[2], q[3], v[3], causal);

    [Fact]
    public void Causal_gradients() => GradCheck.CheckOp(x => Ops.ScaledDotProductAttention(x[0], x[1], x[2]),
        x => NaiveOf(x, [1, 2, 5, 4], [1, 2, 5, 4], [1, 2, 5, 3], true), [[1, 2, 5, 4], [1, 2, 5, 4], [1, 2, 5, 3]]);

    [Fact]
    public void Causal_gradients_with_kv_cache_and_gqa() => GradCheck.CheckOp(x => Ops.ScaledDotProductAttention(x[0], x[1], x[2]),
        x => NaiveOf(x, [2, 4, 3, 4], [2, 2, 6, 4], [2, 2, 6, 2], true), [[2, 4, 3, 4], [2, 2, 6, 4], [2, 2, 6, 2]]);

    [Fact]
    public void Non_causal_gradients() => GradCheck.CheckOp(x => Ops.ScaledDotProductAttention(x[0], x[1], x[2], causal: false, scale: 0.7f),
        null, [[1, 1, 4, 3], [1, 1, 6, 3], [1, 1, 6, 5]]);

    [Fact]
    public void Gradients_across_several_tiles()
    {
        // 70 queries and keys span two tiles each, so the cross-tile rescaling and the diagonal tile are both exercised.
        // The finite differences probe a few entries of each input rather than all 3·70·4 of them.
        var rng = new LoomRandom(9);
        var q = Tensor.Randn(rng, [1, 1, 70, 4]).WithGrad();
        var k = Tensor.Randn(rng, [1, 1, 70, 4]).WithGrad();
        var v = Tensor.Randn(rng, [1, 1, 70, 4]).WithGrad();
        var w = Tensor.Randn(rng, [1, 1, 70, 4]);
        Ops.Sum(Ops.Mul(Ops.ScaledDotProductAttention(q, k, v), w)).Backward();
        float[] wv = w.ToArray();
        double Loss()
        {
            var y = Naive(q.ToArray(), k.ToArray(), v.ToArray(), 1, 1, 1, 70, 70, 4, 4, true);
            return y.Select((value, i) => (double)value * wv[i]).Sum();
        }
        foreach (var x in new[] { q, k, v })
        foreach (int index in new[] { 0, 3, 63 * 4 + 1, 64 * 4 + 2, 69 * 4 + 3 })
        {
            var data = x.DataSpan;
            float saved = data[index];
            const float eps = 1e-2f;
            data[index] = saved + eps;
            double plus = Loss();
            data[index] = saved - eps;
            double minus = Loss();
            data[index] = saved;
            float numeric = (float)((plus - minus) / (2 * eps)), analytic = x.Grad!.ToArray()[index];
            Assert.True(Math.Abs(numeric - analytic) <= 5e-3f + 1e-2f * Math.Abs(numeric), $"element {index}: numeric {numeric}, analytic {analytic}");
        }
    }

    [Fact]
    public void Same_inputs_give_bit_identical_outputs_and_gradients()
    {
        float[][] Run()
        {
            var rng = new LoomRandom(4);
            var q = Tensor.Randn(rng, [2, 4, 66, 8]).WithGrad();
            var k = Tensor.Randn(rng, [2, 2, 66, 8]).WithGrad();
            var v = Tensor.Randn(rng, [2, 2, 66, 8]).WithGrad();
            var y = Ops.ScaledDotProductAttention(q, k, v);
            Ops.Sum(Ops.Mul(y, y)).Backward();
            return [y.ToArray(), q.Grad!.ToArray(), k.Grad!.ToArray(), v.Grad!.ToArray()];
        }
        var first = Run();
        var second = Run();
        for (int i = 0; i < first.Length; i++) Assert.Equal(first[i], second[i]);
    }

    [Fact]
    public void Forward_memory_grows_linearly_with_length()
    {
        static long Allocated(int t)
        {
            var rng = new LoomRandom(6);
            var q = Tensor.Randn(rng, [1, 1, t, 16]);
            var k = Tensor.Randn(rng, [1, 1, t, 16]);
            var v = Tensor.Randn(rng, [1, 1, t, 16]);
            long before = GC.GetAllocatedBytesForCurrentThread();
            Ops.ScaledDotProductAttention(q, k, v, true, null, threads: 1);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Allocated(1); // warms this thread's tile buffers, which depend only on the tile size and Dv
        long small = Allocated(1024), large = Allocated(2048);
        // The output (T·D floats) and the log-sum-exp (T floats) dominate; a T×T score matrix would be 16 MiB at T = 2048.
        long outputs = 2048L * (16 + 1) * sizeof(float);
        Assert.InRange(large, outputs, outputs + 16 * 1024);
        Assert.InRange((double)large / small, 1.8, 2.2);
    }

    [Fact]
    public void Bad_shapes_name_the_op_and_shapes()
    {
        var e = Assert.Throws<LoomException>(() => Ops.ScaledDotProductAttention(Tensor.Zeros(1, 3, 4, 8), Tensor.Zeros(1, 2, 4, 8), Tensor.Zeros(1, 2, 4, 8)));
        Assert.Equal(LoomErrorCode.ShapeMismatch, e.Code);
        Assert.Contains("scaled_dot_product_attention", e.Message);
        Assert.Contains("[1, 3, 4, 8]", e.Message);
        Assert.Contains("[1, 2, 4, 8]", e.Message);
        Assert.Throws<LoomException>(() => Ops.ScaledDotProductAttention(Tensor.Zeros(1, 1, 4, 8), Tensor.Zeros(1, 1, 4, 4), Tensor.Zeros(1, 1, 4, 8)));
        Assert.Throws<LoomException>(() => Ops.ScaledDotProductAttention(Tensor.Zeros(1, 1, 4, 8), Tensor.Zeros(1, 1, 4, 8), Tensor.Zeros(1, 1, 5, 8)));
        Assert.Throws<LoomException>(() => Ops.ScaledDotProductAttention(Tensor.Zeros(1, 1, 5, 8), Tensor.Zeros(1, 1, 4, 8), Tensor.Zeros(1, 1, 4, 8)));
    }
}
