using Loom.Core;
using Loom.Formats.Png;

namespace Loom.Training.Images;

/// <summary>
/// Converts between decoded PNGs and the models' pixel form: channel-major floats in [-1, 1], v / 127.5 − 1 for
/// 8-bit samples (v / 32767.5 − 1 for 16-bit). Alpha is handled here: resizing happens in premultiplied alpha (so a
/// transparent pixel's colour never bleeds into its neighbours), and 3-channel (or gray) output composites over a
/// background colour.
/// </summary>
public static class ImagePixels
{
    /// <summary>
    /// <paramref name="image"/> as <paramref name="channels"/> (1 gray, 3 RGB, 4 RGBA) planes of
    /// <paramref name="height"/> × <paramref name="width"/> (null: the image's own size), values in [-1, 1].
    /// </summary>
    public static float[] FromPng(PngImage image, int channels, int? height = null, int? width = null, ImageBackground? background = null)
    {
        if (channels is not (1 or 3 or 4)) throw LoomException.Argument($"images: channels must be 1, 3 or 4, found {channels}");
        int outHeight = height ?? image.Height, outWidth = width ?? image.Width;
        bool sameSize = outHeight == image.Height && outWidth == image.Width;
        if (sameSize && (channels == 4 || (!image.HasAlpha && (channels == 3 || image.Channels == 1))))
            return CopyChannels(image, channels);
        var rgba = StraightRgba(image, out int pixels);
        if (outHeight != image.Height || outWidth != image.Width)
        {
            Premultiply(rgba, pixels);
            rgba = ImageResampler.Resize(rgba, 4, image.Height, image.Width, outHeight, outWidth);
            pixels = outHeight * outWidth;
            Unpremultiply(rgba, pixels);
        }
        return ToModelRange(rgba, pixels, channels, background ?? ImageBackground.White);
    }

    /// <summary>Planes in [-1, 1] (channels 1, 3 or 4) as an 8-bit PNG image; values outside are clamped.</summary>
    public static PngImage ToPng(ReadOnlySpan<float> planes, int channels, int height, int width)
    {
        if (channels is not (1 or 3 or 4)) throw LoomException.Argument($"images: channels must be 1, 3 or 4 to save as PNG, found {channels}");
        if (planes.Length != channels * height * width)
            throw LoomException.Argument($"images: expected {channels}×{height}×{width} values, found {planes.Length}");
        int pixels = height * width;
        var samples = new ushort[pixels * channels];
        for (int c = 0; c < channels; c++)
        {
            var plane = planes.Slice(c * pixels, pixels);
            for (int p = 0; p < pixels; p++) samples[p * channels + c] = ToByte(plane[p]);
        }
        return new PngImage(width, height, channels, 8, samples);
    }

    /// <summary>A model value in [-1, 1] as an 8-bit sample: round((v + 1) · 127.5), clamped; NaN → 0.</summary>
    public static ushort ToByte(float value)
    {
        if (float.IsNaN(value)) return 0;
        double v = Math.Round((Math.Clamp(value, -1f, 1f) + 1.0) * 127.5, MidpointRounding.AwayFromZero);
        return (ushort)v;
    }

    // v / 127.5 − 1 for every 8-bit v, computed once in double so each entry is the float nearest the exact value.
    private static readonly float[] ModelValue8 = Enumerable.Range(0, 256).Select(v => (float)(v / 127.5 - 1)).ToArray();

    // The common case — no resize, nothing to composite — maps samples straight to model values (gray fans out to
    // R, G and B; a missing alpha is opaque).
    private static float[] CopyChannels(PngImage image, int channels)
    {
        int pixels = image.Width * image.Height, n = image.Channels;
        var result = new float[channels * pixels];
        var s = image.Samples;
        bool eightBit = image.SampleBits == 8;
        for (int c = 0; c < channels; c++)
        {
            // Which source channel feeds output channel c; -1: alpha the source lacks (opaque).
            int from = c == 3 ? (image.HasAlpha ? n - 1 : -1) : (n <= 2 ? 0 : c);
            var plane = result.AsSpan(c * pixels, pixels);
            if (from < 0) { plane.Fill(1f); continue; }
            for (int p = 0; p < pixels; p++)
            {
                int v = s[p * n + from];
                plane[p] = eightBit ? ModelValue8[v] : (float)(v / 32767.5 - 1);
            }
        }
        return result;
    }

    // Straight (not premultiplied) RGBA planes in [0, 1].
    private static float[] StraightRgba(PngImage image, out int pixels)
    {
        pixels = image.Width * image.Height;
        var rgba = new float[4 * pixels];
        var s = image.Samples;
        int n = image.Channels;
        double inverse = 1.0 / image.MaxSample;
        for (int p = 0; p < pixels; p++)
        {
            int at = p * n;
            float r, g, b, a;
            switch (n)
            {
                case 1: r = g = b = (float)(s[at] * inverse); a = 1; break;
                case 2: r = g = b = (float)(s[at] * inverse); a = (float)(s[at + 1] * inverse); break;
                case 3: r = (float)(s[at] * inverse); g = (float)(s[at + 1] * inverse); b = (float)(s[at + 2] * inverse); a = 1; break;
                default: r = (float)(s[at] * inverse); g = (float)(s[at + 1] * inverse); b = (float)(s[at + 2] * inverse); a = (float)(s[at + 3] * inverse); break;
            }
            rgba[p] = r;
            rgba[pixels + p] = g;
            rgba[2 * pixels + p] = b;
            rgba[3 * pixels + p] = a;
        }
        return rgba;
    }

    private static void Premultiply(float[] rgba, int pixels)
    {
        for (int p = 0; p < pixels; p++)
        {
            float a = rgba[3 * pixels + p];
            for (int c = 0; c < 3; c++) rgba[c * pixels + p] *= a;
        }
    }

    private static void Unpremultiply(float[] rgba, int pixels)
    {
        for (int p = 0; p < pixels; p++)
        {
            float a = rgba[3 * pixels + p];
            // Fully transparent: colour is undefined; 0 composites to the background and saves as transparent black.
            for (int c = 0; c < 3; c++) rgba[c * pixels + p] = a > 0 ? Math.Clamp(rgba[c * pixels + p] / a, 0f, 1f) : 0f;
        }
    }

    private static float[] ToModelRange(float[] rgba, int pixels, int channels, ImageBackground background)
    {
        var result = new float[channels * pixels];
        if (channels == 4)
        {
            for (int i = 0; i < result.Length; i++) result[i] = rgba[i] * 2f - 1f;
            return result;
        }
        Span<float> bg = [background.R / 255f, background.G / 255f, background.B / 255f];
        for (int p = 0; p < pixels; p++)
        {
            float a = rgba[3 * pixels + p];
            float r = rgba[p] * a + bg[0] * (1 - a), g = rgba[pixels + p] * a + bg[1] * (1 - a), b = rgba[2 * pixels + p] * a + bg[2] * (1 - a);
            if (channels == 3)
            {
                result[p] = r * 2f - 1f;
                result[pixels + p] = g * 2f - 1f;
                result[2 * pixels + p] = b * 2f - 1f;
            }
            else
            {
                // Gray: Rec. 601 luma (exact for gray sources, where r = g = b).
                result[p] = (r == g && g == b ? r : 0.299f * r + 0.587f * g + 0.114f * b) * 2f - 1f;
            }
        }
        return result;
    }
}
