using System.Buffers.Binary;
using System.IO.Compression;
using Loom.Core;

namespace Loom.Formats.Png;

/// <summary>
/// Writes PNG files: gray, gray+alpha, RGB and RGBA at 8 or 16 bits, gray at 1/2/4 bits, and palettes (with tRNS for
/// transparent entries). Output is deterministic: the same image and options give the same bytes. Files are written
/// through <see cref="AtomicFile"/>.
/// </summary>
public static class PngEncoder
{
    public static void Write(string path, PngImage image, PngEncodeOptions? options = null)
    {
        byte[] bytes = Encode(image, options);
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    public static byte[] Encode(PngImage image, PngEncodeOptions? options = null)
    {
        options ??= PngEncodeOptions.Default;
        var layout = PngEncodeLayout.Choose(image, options);
        var rows = layout.Rows(image);
        byte[] compressed = Compress(rows, layout, options);

        using var output = new MemoryStream();
        output.Write(PngDecoder.Signature);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], image.Height);
        ihdr[8] = (byte)layout.BitDepth;
        ihdr[9] = (byte)layout.ColorType;
        // bytes 10..12: compression 0, filter method 0, no interlace
        WriteChunk(output, "IHDR", ihdr);
        if (layout.Palette is { } palette) WriteChunk(output, "PLTE", palette);
        if (layout.PaletteAlphas is { } alphas) WriteChunk(output, "tRNS", alphas);
        WriteChunk(output, "IDAT", compressed);
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>Writes one chunk: big-endian length, 4-letter type, data, CRC-32 of type and data.</summary>
    public static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        if (type.Length != 4) throw LoomException.Argument($"png chunk type must be 4 letters, found '{type}'");
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        for (int i = 0; i < 4; i++) header[4 + i] = (byte)type[i];
        output.Write(header);
        output.Write(data);
        uint crc = PngCrc.Update(0xFFFFFFFFu, header[4..]);
        crc = PngCrc.Update(crc, data) ^ 0xFFFFFFFFu;
        Span<byte> crcBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crcBytes, crc);
        output.Write(crcBytes);
    }

    private static byte[] Compress(byte[][] rows, PngEncodeLayout layout, PngEncodeOptions options)
    {
        int rowBytes = rows.Length == 0 ? 0 : rows[0].Length;
        int stride = Math.Max(1, layout.BitDepth * PngColorTypes.SamplesPerPixel(layout.ColorType) / 8);
        bool adaptive = options.Filter is null && layout.ColorType != PngColorType.Palette && layout.BitDepth >= 8;
        byte fixedFilter = options.Filter ?? PngFilters.None;
        if (fixedFilter > PngFilters.Paeth) throw LoomException.Argument($"png filter must be 0..4, found {fixedFilter}");

        using var buffer = new MemoryStream();
        using (var zlib = new ZLibStream(buffer, options.Compression, leaveOpen: true))
        {
            var zeros = new byte[rowBytes];
            var candidate = new byte[rowBytes];
            var best = new byte[rowBytes + 1];
            for (int y = 0; y < rows.Length; y++)
            {
                ReadOnlySpan<byte> previous = y == 0 ? zeros : rows[y - 1];
                if (!adaptive)
                {
                    best[0] = fixedFilter;
                    PngFilters.Filter(fixedFilter, rows[y], previous, stride, best.AsSpan(1));
                }
                else
                {
                    long bestScore = long.MaxValue;
                    for (byte f = PngFilters.None; f <= PngFilters.Paeth; f++)
                    {
                        PngFilters.Filter(f, rows[y], previous, stride, candidate);
                        long score = 0;
                        foreach (byte b in candidate) score += Math.Abs((int)(sbyte)b);
                        if (score >= bestScore) continue;
                        bestScore = score;
                        best[0] = f;
                        candidate.CopyTo(best, 1);
                    }
                }
                zlib.Write(best);
            }
        }
        return buffer.ToArray();
    }
}
