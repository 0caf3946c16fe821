using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

/// <summary>The definition of convolution, one output element at a time, to test the im2col + GEMM path against.</summary>
public static class ConvReference
{
    /// <summary>x [N, C, H, W], w [O, C/groups, kh, kw], bias [O] or null → [N, O, Ho, Wo] row-major.</summary>
    public static float[] Conv2d(float[] x, int[] xShape, float[] w, int[] wShape, float[]? bias,
        (int H, int W) stride, (int H, int W) pad, (int H, int W) dil, int groups)
    {
        int n = xShape[0], c = xShape[1], h = xShape[2], wd = xShape[3];
        int o = wShape[0], cg = wShape[1], kh = wShape[2], kw = wShape[3];
        int og = o / groups;
        int ho = (h + 2 * pad.H - dil.H * (kh - 1) - 1) / stride.H + 1;
        int wo = (wd + 2 * pad.W - dil.W * (kw - 1) - 1) / stride.W + 1;
        var y = new float[n * o * ho * wo];
        for (int b = 0; b < n; b++)
        for (int oc = 0; oc < o; oc++)
        for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
        {
            double sum = bias?[oc] ?? 0;
            int group = oc / og;
            for (int ic = 0; ic < cg; ic++)
            for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++)
            {
                int iy = oy * stride.H - pad.H + i * dil.H, ix = ox * stride.W - pad.W + j * dil.W;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                int channel = group * cg + ic;
                sum += (double)x[((b * c + channel) * h + iy) * wd + ix] * w[((oc * cg + ic) * kh + i) * kw + j];
            }
            y[((b * o + oc) * ho + oy) * wo + ox] = (float)sum;
        }
        return y;
    }
}

public class ConvTests
{
    private static void Check(int[] xShape, int[] wShape, bool bias, (int, int) stride, (int, int) pad, (int, int) dil, int groups)
    {
        int[][] shapes = bias ? [xShape, wShape, [wShape[0]]] : [xShape, wShape];
        GradCheck.CheckOp(
            t => Ops.Conv2d(t[0], t[1], bias ? t[2] : null, stride, pad, dil, groups),
            v => ConvReference.Conv2d(v[0], xShape, v[1], wShape, bias ? v[2] : null, stride, pad, dil, groups),
            shapes);
    }

    [Fact] public void Plain_3x3_with_bias() => Check([1, 2, 5, 5], [3, 2, 3, 3], true, (1, 1), (0, 0), (1, 1), 1);
    [Fact] public void Stride_2_padding_1_batch_2() => Check([2, 2, 6, 5], [3, 2, 3, 3], true, (2, 2), (1, 1), (1, 1), 1);
    [Fact] public void Dilation_2() => Check([1, 2, 7, 7], [2, 2, 3, 3], false, (1, 1), (1, 1), (2, 2), 1);
    [Fact] public void Groups_2() => Check([2, 4, 5, 5], [4, 2, 3, 3], true, (1, 1), (1, 1), (1, 1), 2);
    [Fact] public void Depthwise() => Check([1, 3, 5, 6], [6, 1, 3, 3], true, (1, 1), (1, 1), (1, 1), 3);
    [Fact] public void One_by_one() => Check([2, 3, 4, 3], [5, 3, 1, 1], true, (1, 1), (0, 0), (1, 1), 1);
    [Fact] public void One_by_one_strided() => Check([1, 3, 5, 5], [2, 3, 1, 1], false, (2, 2), (0, 0), (1, 1), 1);
    [Fact] public void Non_square_kernel_and_separate_settings() => Check([1, 2, 6, 7], [2, 2, 2, 3], true, (2, 1), (1, 0), (1, 2), 1);

    [Fact]
    public void Default_arguments_match_the_tuple_overload()
    {
        var rng = new LoomRandom(3);
        var x = Tensor.Randn(rng, [2, 4, 6, 6]);
        var w = Tensor.Randn(rng, [4, 2, 3, 3]);
        var a = Ops.Conv2d(x, w, null, stride: 2, padding: 1, dilation: 1, groups: 2);
        var b = Ops.Conv2d(x, w, null, (2, 2), (1, 1), (1, 1), 2);
        Assert.Equal([2, 4, 3, 3], a.ShapeArray);
        Assert.Equal(b.ToArray(), a.ToArray());
    }

