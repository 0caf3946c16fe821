using Loom.Core;

namespace Loom.Tensors;

/// <summary>2-D convolution (cross-correlation, as in PyTorch) with stride, padding, dilation and groups.</summary>
public static partial class Ops
{
    /// <summary>
    /// y[n, o] = bias[o] + Σ_{c in o's group} weight[o, c] ⋆ x[n, c]. x is [N, C, H, W], weight [O, C/groups, kh, kw],
    /// bias [O] or null; the result is [N, O, Ho, Wo] with Ho = ⌊(H + 2·padding − dilation·(kh − 1) − 1) / stride⌋ + 1.
    /// </summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        Conv2d(x, weight, bias, (stride, stride), (padding, padding), (dilation, dilation), groups);

    /// <summary><see cref="Conv2d(Tensor, Tensor, Tensor?, int, int, int, int)"/> with separate vertical and horizontal settings.</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups = 1)
    {
        var (geometry, outChannels) = Conv2dGeometry(x, weight, bias, stride, padding, dilation, groups);
        int batch = x.Size(0), channels = x.Size(1), groupOut = outChannels / groups, positions = geometry.Positions;
        int ImageOffset(int n, int g) => (n * channels + g * geometry.Channels) * geometry.Height * geometry.Width;
        int OutputOffset(int n, int g) => (n * outChannels + g * groupOut) * positions;

        ArraySegment<float> xs = DenseValues.Segment(x), ws = DenseValues.Segment(weight);
        var y = new float[batch * outChannels * positions];
        ConvPasses.Gather(ws, groupOut, xs, ImageOffset, y, OutputOffset, batch, groups, geometry);

        int[] shape = [batch, outChannels, geometry.OutH, geometry.OutW];
        return ConvResult.Build("conv2d", x, weight, bias, y, shape, (dy, xv, wv, dx, dw) =>
        {
            // dX: each dY entry goes back through W_gᵀ to the pixels its window read. dW_g += dY_g · colsᵀ of x.
            if (dx != null) ConvPasses.Scatter(wv, groupOut, dy, OutputOffset, dx, ImageOffset, batch, groups, geometry);
            if (dw != null) ConvPasses.AccumulateWeightGradient(dw, dy, OutputOffset, groupOut, xv, ImageOffset, batch, groups, geometry);
        });
    }

    /// <summary>Validates conv2d's operands and returns the per-group window geometry and the output channel count.</summary>
    private static (ConvGeometry Geometry, int OutChannels) Conv2dGeometry(Tensor x, Tensor weight, Tensor? bias,
        (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups)
    {
        const string op = "conv2d";
        string xs = ShapeUtil.Format(x.Shape), wsh = ShapeUtil.Format(weight.Shape);
        if (x.Rank != 4) throw LoomException.Shape(op, $"input must be [N, C, H, W], found {xs}");
        if (weight.Rank != 4) throw LoomException.Shape(op, $"weight must be [O, C/groups, kh, kw], found {wsh}");
        ConvArguments.Check(op, stride, padding, dilation, groups);
        int channels = x.Size(1), outChannels = weight.Size(0);
        if (channels % groups != 0)
            throw LoomException.Shape(op, $"input {xs} has {channels} channels, not divisible by groups={groups}");
        if (outChannels % groups != 0)
            throw LoomException.Shape(op, $"weight {wsh} has {outChannels} output channels, not divisible by groups={groups}");
        if (weight.Size(1) * groups != channels)
            throw LoomException.Shape(op, $"input {xs} has {channels} channels, weight {wsh} expects {weight.Size(1)}×groups={weight.Size(1) * groups}");
        if (bias != null && (bias.Rank != 1 || bias.Size(0) != outChannels))
            throw LoomException.Shape(op, $"bias must be [{outChannels}] for weight {wsh}, found {ShapeUtil.Format(bias.Shape)}");
        int kh = weight.Size(2), kw = weight.Size(3);
        int outH = ConvGeometry.OutputSize(x.Size(2), kh, stride.H, padding.H, dilation.H);
        int outW = ConvGeometry.OutputSize(x.Size(3), kw, stride.W, padding.W, dilation.W);
        if (outH < 1 || outW < 1)
            throw LoomException.Shape(op, $"input {xs} with padding ({padding.H}, {padding.W}) is smaller than the dilated kernel of weight {wsh} (dilation ({dilation.H}, {dilation.W}))");
        var geometry = new ConvGeometry(channels / groups, x.Size(2), x.Size(3), kh, kw, stride.H, stride.W,
            padding.H, padding.W, dilation.H, dilation.W, outH, outW);
        return (geometry, outChannels);
    }
}
