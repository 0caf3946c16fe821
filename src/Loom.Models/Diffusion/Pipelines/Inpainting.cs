using Loom.Core;
using Loom.Tensors;

namespace Loom.Models.Diffusion.Pipelines;

/// <summary>
/// The known image and which part to regenerate: <see cref="Image"/> [1, C, H, W] in [−1, 1] and
/// <see cref="Mask"/> [1, 1, H, W] with 1 where pixels are regenerated and 0 where the image is kept (values in
/// between blend).
/// </summary>
public sealed record Inpainting(Tensor Image, Tensor Mask)
{
    /// <summary>Throws a LoomException unless image and mask fit a model of this shape.</summary>
    public void Check(int channels, int height, int width)
    {
        if (Image.Rank != 4 || Image.Size(0) != 1 || Image.Size(1) != channels || Image.Size(2) != height || Image.Size(3) != width)
            throw LoomException.Shape("inpaint", $"image must be [1, {channels}, {height}, {width}], found {ShapeUtil.Format(Image.Shape)}");
        if (Mask.Rank != 4 || Mask.Size(0) != 1 || Mask.Size(1) != 1 || Mask.Size(2) != height || Mask.Size(3) != width)
            throw LoomException.Shape("inpaint", $"mask must be [1, 1, {height}, {width}], found {ShapeUtil.Format(Mask.Shape)}");
        foreach (float m in Mask.ToArray())
            if (!(m >= 0 && m <= 1)) throw LoomException.Argument($"inpaint: mask values must be in [0, 1], found {m}");
    }

    /// <summary>
    /// x ← m·x + (1 − m)·known for every image of the batch [n, C, H, W]: the kept region is overwritten by
    /// <paramref name="known"/> [1, C, H, W]. Where m = 0 the result is exactly the known value.
    /// </summary>
    internal void Blend(float[] x, ReadOnlySpan<float> known)
    {
        ReadOnlySpan<float> mask = Mask.ToArray();
        int plane = mask.Length, image = known.Length, channels = image / plane;
        for (int offset = 0; offset < x.Length; offset += image)
        for (int c = 0; c < channels; c++)
        for (int p = 0; p < plane; p++)
        {
            int i = offset + c * plane + p;
            float m = mask[p];
            x[i] = m == 0 ? known[c * plane + p] : m * x[i] + (1 - m) * known[c * plane + p];
        }
    }
}
