using Loom.Core;
using Loom.Tensors;

namespace Loom.Training.BuiltIn;

/// <summary>
/// Procedurally drawn grey-scale images of circles, squares and triangles: random position, size, fill (solid or
/// outline), brightness and pixel noise; triangles also at a random rotation. A small conv net must look at the
/// outline's shape, not at brightness or area, to tell them apart.
/// </summary>
public static class ShapesDataset
{
    public const int Circle = 0, Square = 1, Triangle = 2;

    public static readonly IReadOnlyList<string> ClassNames = ["circle", "square", "triangle"];

    // Each pixel's coverage is averaged over Sub×Sub sample points, so edges are anti-aliased.
    private const int Sub = 3;

    /// <summary>
    /// Images [count, 1, size, size] with values in [0, 1] and labels cycling 0, 1, 2 (balanced classes).
    /// Everything is drawn from <paramref name="rng"/>: the same seed gives the same images.
    /// </summary>
    public static ClassificationData Generate(int count, int size, LoomRandom rng)
    {
        if (count < 0) throw LoomException.Argument($"shapes: count must be non-negative, found {count}");
        if (size < 8) throw LoomException.Argument($"shapes: image size must be at least 8 pixels, found {size}");
        var pixels = new float[count * size * size];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % 3;
            Draw(labels[i], size, rng, pixels.AsSpan(i * size * size, size * size));
        }
        return new ClassificationData(new Tensor(pixels, count, 1, size, size), labels, ClassNames);
    }

    /// <summary>Draws one shape of class <paramref name="shape"/> into a size×size image.</summary>
    public static void Draw(int shape, int size, LoomRandom rng, Span<float> image)
    {
        // The shape fits in a circle of radius r around (cx, cy), which lies inside the image.
        float r = size * (0.25f + 0.2f * rng.NextSingle());
        float cx = r + (size - 2 * r) * rng.NextSingle();
        float cy = r + (size - 2 * r) * rng.NextSingle();
        float rotation = 2 * MathF.PI * rng.NextSingle();
        bool filled = rng.NextSingle() < 0.5f;
        float thickness = MathF.Max(1.2f, 0.2f * r);
        float intensity = 0.6f + 0.4f * rng.NextSingle();
        const float noise = 0.05f;

        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                int hits = 0;
                for (int sy = 0; sy < Sub; sy++)
                {
                    for (int sx = 0; sx < Sub; sx++)
                    {
                        float px = x + (sx + 0.5f) / Sub - cx, py = y + (sy + 0.5f) / Sub - cy;
                        float depth = Depth(shape, px, py, r, rotation);
                        if (depth >= 0 && (filled || depth < thickness)) hits++;
                    }
                }
                float value = intensity * hits / (Sub * Sub) + noise * (float)rng.NextGaussian();
                image[y * size + x] = Math.Clamp(value, 0f, 1f);
            }
        }
    }

    /// <summary>How far (px, py) lies inside the shape's boundary: positive inside, negative outside.</summary>
    private static float Depth(int shape, float px, float py, float r, float rotation)
    {
        switch (shape)
        {
            case Circle:
                return 0.8f * r - MathF.Sqrt(px * px + py * py);
            case Square:
                return 0.7f * r - MathF.Max(MathF.Abs(px), MathF.Abs(py));
            case Triangle:
                // Equilateral, circumradius r: each edge is r/2 from the centre, its normal pointing away from the
                // opposite vertex.
                float farthest = float.NegativeInfinity;
                for (int k = 0; k < 3; k++)
                {
                    float angle = rotation + MathF.PI + k * 2 * MathF.PI / 3;
                    farthest = MathF.Max(farthest, px * MathF.Cos(angle) + py * MathF.Sin(angle));
                }
                return 0.5f * r - farthest;
            default:
                throw LoomException.Argument($"shapes: unknown shape class {shape}");
        }
    }
}
