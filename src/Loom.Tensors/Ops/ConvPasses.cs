using Loom.Kernels;

namespace Loom.Tensors;

/// <summary>Where the [rows, positions] or image block of image n, group g starts in a batch buffer.</summary>
internal delegate int BlockOffset(int n, int g);

/// <summary>
/// The three GEMM passes that conv2d and conv_transpose2d are made of, each over every (image, group). A transposed
/// convolution runs a convolution's passes in another order, so each pass is written once:
/// <list type="bullet">
/// <item><see cref="Gather"/>: dst = W_g · im2col(src) — conv2d forward, conv_transpose2d input gradient.</item>
/// <item><see cref="Scatter"/>: dst += col2im(W_gᵀ · src) — conv_transpose2d forward, conv2d input gradient.</item>
/// <item><see cref="AccumulateWeightGradient"/>: dW_g += A · im2col(src)ᵀ — both weight gradients.</item>
/// </list>
/// W_g is the [rows, geometry.ColumnRows] slice of the weight for group g.
/// </summary>
internal static class ConvPasses
{
    /// <summary>dst_{n,g} [rows, positions] = W_g · im2col(src_{n,g}); per-image work spread over the kernel threads.</summary>
    public static void Gather(ArraySegment<float> weight, int rows, ArraySegment<float> src, BlockOffset srcOffset,
        float[] dst, BlockOffset dstOffset, int batch, int groups, ConvGeometry geometry)
    {
        int k = geometry.ColumnRows, positions = geometry.Positions;
        // A 1×1, stride-1, unpadded window reads the image as it is: skip the copy into columns.
        bool identity = IsIdentity(geometry);
        ImageChunks.For(batch, (long)batch * groups * rows * positions * k, identity ? 0 : k * positions, (start, end, cols) =>
        {
            for (int n = start; n < end; n++)
            for (int g = 0; g < groups; g++)
            {
                ReadOnlySpan<float> image = src.AsSpan(srcOffset(n, g), geometry.ImageSize);
                if (!identity) Im2Col.Pack(image, cols, geometry);
                Gemm.Multiply(weight.AsSpan(g * rows * k, rows * k), identity ? image : cols,
                    dst.AsSpan(dstOffset(n, g), rows * positions), rows, positions, k);
            }
        });
    }

    /// <summary>dst_{n,g} += col2im(W_gᵀ · src_{n,g}) for src blocks [rows, positions]; spread over the kernel threads.</summary>
    public static void Scatter(ArraySegment<float> weight, int rows, ArraySegment<float> src, BlockOffset srcOffset,
        float[] dst, BlockOffset dstOffset, int batch, int groups, ConvGeometry geometry)
    {
        int k = geometry.ColumnRows, positions = geometry.Positions;
        ImageChunks.For(batch, (long)batch * groups * rows * positions * k, k * positions, (start, end, cols) =>
        {
            for (int n = start; n < end; n++)
            for (int g = 0; g < groups; g++)
            {
                // Column p holds what position p sends through every kernel tap; col2im sums overlapping taps.
                Gemm.Multiply(weight.AsSpan(g * rows * k, rows * k), src.AsSpan(srcOffset(n, g), rows * positions),
                    cols, k, positions, rows, transA: true);
                Im2Col.ScatterAdd(cols, dst.AsSpan(dstOffset(n, g), geometry.ImageSize), geometry);
            }
        });
    }

    /// <summary>
    /// dW_g += A_{n,g} · im2col(src_{n,g})ᵀ for blocks A [rows, positions]. Summed over the images in order on one
    /// thread, so the sum never depends on the thread count (the GEMM itself may still split its rows and columns).
    /// </summary>
    public static void AccumulateWeightGradient(float[] dw, ArraySegment<float> a, BlockOffset aOffset, int rows,
        ArraySegment<float> src, BlockOffset srcOffset, int batch, int groups, ConvGeometry geometry)
    {
        int k = geometry.ColumnRows, positions = geometry.Positions;
        var columns = new float[k * positions];
        for (int n = 0; n < batch; n++)
        for (int g = 0; g < groups; g++)
        {
            Im2Col.Pack(src.AsSpan(srcOffset(n, g), geometry.ImageSize), columns, geometry);
            Gemm.Multiply(a.AsSpan(aOffset(n, g), rows * positions), columns, dw.AsSpan(g * rows * k, rows * k),
                rows, k, positions, transB: true, accumulate: true);
        }
    }

    private static bool IsIdentity(ConvGeometry g) =>
        g.KernelH == 1 && g.KernelW == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0;
}
