using Loom.Core;

namespace Loom.Tensors;

/// <summary>Average, max and global-average pooling over the two trailing (spatial) dimensions of [N, C, H, W].</summary>
public static partial class Ops
{
    /// <summary>
    /// Mean over each kernel×kernel window; padded positions count as zeros in the divisor (PyTorch's default
    /// count_include_pad = true). <paramref name="stride"/> defaults to the kernel size.
    /// </summary>
    public static Tensor AvgPool2d(Tensor x, int kernel, int? stride = null, int padding = 0)
    {
        var p = PoolGeometry.Create("avg_pool2d", x, kernel, stride ?? kernel, padding);
        ReadOnlySpan<float> xs = DenseValues.Of(x);
        var y = new float[p.Planes * p.OutH * p.OutW];
        float inverseArea = 1f / (kernel * kernel);
        for (int plane = 0; plane < p.Planes; plane++)
        {
            ReadOnlySpan<float> src = xs.Slice(plane * p.H * p.W, p.H * p.W);
            for (int oy = 0; oy < p.OutH; oy++)
            for (int ox = 0; ox < p.OutW; ox++)
            {
                var (y0, y1, x0, x1) = p.Window(oy, ox);
                float sum = 0;
                for (int iy = y0; iy < y1; iy++)
                for (int ix = x0; ix < x1; ix++) sum += src[iy * p.W + ix];
                y[(plane * p.OutH + oy) * p.OutW + ox] = sum * inverseArea;
            }
        }
        return Tensor.FromOp("avg_pool2d", [x], y, p.OutputShape, g =>
        {
            ReadOnlySpan<float> gy = DenseValues.Of(g);
            var dx = new float[x.Length];
            for (int plane = 0; plane < p.Planes; plane++)
            {
                Span<float> dst = dx.AsSpan(plane * p.H * p.W, p.H * p.W);
                for (int oy = 0; oy < p.OutH; oy++)
                for (int ox = 0; ox < p.OutW; ox++)
                {
                    var (y0, y1, x0, x1) = p.Window(oy, ox);
                    float share = gy[(plane * p.OutH + oy) * p.OutW + ox] * inverseArea;
                    for (int iy = y0; iy < y1; iy++)
                    for (int ix = x0; ix < x1; ix++) dst[iy * p.W + ix] += share;
                }
            }
            return [new Tensor(dx, x.ShapeArray)];
        });
    }

    /// <summary>
    /// Maximum over each kernel×kernel window; padding acts as −∞ (never the maximum). The gradient goes to the
    /// first arg-max of each window in row-major order. <paramref name="stride"/> defaults to the kernel size.
    /// </summary>
    public static Tensor MaxPool2d(Tensor x, int kernel, int? stride = null, int padding = 0)
    {
        var p = PoolGeometry.Create("max_pool2d", x, kernel, stride ?? kernel, padding);
        if (padding > kernel / 2)
            throw LoomException.Argument($"max_pool2d: padding {padding} must be at most half the kernel {kernel}, or a window could lie wholly in padding");
        ReadOnlySpan<float> xs = DenseValues.Of(x);
        var y = new float[p.Planes * p.OutH * p.OutW];
        // Where each output's maximum came from, as an index into its input plane; backward routes gradient there.
        var argMax = new int[y.Length];
        for (int plane = 0; plane < p.Planes; plane++)
        {
            ReadOnlySpan<float> src = xs.Slice(plane * p.H * p.W, p.H * p.W);
            for (int oy = 0; oy < p.OutH; oy++)
            for (int ox = 0; ox < p.OutW; ox++)
            {
                var (y0, y1, x0, x1) = p.Window(oy, ox);
                float best = float.NegativeInfinity;
                int at = y0 * p.W + x0;
                for (int iy = y0; iy < y1; iy++)
                for (int ix = x0; ix < x1; ix++)
                {
                    float v = src[iy * p.W + ix];
                    // NaN wins, as in PyTorch, so it propagates instead of being silently dropped.
                    if (v > best || float.IsNaN(v) && !float.IsNaN(best))
                    {
                        best = v;
                        at = iy * p.W + ix;
                    }
                }
                int o = (plane * p.OutH + oy) * p.OutW + ox;
                y[o] = best;
                argMax[o] = at;
            }
        }
        return Tensor.FromOp("max_pool2d", [x], y, p.OutputShape, g =>
        {
            ReadOnlySpan<float> gy = DenseValues.Of(g);
            var dx = new float[x.Length];
            int perPlane = p.OutH * p.OutW;
            for (int o = 0; o < gy.Length; o++)
                dx[o / perPlane * p.H * p.W + argMax[o]] += gy[o];
            return [new Tensor(dx, x.ShapeArray)];
        });
    }