    [Fact]
    public void Non_contiguous_input_is_read_through_its_strides()
    {
        var rng = new LoomRandom(4);
        var x = Tensor.Randn(rng, [1, 5, 5, 2]).Permute(0, 3, 1, 2); // [1, 2, 5, 5], not contiguous
        var w = Tensor.Randn(rng, [3, 2, 3, 3]);
        var expected = ConvReference.Conv2d(x.ToArray(), [1, 2, 5, 5], w.ToArray(), [3, 2, 3, 3], null, (1, 1), (1, 1), (1, 1), 1);
        GradCheck.AssertClose(expected, Ops.Conv2d(x, w, null, padding: 1).ToArray(), 1e-4f, 1e-4f, "conv2d of a permuted view");
    }

    [Fact]
    public void Batch_large_enough_to_split_across_threads_matches_reference_values_and_gradients()
    {
        // 4·8·16·16·36 multiply-adds (≥ 64³): enough for the per-image work to be spread over the kernel threads.
        int[] xs = [4, 8, 16, 16], wsh = [8, 4, 3, 3];
        var rng = new LoomRandom(16);
        var x = Tensor.Randn(rng, xs).WithGrad();
        var w = Tensor.Randn(rng, wsh).WithGrad();
        var y = Ops.Conv2d(x, w, null, padding: 1, groups: 2);
        var dy = Tensor.Randn(rng, y.ShapeArray);
        y.Backward(dy);
        float[] xv = x.ToArray(), wv = w.ToArray(), g = dy.ToArray();
        GradCheck.AssertClose(ConvReference.Conv2d(xv, xs, wv, wsh, null, (1, 1), (1, 1), (1, 1), 2), y.ToArray(), 1e-4f, 1e-4f, "forward");

        // Backward by definition: every product x·w that fed output (n, o, oy, ox) sends dy there back to both factors.
        var dx = new double[xv.Length];
        var dw = new double[wv.Length];
        for (int n = 0; n < 4; n++)
        for (int o = 0; o < 8; o++)
        for (int oy = 0; oy < 16; oy++)
        for (int ox = 0; ox < 16; ox++)
        for (int c = 0; c < 4; c++)
        for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
        {
            int iy = oy - 1 + i, ix = ox - 1 + j;
            if (iy < 0 || iy >= 16 || ix < 0 || ix >= 16) continue;
            int xi = ((n * 8 + o / 4 * 4 + c) * 16 + iy) * 16 + ix, wi = ((o * 4 + c) * 3 + i) * 3 + j;
            double grad = g[((n * 8 + o) * 16 + oy) * 16 + ox];
            dx[xi] += grad * wv[wi];
            dw[wi] += grad * xv[xi];
        }
        GradCheck.AssertClose(dx.Select(v => (float)v).ToArray(), x.Grad!.ToArray(), 1e-4f, 1e-4f, "input gradient");
        GradCheck.AssertClose(dw.Select(v => (float)v).ToArray(), w.Grad!.ToArray(), 1e-3f, 1e-4f, "weight gradient");
    }

    [Fact]
    public void Channel_mismatch_names_op_and_both_shapes()
    {
        var e = Assert.Throws<LoomException>(() => Ops.Conv2d(Tensor.Zeros(2, 3, 8, 8), Tensor.Zeros(4, 2, 3, 3), null, groups: 1));
        Assert.Equal(LoomErrorCode.ShapeMismatch, e.Code);
        Assert.Contains("conv2d", e.Message);
        Assert.Contains("[2, 3, 8, 8]", e.Message);
        Assert.Contains("[4, 2, 3, 3]", e.Message);
    }

    [Fact]
    public void Kernel_larger_than_padded_input_is_rejected()
    {
        var e = Assert.Throws<LoomException>(() => Ops.Conv2d(Tensor.Zeros(1, 1, 2, 2), Tensor.Zeros(1, 1, 3, 3), null));
        Assert.Contains("conv2d", e.Message);
        Assert.Throws<LoomException>(() => Ops.Conv2d(Tensor.Zeros(1, 1, 4, 4), Tensor.Zeros(1, 1, 3, 3), null, stride: 0));
        Assert.Throws<LoomException>(() => Ops.Conv2d(Tensor.Zeros(1, 1, 4, 4), Tensor.Zeros(1, 1, 3, 3), Tensor.Zeros(2)));
    }
}
