namespace Loom.Formats.Png;

/// <summary>
/// The five scanline filters of PNG filter method 0. Each works byte-wise with <c>bpp</c> = bytes per complete pixel
/// (at least 1), comparing a byte with the one <c>bpp</c> to its left (a), above (b) and above-left (c).
/// </summary>
public static class PngFilters
{
    public const byte None = 0, Sub = 1, Up = 2, Average = 3, Paeth = 4;

    /// <summary>Undoes <paramref name="filter"/> on <paramref name="row"/> in place; <paramref name="previous"/> is the
    /// already-unfiltered row above (all zeros for the first row of a pass). Returns false for an unknown filter.</summary>
    public static bool Unfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> previous, int bpp)
    {
        switch (filter)
        {
            case None:
                return true;
            case Sub:
                for (int i = bpp; i < row.Length; i++) row[i] += row[i - bpp];
                return true;
            case Up:
                for (int i = 0; i < row.Length; i++) row[i] += previous[i];
                return true;
            case Average:
                for (int i = 0; i < bpp && i < row.Length; i++) row[i] += (byte)(previous[i] >> 1);
                for (int i = bpp; i < row.Length; i++) row[i] += (byte)((row[i - bpp] + previous[i]) >> 1);
                return true;
            case Paeth:
                for (int i = 0; i < bpp && i < row.Length; i++) row[i] += previous[i];
                for (int i = bpp; i < row.Length; i++) row[i] += PaethPredictor(row[i - bpp], previous[i], previous[i - bpp]);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Writes <paramref name="row"/> filtered with <paramref name="filter"/> into <paramref name="output"/>.</summary>
    public static void Filter(byte filter, ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bpp, Span<byte> output)
    {
        for (int i = 0; i < row.Length; i++)
        {
            int a = i >= bpp ? row[i - bpp] : 0;
            int b = previous[i];
            int c = i >= bpp ? previous[i - bpp] : 0;
            int predictor = filter switch
            {
                None => 0,
                Sub => a,
                Up => b,
                Average => (a + b) >> 1,
                Paeth => PaethPredictor(a, b, c),
                _ => throw new ArgumentOutOfRangeException(nameof(filter), filter, "PNG filters are 0..4"),
            };
            output[i] = (byte)(row[i] - predictor);
        }
    }

    /// <summary>Of left, above and above-left, the one closest to left + above − above-left (ties: a, then b).</summary>
    public static byte PaethPredictor(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc) return (byte)a;
        return pb <= pc ? (byte)b : (byte)c;
    }
}
