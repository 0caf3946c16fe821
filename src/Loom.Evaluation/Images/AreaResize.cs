namespace Loom.Evaluation.Images;

/// <summary>
/// Separable area resampling: each output pixel is the mean of the source area it covers (pixels partly covered
/// count by the fraction covered). Shrinking averages without aliasing; enlarging blends at most two neighbours.
/// </summary>
internal static class AreaResize
{
    /// <summary>Resizes <paramref name="planes"/> planes of <paramref name="height"/>×<paramref name="width"/> to <paramref name="outHeight"/>×<paramref name="outWidth"/>.</summary>
    public static float[] Planes(ReadOnlySpan<float> source, int planes, int height, int width, int outHeight, int outWidth)
    {
        if (height == outHeight && width == outWidth) return source.ToArray();
        var rows = Weights(height, outHeight);
        var cols = Weights(width, outWidth);
        var result = new float[planes * outHeight * outWidth];
        var horizontal = new double[height * outWidth];
        for (int p = 0; p < planes; p++)
        {
            var plane = source.Slice(p * height * width, height * width);
            for (int y = 0; y < height; y++)
                for (int ox = 0; ox < outWidth; ox++)
                {
                    double sum = 0;
                    foreach (var (i, w) in cols[ox]) sum += w * plane[y * width + i];
                    horizontal[y * outWidth + ox] = sum;
                }
            for (int oy = 0; oy < outHeight; oy++)
                for (int ox = 0; ox < outWidth; ox++)
                {
                    double sum = 0;
                    foreach (var (i, w) in rows[oy]) sum += w * horizontal[i * outWidth + ox];
                    result[(p * outHeight + oy) * outWidth + ox] = (float)sum;
                }
        }
        return result;
    }

    // Output pixel o covers source interval [o·s, (o+1)·s) with s = size/outSize; each source pixel i ∈ [i, i+1)
    // weighs by its overlap with that interval, divided by s so the weights sum to 1.
    private static (int Index, double Weight)[][] Weights(int size, int outSize)
    {
        double scale = (double)size / outSize;
        var result = new (int, double)[outSize][];
        for (int o = 0; o < outSize; o++)
        {
            double start = o * scale, end = (o + 1) * scale;
            var taps = new List<(int, double)>();
            for (int i = (int)Math.Floor(start); i < Math.Min(size, (int)Math.Ceiling(end)); i++)
            {
                double overlap = Math.Min(end, i + 1) - Math.Max(start, i);
                if (overlap > 1e-12) taps.Add((i, overlap / scale));
            }
            result[o] = taps.ToArray();
        }
        return result;
    }
}
