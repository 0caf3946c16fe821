using Loom.Core;

namespace Loom.Formats.Png;

/// <summary>
/// Turns the inflated, filtered scanlines of one image into <see cref="PngImage"/> samples: undoes each row's
/// filter, walks the Adam7 passes (or the one plain pass), unpacks 1/2/4/8/16-bit samples, expands palette indices
/// and applies tRNS as an alpha channel.
/// </summary>
internal sealed class PngPixelExpander
{
    private readonly PngHeader _header;
    private readonly PngChunks _chunks;
    private readonly string _file;
    private readonly int _channels;
    private readonly int _maxSample;
    private readonly ushort[] _samples;
    // The tRNS colour key in raw file units (gray: one value, RGB: three); -1 = none.
    private readonly int _keyGray = -1, _keyR = -1, _keyG = -1, _keyB = -1;

    public PngPixelExpander(PngHeader header, PngChunks chunks, string file)
    {
        _header = header;
        _chunks = chunks;
        _file = file;
        _channels = PngDecoder.OutputChannels(header.ColorType, chunks.HasTransparency);
        _maxSample = header.BitDepth == 16 ? 65535 : 255;
        _samples = new ushort[(long)header.Width * header.Height * _channels];
        if (chunks.Transparency is { } t)
        {
            if (header.ColorType == PngColorType.Gray) _keyGray = t[0] << 8 | t[1];
            else if (header.ColorType == PngColorType.Rgb) (_keyR, _keyG, _keyB) = (t[0] << 8 | t[1], t[2] << 8 | t[3], t[4] << 8 | t[5]);
        }
    }

    public PngImage Expand(byte[] filtered)
    {
        int offset = 0;
        if (!_header.Interlaced)
        {
            ExpandPass(filtered, ref offset, new Adam7.Pass(0, 0, 1, 1), passNumber: 0);
        }
        else
        {
            for (int p = 0; p < Adam7.Passes.Length; p++) ExpandPass(filtered, ref offset, Adam7.Passes[p], p + 1);
        }
        return new PngImage(_header.Width, _header.Height, _channels, _header.BitDepth == 16 ? 16 : 8, _samples)
        {
            ColorType = _header.ColorType,
            BitDepth = _header.BitDepth,
            Interlaced = _header.Interlaced,
        };
    }

    private void ExpandPass(byte[] filtered, ref int offset, Adam7.Pass pass, int passNumber)
    {
        int columns = pass.Columns(_header.Width), rows = pass.Rows(_header.Height);
        if (columns == 0 || rows == 0) return;
        int rowBytes = (int)_header.RowBytes(columns);
        int stride = _header.FilterStride;
        var zeros = new byte[rowBytes];
        for (int r = 0; r < rows; r++)
        {
            byte filter = filtered[offset];
            var row = filtered.AsSpan(offset + 1, rowBytes);
            ReadOnlySpan<byte> previous = r == 0 ? zeros : filtered.AsSpan(offset - rowBytes, rowBytes);
            if (!PngFilters.Unfilter(filter, row, previous, stride))
            {
                string where = passNumber == 0 ? $"row {r}" : $"row {r} of Adam7 pass {passNumber}";
                throw LoomException.Format(_file, $"bad filter byte {filter} on {where} (filters are 0..4)");
            }
            ExpandRow(row, pass.StartY + r * pass.StepY, pass, columns);
            offset += 1 + rowBytes;
        }
    }

    private void ExpandRow(ReadOnlySpan<byte> row, int y, Adam7.Pass pass, int columns)
    {
        int depth = _header.BitDepth;
        int fileSamples = PngColorTypes.SamplesPerPixel(_header.ColorType);
        // Low bit depths scale up exactly to 8 bits: 255 / (2^d − 1) is 255, 85 or 17.
        int scale = depth < 8 ? 255 / ((1 << depth) - 1) : 1;
        long rowStart = (long)y * _header.Width;
        if (pass.StepX == 1 && depth >= 8 && _channels == fileSamples)
        {
            // Samples stored as they are (no palette, no colour key, a whole row): copy the row in one go.
            var target = _samples.AsSpan((int)(rowStart * _channels), columns * _channels);
            if (depth == 8) for (int i = 0; i < target.Length; i++) target[i] = row[i];
            else for (int i = 0; i < target.Length; i++) target[i] = (ushort)(row[2 * i] << 8 | row[2 * i + 1]);
            return;
        }
        for (int i = 0; i < columns; i++)
        {
            int x = pass.StartX + i * pass.StepX;
            long target = (rowStart + x) * _channels;
            int first = i * fileSamples;
            switch (_header.ColorType)
            {
                case PngColorType.Palette:
                    WritePaletteEntry(Sample(row, first, depth), target, x, y);
                    break;
                case PngColorType.Gray:
                {
                    int v = Sample(row, first, depth);
                    _samples[target] = (ushort)(v * scale);
                    if (_channels == 2) _samples[target + 1] = (ushort)(v == _keyGray ? 0 : _maxSample);
                    break;
                }
                case PngColorType.Rgb:
                {
                    int r = Sample(row, first, depth), g = Sample(row, first + 1, depth), b = Sample(row, first + 2, depth);
                    _samples[target] = (ushort)r;
                    _samples[target + 1] = (ushort)g;
                    _samples[target + 2] = (ushort)b;
                    if (_channels == 4) _samples[target + 3] = (ushort)(r == _keyR && g == _keyG && b == _keyB ? 0 : _maxSample);
                    break;
                }
                default: // gray+alpha, RGBA: samples as they are
                    for (int c = 0; c < fileSamples; c++) _samples[target + c] = (ushort)Sample(row, first + c, depth);
                    break;
            }
        }
    }

    private void WritePaletteEntry(int index, long target, int x, int y)
    {
        if (index >= _chunks.PaletteEntries)
            throw LoomException.Format(_file, $"palette index {index} out of range at pixel ({x}, {y}): the palette has {_chunks.PaletteEntries} entries");
        var palette = _chunks.Palette!;
        _samples[target] = palette[3 * index];
        _samples[target + 1] = palette[3 * index + 1];
        _samples[target + 2] = palette[3 * index + 2];
        if (_channels == 4)
        {
            var alphas = _chunks.Transparency!;
            _samples[target + 3] = index < alphas.Length ? alphas[index] : (ushort)255;
        }
    }

    /// <summary>The <paramref name="index"/>-th sample of a scanline, big-endian, packed MSB-first below 8 bits.</summary>
    private static int Sample(ReadOnlySpan<byte> row, int index, int depth)
    {
        switch (depth)
        {
            case 8: return row[index];
            case 16: return row[2 * index] << 8 | row[2 * index + 1];
            default:
                int bit = index * depth;
                int shift = 8 - depth - (bit & 7);
                return (row[bit >> 3] >> shift) & ((1 << depth) - 1);
        }
    }
}
