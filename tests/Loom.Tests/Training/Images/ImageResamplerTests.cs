using Loom.Core;
using Loom.Formats.Png;
using Loom.Training.Images;

namespace Loom.Tests.Training.Images;

public class ImageResamplerTests
{
    /// <summary>Plain 2-D reference: a shrinking axis pair integrates the input over the output pixel's footprint
    /// (overlap areas, computed per input pixel), a growing pair interpolates the four nearest input centres.</summary>
    private static float[] Reference(float[] input, int height, int width, int outHeight, int outWidth)
    {
        var output = new float[outHeight * outWidth];
        double sy = (double)height / outHeight, sx = (double)width / outWidth;
        for (int oy = 0; oy < outHeight; oy++)
        for (int ox = 0; ox < outWidth; ox++)
        {
            double sum = 0;
            for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                sum += WeightAlong(y, oy, height, outHeight, sy) * WeightAlong(x, ox, width, outWidth, sx) * input[y * width + x];
            output[oy * outWidth + ox] = (float)sum;
        }
        return output;
    }

    private static double WeightAlong(int i, int o, int size, int outSize, double scale)
    {
        if (outSize == size) return i == o ? 1 : 0;
        if (outSize < size)
        {
            double overlap = Math.Min((o + 1) * scale, i + 1) - Math.Max(o * scale, i);
            return overlap > 0 ? overlap / scale : 0;
        }
        double at = Math.Clamp((o + 0.5) * scale - 0.5, 0, size - 1);
        return Math.Max(0, 1 - Math.Abs(at - i)); // the tent: 1 − distance to the input centre
    }

    [Theory]
    [InlineData(8, 8, 4, 4)]
    [InlineData(7, 5, 3, 2)]
    [InlineData(3, 4, 7, 9)]
    [InlineData(6, 3, 4, 5)]
    [InlineData(5, 5, 5, 5)]
    [InlineData(1, 1, 3, 2)]
    public void MatchesThePlainReference(int height, int width, int outHeight, int outWidth)
    {
        var rng = new LoomRandom(7);
        var input = Enumerable.Range(0, 2 * height * width).Select(_ => rng.NextSingle()).ToArray();
        var resized = ImageResampler.Resize(input, 2, height, width, outHeight, outWidth);
        for (int c = 0; c < 2; c++)
        {
            var expected = Reference(input[(c * height * width)..((c + 1) * height * width)], height, width, outHeight, outWidth);
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], resized[c * outHeight * outWidth + i], 1e-5f);
        }
    }

    [Fact]
    public void HalvingAveragesBlocks()
    {
        float[] input = [0, 2, 4, 6, 1, 3, 5, 7, 10, 10, 0, 0, 10, 10, 0, 4];
        Assert.Equal([1.5f, 5.5f, 10f, 1f], ImageResampler.Resize(input, 1, 4, 4, 2, 2));
    }

    [Fact]
    public void TransparentPixelsDoNotBleedTheirColour()
    {
        // Left half transparent red, right half opaque green: shrunk to one pixel, the colour is pure green at half alpha.
        var samples = new ushort[4 * 4 * 4];
        for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++)
        {
            int p = (y * 4 + x) * 4;
            if (x < 2) (samples[p], samples[p + 3]) = (255, 0);
            else (samples[p + 1], samples[p + 3]) = (255, 255);
        }
        var planes = ImagePixels.FromPng(new PngImage(4, 4, 4, 8, samples), 4, 1, 1);
        Assert.Equal(-1f, planes[0], 1e-6f);
        Assert.Equal(1f, planes[1], 1e-6f);
        Assert.Equal(-1f, planes[2], 1e-6f);
        Assert.Equal(0f, planes[3], 1e-6f);
    }
}
