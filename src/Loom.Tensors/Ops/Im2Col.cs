namespace Loom.Tensors;

/// <summary>
/// How a 2-D convolution window walks an image of one group: the image side (channels, height, width) and the
/// column side (OutH × OutW window positions). Conv2d reads images into columns; ConvTranspose2d, and the input
/// gradient of Conv2d, scatter columns back into images.
/// </summary>
internal readonly record struct ConvGeometry(
    int Channels, int Height, int Width,
    int KernelH, int KernelW,
    int StrideH, int StrideW,
    int PadH, int PadW,
    int DilationH, int DilationW,
    int OutH, int OutW)
{
    /// <summary>Rows of the column matrix: one per (channel, kernel row, kernel column).</summary>
    public int ColumnRows => Channels * KernelH * KernelW;

    /// <summary>Columns of the column matrix: one per output position.</summary>
    public int Positions => OutH * OutW;

    /// <summary>Elements of one image of one group.</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>
    /// Number of window positions along one axis, ⌊(size + 2·pad − dilation·(kernel − 1) − 1) / stride⌋ + 1, or 0
    /// when the dilated kernel does not fit (C# division truncates toward zero, so that case is tested first).
    /// </summary>
    public static int OutputSize(int size, int kernel, int stride, int pad, int dilation)
    {
        int span = size + 2 * pad - dilation * (kernel - 1) - 1;
        return span < 0 ? 0 : span / stride + 1;
    }
}

/// <summary>
/// im2col and col2im: lay every window of an image out as one column so a convolution becomes one GEMM, and the
/// reverse (summing overlapping windows back into the image).
/// </summary>
internal static class Im2Col
{
    /// <summary>cols[(c·kh + i)·kw + j, oy·OutW + ox] = image[c, oy·s − p + i·d, ox·s − p + j·d], 0 outside the image.</summary>
    public static void Pack(ReadOnlySpan<float> image, Span<float> cols, in ConvGeometry g)
    {
        int positions = g.Positions;
        int row = 0;
        for (int c = 0; c < g.Channels; c++)
        for (int i = 0; i < g.KernelH; i++)
        for (int j = 0; j < g.KernelW; j++, row++)
        {
            Span<float> dst = cols.Slice(row * positions, positions);
            for (int oy = 0; oy < g.OutH; oy++)
            {
                Span<float> dstRow = dst.Slice(oy * g.OutW, g.OutW);
                int y = oy * g.StrideH - g.PadH + i * g.DilationH;
                if ((uint)y >= (uint)g.Height)
                {
                    dstRow.Clear();
                    continue;
                }
                ReadOnlySpan<float> src = image.Slice((c * g.Height + y) * g.Width, g.Width);
                int x0 = j * g.DilationW - g.PadW;
                if (g.StrideW == 1 && x0 >= 0 && x0 + g.OutW <= g.Width)
                {
                    // The common case: a whole output row is one contiguous run of the image row.
                    src.Slice(x0, g.OutW).CopyTo(dstRow);
                    continue;
                }
                for (int ox = 0; ox < g.OutW; ox++)
                {
                    int x = x0 + ox * g.StrideW;
                    dstRow[ox] = (uint)x < (uint)g.Width ? src[x] : 0f;
                }
            }
        }
    }

    /// <summary>The adjoint of <see cref="Pack"/>: image[c, y, x] += every column entry that was read from it.</summary>
    public static void ScatterAdd(ReadOnlySpan<float> cols, Span<float> image, in ConvGeometry g)
    {
        int positions = g.Positions;
        int row = 0;
        for (int c = 0; c < g.Channels; c++)
        for (int i = 0; i < g.KernelH; i++)
        for (int j = 0; j < g.KernelW; j++, row++)
        {
            ReadOnlySpan<float> src = cols.Slice(row * positions, positions);
            for (int oy = 0; oy < g.OutH; oy++)
            {
                int y = oy * g.StrideH - g.PadH + i * g.DilationH;
                if ((uint)y >= (uint)g.Height) continue;
                ReadOnlySpan<float> srcRow = src.Slice(oy * g.OutW, g.OutW);
                Span<float> dst = image.Slice((c * g.Height + y) * g.Width, g.Width);
                int x0 = j * g.DilationW - g.PadW;
                if (g.StrideW == 1 && x0 >= 0 && x0 + g.OutW <= g.Width)
                {
                    Span<float> run = dst.Slice(x0, g.OutW);
                    System.Numerics.Tensors.TensorPrimitives.Add(run, srcRow, run);
                    continue;
                }
                for (int ox = 0; ox < g.OutW; ox++)
                {
                    int x = x0 + ox * g.StrideW;
                    if ((uint)x < (uint)g.Width) dst[x] += srcRow[ox];
                }
            }
        }
    }
}
