using Loom.Core;

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
