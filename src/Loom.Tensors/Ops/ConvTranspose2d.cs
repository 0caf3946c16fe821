using Loom.Core;

namespace Loom.Tensors;

/// <summary>
/// Transposed 2-D convolution (PyTorch's ConvTranspose2d): the gradient of <see cref="Ops.Conv2d(Tensor, Tensor, Tensor?, int, int, int, int)"/>
/// with respect to its input, used as a learned upsampler. Each input pixel scatters a weighted kernel into the output.
/// </summary>
public static partial class Ops
{
    /// <summary>
    /// x is [N, Cin, H, W], weight [Cin, Cout/groups, kh, kw], bias [Cout] or null; the result is [N, Cout, Ho, Wo] with
    /// Ho = (H − 1)·stride − 2·padding + dilation·(kh − 1) + outputPadding + 1. outputPadding (smaller than stride or
    /// dilation) picks among the input sizes that a strided conv2d maps to the same H.
    /// </summary>
    public static Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor? bias, int stride = 1, int padding = 0, int outputPadding = 0, int dilation = 1, int groups = 1) =>
        ConvTranspose2d(x, weight, bias, (stride, stride), (padding, padding), (outputPadding, outputPadding), (dilation, dilation), groups);

    /// <summary><see cref="ConvTranspose2d(Tensor, Tensor, Tensor?, int, int, int, int, int)"/> with separate vertical and horizontal settings.</summary>
    public static Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding,
        (int H, int W) outputPadding, (int H, int W) dilation, int groups = 1)
    {
        var (geometry, inChannels) = ConvTranspose2dGeometry(x, weight, bias, stride, padding, outputPadding, dilation, groups);
        int batch = x.Size(0), groupIn = inChannels / groups, outChannels = geometry.Channels * groups;
        int positions = geometry.Positions, outPlane = geometry.Height * geometry.Width;
        int InputOffset(int n, int g) => (n * inChannels + g * groupIn) * positions;
        int OutputOffset(int n, int g) => (n * outChannels + g * geometry.Channels) * outPlane;

        ArraySegment<float> xs = DenseValues.Segment(x), ws = DenseValues.Segment(weight);
        var y = new float[batch * outChannels * outPlane];
        ConvPasses.Scatter(ws, groupIn, xs, InputOffset, y, OutputOffset, batch, groups, geometry);

        int[] shape = [batch, outChannels, geometry.Height, geometry.Width];
        return ConvResult.Build("conv_transpose2d", x, weight, bias, y, shape, (dy, xv, wv, dx, dw) =>
        {
            // The adjoint of the forward gathers dY back into columns, exactly an ordinary conv2d's im2col.
            if (dx != null) ConvPasses.Gather(wv, groupIn, dy, OutputOffset, dx, InputOffset, batch, groups, geometry);
            if (dw != null) ConvPasses.AccumulateWeightGradient(dw, xv, InputOffset, groupIn, dy, OutputOffset, batch, groups, geometry);
        });
    }

    /// <summary>
    /// Validates conv_transpose2d's operands. The returned geometry sees the output as the image and the input
    /// pixels as the window positions, exactly as the conv2d whose input gradient this op is.
    /// </summary>
    private static (ConvGeometry Geometry, int InChannels) ConvTranspose2dGeometry(Tensor x, Tensor weight, Tensor? bias,
        (int H, int W) stride, (int H, int W) padding, (int H, int W) outputPadding, (int H, int W) dilation, int groups)
    {
        const string op = "conv_transpose2d";
        string xs = ShapeUtil.Format(x.Shape), wsh = ShapeUtil.Format(weight.Shape);
        if (x.Rank != 4) throw LoomException.Shape(op, $"input must be [N, Cin, H, W], found {xs}");
        if (weight.Rank != 4) throw LoomException.Shape(op, $"weight must be [Cin, Cout/groups, kh, kw], found {wsh}");
        ConvArguments.Check(op, stride, padding, dilation, groups);
        if (outputPadding.H < 0 || outputPadding.W < 0 ||
            outputPadding.H >= Math.Max(stride.H, dilation.H) || outputPadding.W >= Math.Max(stride.W, dilation.W))
            throw LoomException.Argument($"{op}: output padding ({outputPadding.H}, {outputPadding.W}) must be non-negative and smaller than stride ({stride.H}, {stride.W}) or dilation ({dilation.H}, {dilation.W})");
        int inChannels = x.Size(1);
        if (weight.Size(0) != inChannels)
            throw LoomException.Shape(op, $"input {xs} has {inChannels} channels, weight {wsh} expects {weight.Size(0)}");
        if (inChannels % groups != 0)
            throw LoomException.Shape(op, $"input {xs} has {inChannels} channels, not divisible by groups={groups}");
        int outChannels = weight.Size(1) * groups;
        if (bias != null && (bias.Rank != 1 || bias.Size(0) != outChannels))
            throw LoomException.Shape(op, $"bias must be [{outChannels}] for weight {wsh} and groups={groups}, found {ShapeUtil.Format(bias.Shape)}");
        int h = x.Size(2), w = x.Size(3), kh = weight.Size(2), kw = weight.Size(3);
        int outH = (h - 1) * stride.H - 2 * padding.H + dilation.H * (kh - 1) + outputPadding.H + 1;
        int outW = (w - 1) * stride.W - 2 * padding.W + dilation.W * (kw - 1) + outputPadding.W + 1;
        if (outH < 1 || outW < 1)
            throw LoomException.Shape(op, $"input {xs} with weight {wsh} and padding ({padding.H}, {padding.W}) gives an empty output {outH}×{outW}");
        var geometry = new ConvGeometry(weight.Size(1), outH, outW, kh, kw, stride.H, stride.W, padding.H, padding.W,
            dilation.H, dilation.W, h, w);
        return (geometry, inChannels);
    }
}
