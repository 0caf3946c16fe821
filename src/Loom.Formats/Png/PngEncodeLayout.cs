using Loom.Core;

namespace Loom.Formats.Png;

/// <summary>What the encoder writes for one image — colour type, bit depth, palette — and the unfiltered scanlines
/// in that layout.</summary>
internal sealed class PngEncodeLayout
{
    public PngColorType ColorType { get; private init; }
    public int BitDepth { get; private init; }
    public byte[]? Palette { get; private init; }
    public byte[]? PaletteAlphas { get; private init; }
    private Dictionary<uint, int>? _paletteIndex;

    public static PngEncodeLayout Choose(PngImage image, PngEncodeOptions options)
    {
        var type = options.ColorType ?? PngImage.PlainColorType(image.Channels);
        if (type == PngColorType.Palette) return ChoosePalette(image, options.BitDepth);
        if (type != PngImage.PlainColorType(image.Channels))
            throw LoomException.Argument($"png encode: a {image.Channels}-channel image is stored as {PngImage.PlainColorType(image.Channels)} or Palette, not {type}");
        int depth = options.BitDepth ?? image.SampleBits;
        if (!PngColorTypes.IsLegal(type, depth))
            throw LoomException.Argument($"png encode: colour type {(int)type} ({type}) allows bit depth {PngColorTypes.LegalDepths(type)}, not {depth}");
        if (depth < image.SampleBits)
        {
            if (image.SampleBits == 16)
                throw LoomException.Argument($"png encode: 16-bit samples cannot be stored at {depth} bits without losing precision");
            int step = 255 / ((1 << depth) - 1);
            for (int i = 0; i < image.Samples.Length; i++)
                if (image.Samples[i] % step != 0)
                    throw LoomException.Argument($"png encode: sample {image.Samples[i]} at pixel {i / image.Channels} is not a multiple of {step}, so {depth}-bit gray cannot hold it");
        }
        return new PngEncodeLayout { ColorType = type, BitDepth = depth };
    }

    private static PngEncodeLayout ChoosePalette(PngImage image, int? requestedDepth)
    {
        if (image.SampleBits != 8) throw LoomException.Argument("png encode: a palette needs 8-bit samples");
        var index = new Dictionary<uint, int>();
        var colors = new List<uint>();
        int pixels = image.Width * image.Height;
        for (int p = 0; p < pixels; p++)
        {
            uint rgba = Rgba(image, p);
            if (index.ContainsKey(rgba)) continue;
            if (colors.Count == 256)
                throw LoomException.Argument("png encode: the image has more than 256 distinct colours, too many for a palette");
            index[rgba] = colors.Count;
            colors.Add(rgba);
        }
        int depth = requestedDepth ?? (colors.Count <= 2 ? 1 : colors.Count <= 4 ? 2 : colors.Count <= 16 ? 4 : 8);
        if (!PngColorTypes.IsLegal(PngColorType.Palette, depth) || colors.Count > 1 << depth)
            throw LoomException.Argument($"png encode: {colors.Count} palette colours do not fit bit depth {depth}");
        var palette = new byte[colors.Count * 3];
        int lastTransparent = -1;
        for (int i = 0; i < colors.Count; i++)
        {
            palette[3 * i] = (byte)(colors[i] >> 24);
            palette[3 * i + 1] = (byte)(colors[i] >> 16);
            palette[3 * i + 2] = (byte)(colors[i] >> 8);
            if ((byte)colors[i] != 255) lastTransparent = i;
        }
        // tRNS may stop at the last non-opaque entry: the rest default to opaque.
        byte[]? alphas = lastTransparent < 0 ? null : colors.Take(lastTransparent + 1).Select(c => (byte)c).ToArray();
        return new PngEncodeLayout { ColorType = PngColorType.Palette, BitDepth = depth, Palette = palette, PaletteAlphas = alphas, _paletteIndex = index };
    }

    private static uint Rgba(PngImage image, int pixel)
    {
        var s = image.Samples;
        int at = pixel * image.Channels;
        return image.Channels switch
        {
            1 => (uint)(s[at] << 24 | s[at] << 16 | s[at] << 8 | 255),
            2 => (uint)(s[at] << 24 | s[at] << 16 | s[at] << 8 | s[at + 1]),
            3 => (uint)(s[at] << 24 | s[at + 1] << 16 | s[at + 2] << 8 | 255),
            _ => (uint)(s[at] << 24 | s[at + 1] << 16 | s[at + 2] << 8 | s[at + 3]),
        };
    }

    /// <summary>The image's scanlines in this layout, unfiltered, without filter bytes.</summary>
    public byte[][] Rows(PngImage image)
    {
        int samplesPerPixel = PngColorTypes.SamplesPerPixel(ColorType);
        int rowBytes = (image.Width * samplesPerPixel * BitDepth + 7) / 8;
        var rows = new byte[image.Height][];
        var s = image.Samples;
        for (int y = 0; y < image.Height; y++)
        {
            var row = rows[y] = new byte[rowBytes];
            int first = y * image.Width * image.Channels;
            if (ColorType == PngColorType.Palette)
            {
                for (int x = 0; x < image.Width; x++) Pack(row, x, BitDepth, _paletteIndex![Rgba(image, y * image.Width + x)]);
            }
            else if (BitDepth == 16)
            {
                int widen = image.SampleBits == 8 ? 257 : 1; // 255 × 257 = 65535: exact
                for (int i = 0; i < image.Width * image.Channels; i++)
                {
                    int v = s[first + i] * widen;
                    row[2 * i] = (byte)(v >> 8);
                    row[2 * i + 1] = (byte)v;
                }
            }
            else if (BitDepth == 8)
            {
                for (int i = 0; i < image.Width * image.Channels; i++) row[i] = (byte)s[first + i];
            }
            else
            {
                int step = 255 / ((1 << BitDepth) - 1);
                for (int x = 0; x < image.Width; x++) Pack(row, x, BitDepth, s[first + x] / step);
            }
        }
        return rows;
    }

    private static void Pack(byte[] row, int index, int depth, int value)
    {
        if (depth == 8) { row[index] = (byte)value; return; }
        int bit = index * depth;
        row[bit >> 3] |= (byte)(value << (8 - depth - (bit & 7)));
    }
}
