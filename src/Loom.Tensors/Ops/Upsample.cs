using Loom.Core;

namespace Loom.Tensors;

/// <summary>Nearest-neighbour upsampling of [N, C, H, W] by integer factors.</summary>
public static partial class Ops
{
    /// <summary>Repeats every pixel scale×scale times: [N, C, H, W] → [N, C, H·scale, W·scale].</summary>
    public static Tensor UpsampleNearest2d(Tensor x, int scale) => UpsampleNearest2d(x, scale, scale);

    /// <summary>Repeats every pixel scaleH times down and scaleW times across: [N, C, H, W] → [N, C, H·scaleH, W·scaleW].</summary>
    public static Tensor UpsampleNearest2d(Tensor x, int scaleH, int scaleW)
    {
        const string op = "upsample_nearest2d";
        if (x.Rank != 4) throw LoomException.Shape(op, $"input must be [N, C, H, W], found {ShapeUtil.Format(x.Shape)}");
        if (scaleH < 1 || scaleW < 1) throw LoomException.Argument($"{op}: scale factors must be at least 1, found ({scaleH}, {scaleW})");
        int planes = x.Size(0) * x.Size(1), h = x.Size(2), w = x.Size(3);
        int outH = h * scaleH, outW = w * scaleW;
        ReadOnlySpan<float> xs = DenseValues.Of(x);
        var y = new float[planes * outH * outW];
        for (int plane = 0; plane < planes; plane++)
        for (int iy = 0; iy < h; iy++)
        {
            ReadOnlySpan<float> src = xs.Slice((plane * h + iy) * w, w);
            Span<float> first = y.AsSpan((plane * outH + iy * scaleH) * outW, outW);
            for (int ix = 0; ix < w; ix++) first.Slice(ix * scaleW, scaleW).Fill(src[ix]);
            // The other rows of this block are copies of the first.
            for (int r = 1; r < scaleH; r++) first.CopyTo(y.AsSpan((plane * outH + iy * scaleH + r) * outW, outW));
        }
        return Tensor.FromOp(op, [x], y, [x.Size(0), x.Size(1), outH, outW], g =>
        {
            // Each input pixel receives the sum of the gradients of the scaleH×scaleW block it was copied to.
            ReadOnlySpan<float> gy = DenseValues.Of(g);
            var dx = new float[x.Length];
            for (int plane = 0; plane < planes; plane++)
            for (int oy = 0; oy < outH; oy++)
            {
                ReadOnlySpan<float> src = gy.Slice((plane * outH + oy) * outW, outW);
                Span<float> dst = dx.AsSpan((plane * h + oy / scaleH) * w, w);
                for (int ix = 0; ix < w; ix++)
                    dst[ix] += System.Numerics.Tensors.TensorPrimitives.Sum(src.Slice(ix * scaleW, scaleW));
            }
            return [new Tensor(dx, x.ShapeArray)];
        });
    }
}
