using Loom.Core;
using Loom.Kernels;

namespace Loom.Tensors;

/// <summary>
/// Writes the gradients of x and weight (either array null when not needed) from the output gradient dy and the
/// forward operands' values, all row-major.
/// </summary>
internal delegate void ConvBackwardInto(ArraySegment<float> dy, ArraySegment<float> x, ArraySegment<float> weight, float[]? dx, float[]? dw);

/// <summary>What conv2d and conv_transpose2d share around their GEMMs: the bias, the tape entry, the bias gradient.</summary>
internal static class ConvResult
{
    /// <summary>Adds the bias to y [N, C, H, W] and records the op with its backward rule.</summary>
    public static Tensor Build(string op, Tensor x, Tensor weight, Tensor? bias, float[] y, int[] shape, ConvBackwardInto backward)
    {
        int batch = shape[0], channels = shape[1], plane = shape[2] * shape[3];
        if (bias != null) DenseValues.AddChannelBias(y, DenseValues.Of(bias), batch, plane);
        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return Tensor.FromOp(op, inputs, y, shape, gradOut =>
        {
            ArraySegment<float> dy = DenseValues.Segment(gradOut);
            float[]? dx = x.RequiresGrad ? new float[x.Length] : null;
            float[]? dw = weight.RequiresGrad ? new float[weight.Length] : null;
            if (dx != null || dw != null) backward(dy, DenseValues.Segment(x), DenseValues.Segment(weight), dx, dw);
            Tensor? dxT = dx is null ? null : new Tensor(dx, x.ShapeArray);
            Tensor? dwT = dw is null ? null : new Tensor(dw, weight.ShapeArray);
            if (bias is null) return [dxT, dwT];
            Tensor? db = bias.RequiresGrad ? new Tensor(DenseValues.ChannelSums(dy, batch, channels, plane), bias.ShapeArray) : null;
            return [dxT, dwT, db];
        });
    }

    /// <summary>
    /// dW_g += A_{n,g} · im2col(image_{n,g})ᵀ for every image n and group g, where A_{n,g} is [rows, positions] at
    /// aOffset(n, g) and image_{n,g} lies at imageOffset(n, g). Summed over the images in order on one thread, so the
    /// sum never depends on the thread count (the GEMM itself may still split its rows and columns).
    /// </summary>
    public static void AccumulateWeightGradient(float[] dw, ArraySegment<float> a, Func<int, int, int> aOffset, int rows,
        ArraySegment<float> images, Func<int, int, int> imageOffset, int batch, int groups, in ConvGeometry geometry)
    {
        int k = geometry.ColumnRows, positions = geometry.Positions;
        var columns = new float[k * positions];
        for (int n = 0; n < batch; n++)
        for (int g = 0; g < groups; g++)
        {
            Im2Col.Pack(images.AsSpan(imageOffset(n, g), geometry.ImageSize), columns, geometry);
            Gemm.Multiply(a.AsSpan(aOffset(n, g), rows * positions), columns, dw.AsSpan(g * rows * k, rows * k),
                rows, k, positions, transB: true, accumulate: true);
        }
    }
}

/// <summary>Range checks shared by the convolution ops.</summary>
internal static class ConvArguments
{
    public static void Check(string op, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups)
    {
        if (stride.H < 1 || stride.W < 1) throw LoomException.Argument($"{op}: stride must be at least 1, found ({stride.H}, {stride.W})");
        if (padding.H < 0 || padding.W < 0) throw LoomException.Argument($"{op}: padding must be non-negative, found ({padding.H}, {padding.W})");
        if (dilation.H < 1 || dilation.W < 1) throw LoomException.Argument($"{op}: dilation must be at least 1, found ({dilation.H}, {dilation.W})");
        if (groups < 1) throw LoomException.Argument($"{op}: groups must be at least 1, found {groups}");
    }
}
