using Loom.Core;
using Loom.Evaluation.Images;
using Loom.Tensors;

namespace Loom.Tests.Evaluation;

public class ImageFeaturesTests
{
    internal static float[] RandomImages(LoomRandom rng, int n, int c, int h, int w) =>
        Enumerable.Range(0, n * c * h * w).Select(_ => rng.NextSingle() * 2 - 1).ToArray();

    [Fact]
    public void Features_are_fixed_size_deterministic_and_versioned()
    {
        var pixels = RandomImages(new LoomRandom(1), 3, 3, 8, 8);
        var a = ImageFeatures.Extract(pixels, 3, 3, 8, 8);
        var b = ImageFeatures.Extract(Tensor.FromArray(pixels, 3, 3, 8, 8));
        Assert.Equal(3, a.Length);
        Assert.All(a, row => Assert.Equal(ImageFeatures.Dimension, row.Length));
        Assert.Equal(a, b);
        Assert.Equal("loom-image-features-v1", ImageFeatures.Version);
        Assert.NotEqual(a[0], a[1]);
        Assert.Contains(a[0], v => v > 0);
    }

    [Fact]
    public void A_nearest_neighbour_enlargement_has_the_same_features()
    {
        // Area resizing to 32×32 maps a 16×16 image and its exact 4× enlargement to the same input.
        const int size = 16, scale = 4, big = size * scale;
        var small = RandomImages(new LoomRandom(2), 1, 3, size, size);
        var large = new float[3 * big * big];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < big; y++)
                for (int x = 0; x < big; x++)
                    large[(c * big + y) * big + x] = small[(c * size + y / scale) * size + x / scale];
        var a = ImageFeatures.Extract(small, 1, 3, size, size)[0];
        var b = ImageFeatures.Extract(large, 1, 3, big, big)[0];
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i], 5);
    }

    [Fact]
    public void Transparent_pixels_are_white_and_gray_is_repeated_rgb()
    {
        var rng = new LoomRandom(3);
        var colours = RandomImages(rng, 1, 3, 8, 8);
        var transparent = colours.Concat(Enumerable.Repeat(-1f, 64)).ToArray();
        var white = Enumerable.Repeat(1f, 3 * 64).ToArray();
        Assert.Equal(ImageFeatures.Extract(white, 1, 3, 8, 8)[0], ImageFeatures.Extract(transparent, 1, 4, 8, 8)[0]);

        var gray = RandomImages(rng, 1, 1, 8, 8);
        var rgb = gray.Concat(gray).Concat(gray).ToArray();
        Assert.Equal(ImageFeatures.Extract(rgb, 1, 3, 8, 8)[0], ImageFeatures.Extract(gray, 1, 1, 8, 8)[0]);
    }

    [Fact]
    public void Bad_shapes_are_refused()
    {
        Assert.Throws<LoomException>(() => ImageFeatures.Extract(new float[5 * 64], 1, 5, 8, 8));
        Assert.Throws<LoomException>(() => ImageFeatures.Extract(new float[10], 1, 3, 8, 8));
    }
}
