using Loom.Core;

namespace Loom.Training.Images;

/// <summary>
/// Resizes channel-major planes, one axis at a time: an axis that shrinks uses the area average (each output pixel
/// is the mean of the input area it covers, fractional pixels weighted by their overlap), an axis that grows uses
/// bilinear interpolation between pixel centres (edges clamped). Callers resize premultiplied colour so that
/// transparent pixels contribute nothing (see <see cref="ImagePixels"/>).
/// </summary>
public static class ImageResampler
{
    /// <param name="planes">channels × height × width values.</param>
    public static float[] Resize(ReadOnlySpan<float> planes, int channels, int height, int width, int outHeight, int outWidth)
    {
        if (channels < 1 || height < 1 || width < 1 || outHeight < 1 || outWidth < 1)
            throw LoomException.Argument($"resize: bad sizes {channels}×{height}×{width} → {outHeight}×{outWidth}");
        if (planes.Length != channels * height * width)
            throw LoomException.Argument($"resize: expected {channels * height * width} values, found {planes.Length}");
        var columns = AxisWeights(width, outWidth);
        var rows = AxisWeights(height, outHeight);
        var horizontal = new float[channels * height * outWidth];
        for (int c = 0; c < channels; c++)
        for (int y = 0; y < height; y++)
        {
            var source = planes.Slice((c * height + y) * width, width);
            var target = horizontal.AsSpan((c * height + y) * outWidth, outWidth);
            for (int x = 0; x < outWidth; x++) target[x] = (float)columns[x].Apply(source, 1);
        }
        var result = new float[channels * outHeight * outWidth];
        for (int c = 0; c < channels; c++)
        for (int y = 0; y < outHeight; y++)
        {
            var plane = horizontal.AsSpan(c * height * outWidth, height * outWidth);
            var target = result.AsSpan((c * outHeight + y) * outWidth, outWidth);
            for (int x = 0; x < outWidth; x++) target[x] = (float)rows[y].Apply(plane[x..], outWidth);
        }
        return result;
    }

    /// <summary>For one output pixel: the first input pixel it reads and the weights of it and its successors.</summary>
    public readonly record struct Taps(int First, double[] Weights)
    {
        public double Apply(ReadOnlySpan<float> source, int stride)
        {
            double sum = 0;
            for (int k = 0; k < Weights.Length; k++) sum += Weights[k] * source[(First + k) * stride];
            return sum;
        }
    }

    /// <summary>The taps of every output pixel along one axis of <paramref name="inSize"/> → <paramref name="outSize"/>.</summary>
    public static Taps[] AxisWeights(int inSize, int outSize)
    {
        var taps = new Taps[outSize];
        double scale = (double)inSize / outSize;
        for (int o = 0; o < outSize; o++)
        {
            if (outSize == inSize)
            {
                taps[o] = new Taps(o, [1.0]);
            }
            else if (outSize < inSize)
            {
                // Area average over [o·s, (o+1)·s): whole pixels weigh 1/s, the partial ones at each end their overlap/s.
                double begin = o * scale, end = (o + 1) * scale;
                int first = (int)Math.Floor(begin), last = Math.Min(inSize - 1, (int)Math.Ceiling(end) - 1);
                var weights = new double[last - first + 1];
                for (int i = first; i <= last; i++)
                    weights[i - first] = (Math.Min(end, i + 1) - Math.Max(begin, i)) / scale;
                taps[o] = new Taps(first, weights);
            }
            else
            {
                // Bilinear between input pixel centres: output centre o + ½ sits at input coordinate (o + ½)·s − ½.
                double at = Math.Clamp((o + 0.5) * scale - 0.5, 0, inSize - 1);
                int first = Math.Min((int)Math.Floor(at), inSize - 1);
                double fraction = at - first;
                taps[o] = first + 1 < inSize ? new Taps(first, [1 - fraction, fraction]) : new Taps(first, [1.0]);
            }
        }
        return taps;
    }
}
