using Loom.Core;

namespace Loom.Formats.Png;

/// <summary>
/// A decoded PNG in one simple form whatever the file held: interleaved samples (row after row, pixel after pixel,
/// channel after channel), 1 to 4 channels (gray, gray+alpha, RGB, RGBA) with palettes already expanded and a tRNS
/// chunk already turned into an alpha channel. Samples are 8-bit (0..255; 1/2/4-bit gray is scaled up exactly,
/// e.g. 4-bit 15 → 255) or 16-bit (0..65535) — <see cref="SampleBits"/> says which. <see cref="ColorType"/>,
/// <see cref="BitDepth"/> and <see cref="Interlaced"/> describe the file it came from (for an image built in code:
/// the plain colour type of its channel count and its sample depth).
/// </summary>
public sealed class PngImage
{
    public PngImage(int width, int height, int channels, int sampleBits, ushort[] samples)
    {
        if (width < 1 || height < 1)
            throw LoomException.Argument($"png image: width and height must be positive, found {width}×{height}");
        if (channels is < 1 or > 4)
            throw LoomException.Argument($"png image: channels must be 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA), found {channels}");
        if (sampleBits is not (8 or 16))
            throw LoomException.Argument($"png image: sample bits must be 8 or 16, found {sampleBits}");
        if (samples.Length != (long)width * height * channels)
            throw LoomException.Argument($"png image: expected {width}×{height}×{channels} = {(long)width * height * channels} samples, found {samples.Length}");
        Width = width;
        Height = height;
        Channels = channels;
        SampleBits = sampleBits;
        Samples = samples;
        ColorType = PlainColorType(channels);
        BitDepth = sampleBits;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.</summary>
    public int Channels { get; }

    /// <summary>8 or 16: the range of <see cref="Samples"/> is 0..2^SampleBits − 1.</summary>
    public int SampleBits { get; }

    /// <summary>255 or 65535.</summary>
    public int MaxSample => SampleBits == 16 ? 65535 : 255;

    public bool HasAlpha => Channels is 2 or 4;

    /// <summary>Width × Height × Channels samples, interleaved, rows top to bottom.</summary>
    public ushort[] Samples { get; }

    /// <summary>The colour type of the file this came from.</summary>
    public PngColorType ColorType { get; init; }

    /// <summary>The bit depth of the file this came from (1, 2, 4, 8 or 16).</summary>
    public int BitDepth { get; init; }

    /// <summary>Whether the file this came from was Adam7-interlaced.</summary>
    public bool Interlaced { get; init; }

    public ushort this[int x, int y, int channel] => Samples[((long)y * Width + x) * Channels + channel];

    /// <summary>The colour type that stores <paramref name="channels"/> channels without a palette.</summary>
    public static PngColorType PlainColorType(int channels) => channels switch
    {
        1 => PngColorType.Gray,
        2 => PngColorType.GrayAlpha,
        3 => PngColorType.Rgb,
        4 => PngColorType.Rgba,
        _ => throw LoomException.Argument($"png image: channels must be 1..4, found {channels}"),
    };
}
