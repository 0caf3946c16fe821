using Loom.Core;
using Loom.Tensors;

namespace Loom.Tests.Tensors;

public class ConvTransposeTests
{
    /// <summary>The definition: every input pixel adds weight × value to the output pixels its kernel taps land on.</summary>
    private static float[] Reference(float[] x, int[] xs, float[] w, int[] wsh, float[]? bias, int s, int p, int op, int d, int groups)
    {
        int n = xs[0], cin = xs[1], h = xs[2], wd = xs[3];
        int cig = cin / groups, cog = wsh[1], kh = wsh[2], kw = wsh[3], cout = cog * groups;
        int ho = (h - 1) * s - 2 * p + d * (kh - 1) + op + 1, wo = (wd - 1) * s - 2 * p + d * (kw - 1) + op + 1;
        var y = new double[n * cout * ho * wo];
        for (int b = 0; b < n; b++)
        for (int oc = 0; oc < cout; oc++)
        for (int i = 0; i < ho * wo; i++) y[(b * cout + oc) * ho * wo + i] = bias?[oc] ?? 0;
        for (int b = 0; b < n; b++)
        for (int ic = 0; ic < cin; ic++)
        for (int iy = 0; iy < h; iy++)
        for (int ix = 0; ix < wd; ix++)
        for (int oc = 0; oc < cog; oc++)
        for (int i = 0; i < kh; i++)
        for (int j = 0; j < kw; j++)
        {
            int oy = iy * s - p + i * d, ox = ix * s - p + j * d;
            if (oy < 0 || oy >= ho || ox < 0 || ox >= wo) continue;
            int channel = ic / cig * cog + oc;
            y[((b * cout + channel) * ho + oy) * wo + ox] += (double)x[((b * cin + ic) * h + iy) * wd + ix] * w[((ic * cog + oc) * kh + i) * kw + j];
        }
        return y.Select(v => (float)v).ToArray();
    }

    private static void Check(int[] xs, int[] wsh, bool bias, int s, int p, int op, int d, int groups)
    {
        int[][] shapes = bias ? [xs, wsh, [wsh[1] * groups]] : [xs, wsh];
        GradCheck.CheckOp(
            t => Ops.ConvTranspose2d(t[0], t[1], bias ? t[2] : null, s, p, op, d, groups),
            v => Reference(v[0], xs, v[1], wsh, bias ? v[2] : null, s, p, op, d, groups),
            shapes);
    }

    [Fact] public void Plain_3x3_with_bias() => Check([1, 2, 3, 4], [2, 3, 3, 3], true, 1, 0, 0, 1, 1);
    [Fact] public void Stride_2_padding_1_output_padding_1_batch_2() => Check([2, 2, 3, 3], [2, 2, 3, 3], true, 2, 1, 1, 1, 1);
    [Fact] public void Stride_2_kernel_4_doubles_the_size() => Check([1, 1, 3, 3], [1, 2, 4, 4], false, 2, 1, 0, 1, 1);
    [Fact] public void Dilation_2() => Check([1, 2, 3, 3], [2, 1, 2, 2], false, 1, 1, 0, 2, 1);
    [Fact] public void Groups_2() => Check([1, 4, 3, 3], [4, 1, 3, 3], true, 2, 0, 1, 1, 2);

    [Fact]
    public void Output_size_follows_the_pytorch_formula()
    {
        var y = Ops.ConvTranspose2d(Tensor.Zeros(2, 3, 5, 7), Tensor.Zeros(3, 4, 3, 2), null, (2, 3), (1, 0), (1, 2), (1, 1));
        // H: 4·2 − 2 + 2 + 1 + 1 = 10; W: 6·3 − 0 + 1 + 2 + 1 = 22.
        Assert.Equal([2, 4, 10, 22], y.ShapeArray);
    }

    [Theory]
    [InlineData(1, 0, 1, 1, 7)]
    [InlineData(2, 1, 1, 1, 8)]
    [InlineData(2, 1, 1, 1, 7)]
    [InlineData(3, 0, 2, 2, 9)]
    [InlineData(2, 1, 1, 2, 6)]
    public void Is_the_gradient_of_conv2d_with_respect_to_its_input(int stride, int padding, int dilation, int groups, int size)
    {
        var rng = new LoomRandom(11);
        var x = Tensor.Randn(rng, [2, 4, size, size]).WithGrad();
        var w = Tensor.Randn(rng, [6, 4 / groups, 3, 3]);
        var y = Ops.Conv2d(x, w, null, stride, padding, dilation, groups);
        var dy = Tensor.Randn(rng, y.ShapeArray);
        y.Backward(dy);
        // The transposed conv of dY recovers size H only with the output padding that a strided conv rounded away.
        int outputPadding = size - ((y.Size(2) - 1) * stride - 2 * padding + dilation * 2 + 1);
        var transposed = Ops.ConvTranspose2d(dy, w, null, stride, padding, outputPadding, dilation, groups);
        Assert.Equal(x.ShapeArray, transposed.ShapeArray);
        GradCheck.AssertClose(x.Grad!.ToArray(), transposed.ToArray(), 1e-4f, 1e-4f, "conv_transpose2d vs conv2d input gradient");
    }

    [Fact]
    public void Batch_large_enough_to_split_across_threads_matches_reference_and_conv2d_adjoint()
    {
        // 4·8·12·12·64 multiply-adds (≥ 64³): the per-image work is spread over the kernel threads.
        var rng = new LoomRandom(13);
        var x = Tensor.Randn(rng, [4, 8, 12, 12]).WithGrad();
        var w = Tensor.Randn(rng, [8, 4, 4, 4]);
        var y = Ops.ConvTranspose2d(x, w, null, stride: 2, padding: 1);
        GradCheck.AssertClose(Reference(x.ToArray(), [4, 8, 12, 12], w.ToArray(), [8, 4, 4, 4], null, 2, 1, 0, 1, 1), y.ToArray(), 1e-4f, 1e-4f, "forward");
        var dy = Tensor.Randn(rng, y.ShapeArray);
        y.Backward(dy);
        // The input gradient of a transposed convolution is the ordinary convolution of dY with the same weight.
        GradCheck.AssertClose(Ops.Conv2d(dy, w, null, stride: 2, padding: 1).ToArray(), x.Grad!.ToArray(), 1e-4f, 1e-4f, "input gradient");
    }

    [Fact]
    public void Bad_shapes_and_arguments_name_the_op()
    {
        var e = Assert.Throws<LoomException>(() => Ops.ConvTranspose2d(Tensor.Zeros(1, 3, 4, 4), Tensor.Zeros(2, 2, 3, 3), null));
        Assert.Equal(LoomErrorCode.ShapeMismatch, e.Code);
        Assert.Contains("conv_transpose2d", e.Message);
        Assert.Contains("[1, 3, 4, 4]", e.Message);
        Assert.Contains("[2, 2, 3, 3]", e.Message);
        Assert.Throws<LoomException>(() => Ops.ConvTranspose2d(Tensor.Zeros(1, 2, 4, 4), Tensor.Zeros(2, 2, 3, 3), null, stride: 2, outputPadding: 2));
        Assert.Throws<LoomException>(() => Ops.ConvTranspose2d(Tensor.Zeros(1, 2, 4, 4), Tensor.Zeros(2, 2, 3, 3), Tensor.Zeros(3)));
        Assert.Throws<LoomException>(() => Ops.ConvTranspose2d(Tensor.Zeros(1, 2, 1, 1), Tensor.Zeros(2, 2, 1, 1), null, padding: 1));
    }
}