    /// <summary>Mean over H and W: [N, C, H, W] → [N, C].</summary>
    public static Tensor GlobalAvgPool2d(Tensor x)
    {
        if (x.Rank != 4) throw LoomException.Shape("global_avg_pool2d", $"input must be [N, C, H, W], found {ShapeUtil.Format(x.Shape)}");
        int n = x.Size(0), c = x.Size(1), area = x.Size(2) * x.Size(3);
        if (area == 0) throw LoomException.Shape("global_avg_pool2d", $"input {ShapeUtil.Format(x.Shape)} has no spatial elements to average");
        ReadOnlySpan<float> xs = DenseValues.Of(x);
        var y = new float[n * c];
        for (int i = 0; i < y.Length; i++) y[i] = System.Numerics.Tensors.TensorPrimitives.Sum(xs.Slice(i * area, area)) / area;
        return Tensor.FromOp("global_avg_pool2d", [x], y, [n, c], g =>
        {
            ReadOnlySpan<float> gy = DenseValues.Of(g);
            var dx = new float[x.Length];
            for (int i = 0; i < gy.Length; i++) dx.AsSpan(i * area, area).Fill(gy[i] / area);
            return [new Tensor(dx, x.ShapeArray)];
        });
    }
}

/// <summary>Output size and clipped windows of a square pooling kernel over [N, C, H, W].</summary>
internal readonly record struct PoolGeometry(int Batch, int Channels, int H, int W, int Kernel, int Stride, int Padding, int OutH, int OutW)
{
    /// <summary>Number of H×W planes: one per (image, channel).</summary>
    public int Planes => Batch * Channels;

    public int[] OutputShape => [Batch, Channels, OutH, OutW];

    public static PoolGeometry Create(string op, Tensor x, int kernel, int stride, int padding)
    {
        if (x.Rank != 4) throw LoomException.Shape(op, $"input must be [N, C, H, W], found {ShapeUtil.Format(x.Shape)}");
        if (kernel < 1) throw LoomException.Argument($"{op}: kernel must be at least 1, found {kernel}");
        if (stride < 1) throw LoomException.Argument($"{op}: stride must be at least 1, found {stride}");
        if (padding < 0) throw LoomException.Argument($"{op}: padding must be non-negative, found {padding}");
        int h = x.Size(2), w = x.Size(3);
        int outH = ConvGeometry.OutputSize(h, kernel, stride, padding, 1);
        int outW = ConvGeometry.OutputSize(w, kernel, stride, padding, 1);
        if (outH < 1 || outW < 1)
            throw LoomException.Shape(op, $"input {ShapeUtil.Format(x.Shape)} with padding {padding} is smaller than the {kernel}×{kernel} kernel");
        return new PoolGeometry(x.Size(0), x.Size(1), h, w, kernel, stride, padding, outH, outW);
    }

    /// <summary>The window of output (oy, ox) clipped to the image: rows [Y0, Y1), columns [X0, X1).</summary>
    public (int Y0, int Y1, int X0, int X1) Window(int oy, int ox)
    {
        int y0 = oy * Stride - Padding, x0 = ox * Stride - Padding;
        return (Math.Max(y0, 0), Math.Min(y0 + Kernel, H), Math.Max(x0, 0), Math.Min(x0 + Kernel, W));
    }
}
