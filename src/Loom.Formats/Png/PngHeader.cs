namespace Loom.Formats.Png;

/// <summary>The IHDR chunk: size, bit depth, colour type and interlace method (compression and filter method are
/// always 0 in a valid file).</summary>
public readonly record struct PngHeader(int Width, int Height, int BitDepth, PngColorType ColorType, bool Interlaced)
{
    /// <summary>Bits one pixel takes in a scanline.</summary>
    public int BitsPerPixel => BitDepth * PngColorTypes.SamplesPerPixel(ColorType);

    /// <summary>The filters' byte distance to "the pixel on the left": whole bytes per pixel, at least 1.</summary>
    public int FilterStride => Math.Max(1, BitsPerPixel / 8);

    /// <summary>Bytes of one scanline of <paramref name="columns"/> pixels, without its filter byte.</summary>
    public long RowBytes(int columns) => ((long)columns * BitsPerPixel + 7) / 8;

    /// <summary>Bytes the decompressed IDAT stream must hold: every scanline of every pass plus its filter byte.</summary>
    public long FilteredSize()
    {
        // Int128: a hostile 2^31 × 2^31 16-bit RGBA header overflows long; the result saturates at long.MaxValue.
        Int128 total = 0;
        if (!Interlaced) total = (Int128)Height * (1 + RowBytes(Width));
        else
        {
            foreach (var pass in Adam7.Passes)
            {
                int columns = pass.Columns(Width), rows = pass.Rows(Height);
                if (columns > 0 && rows > 0) total += (Int128)rows * (1 + RowBytes(columns));
            }
        }
        return total > long.MaxValue ? long.MaxValue : (long)total;
    }
}
