namespace Loom.Tests.Formats.Png;

/// <summary>Plain, independent versions of the PNG scanline steps (packing samples, the five filters, Adam7
/// passes) written from the specification, for building test files without the codec under test.</summary>
public static class PngReference
{
    /// <summary>Packs one row of samples (in file units) big-endian / MSB-first at <paramref name="depth"/> bits.</summary>
    public static byte[] PackRow(IReadOnlyList<int> samples, int depth)
    {
        var row = new byte[(samples.Count * depth + 7) / 8];
        for (int i = 0; i < samples.Count; i++)
        {
            if (depth == 16) { row[2 * i] = (byte)(samples[i] >> 8); row[2 * i + 1] = (byte)samples[i]; }
            else if (depth == 8) row[i] = (byte)samples[i];
            else
            {
                int bitsBefore = i * depth;
                row[bitsBefore / 8] |= (byte)(samples[i] << (8 - depth - bitsBefore % 8));
            }
        }
        return row;
    }

    /// <summary>The filter byte followed by <paramref name="row"/> filtered with <paramref name="filter"/>.</summary>
    public static byte[] FilterRow(int filter, byte[] row, byte[]? previous, int bytesPerPixel)
    {
        var output = new byte[row.Length + 1];
        output[0] = (byte)filter;
        for (int i = 0; i < row.Length; i++)
        {
            int left = i >= bytesPerPixel ? row[i - bytesPerPixel] : 0;
            int up = previous is null ? 0 : previous[i];
            int upLeft = previous is not null && i >= bytesPerPixel ? previous[i - bytesPerPixel] : 0;
            int prediction;
            if (filter == 0) prediction = 0;
            else if (filter == 1) prediction = left;
            else if (filter == 2) prediction = up;
            else if (filter == 3) prediction = (left + up) / 2;
            else
            {
                int estimate = left + up - upLeft;
                int dl = Math.Abs(estimate - left), du = Math.Abs(estimate - up), dul = Math.Abs(estimate - upLeft);
                prediction = dl <= du && dl <= dul ? left : du <= dul ? up : upLeft;
            }
            output[i + 1] = (byte)((row[i] - prediction + 256) % 256);
        }
        return output;
    }

    /// <summary>
    /// Filtered scanlines for an image given as rows of file-unit samples (samplesPerPixel per pixel), plain or
    /// Adam7-interlaced; row r of each pass uses filter <paramref name="filterOf"/>(r).
    /// </summary>
    public static byte[] Scanlines(int[][] rows, int width, int samplesPerPixel, int depth, bool interlaced, Func<int, int> filterOf)
    {
        int bpp = Math.Max(1, samplesPerPixel * depth / 8);
        var passes = interlaced
            ? new[] { (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2) }
            : new[] { (0, 0, 1, 1) };
        var output = new List<byte>();
        foreach (var (x0, y0, dx, dy) in passes)
        {
            byte[]? previous = null;
            int passRow = 0;
            for (int y = y0; y < rows.Length; y += dy)
            {
                var samples = new List<int>();
                for (int x = x0; x < width; x += dx)
                    for (int s = 0; s < samplesPerPixel; s++) samples.Add(rows[y][x * samplesPerPixel + s]);
                if (samples.Count == 0) break; // an empty pass has no scanlines at all
                var packed = PackRow(samples, depth);
                output.AddRange(FilterRow(filterOf(passRow++), packed, previous, bpp));
                previous = packed;
            }
        }
        return output.ToArray();
    }
}
