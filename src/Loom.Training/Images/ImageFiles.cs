using Loom.Core;
using Loom.Formats.Png;
using Loom.Tensors;

namespace Loom.Training.Images;

/// <summary>Single images to and from tensors in the models' form ([1, C, H, W], values in [-1, 1]).</summary>
public static class ImageFiles
{
    /// <summary>Saves one image, [C, H, W] or [1, C, H, W] with C = 1, 3 or 4, as an 8-bit PNG.</summary>
    public static void SaveTensor(string path, Tensor image)
    {
        var shape = image.ShapeArray;
        if (shape.Length == 4 && shape[0] == 1) shape = shape[1..];
        if (shape.Length != 3)
            throw LoomException.Shape("save image", $"expected [C, H, W] or [1, C, H, W], found {image}");
        PngEncoder.Write(path, ImagePixels.ToPng(image.Contiguous().AsSpan(), shape[0], shape[1], shape[2]));
    }

    /// <summary>One PNG as [1, C, H, W] in [-1, 1]: C = 1, 3 (alpha over <paramref name="background"/>, default white)
    /// or 4; <paramref name="size"/> resizes to size × size (null: keep).</summary>
    public static Tensor LoadTensor(string path, int? size = null, int channels = 3, ImageBackground? background = null)
    {
        var png = PngDecoder.Read(path);
        int height = size ?? png.Height, width = size ?? png.Width;
        var pixels = ImagePixels.FromPng(png, channels, height, width, background);
        return new Tensor(pixels, 1, channels, height, width);
    }

    /// <summary>
    /// A mask PNG as [1, 1, H, W] of 0 and 1: 1 where the mask is white and opaque, 0 where it is black or
    /// transparent. Precisely: the image is composited over black, resized to size × size (null: keep) and its luma
    /// thresholded at ½ — so a white-on-black mask, a white-on-transparent one, and a gray one (≥ 128 → 1) all work.
    /// </summary>
    public static Tensor LoadMask(string path, int? size = null)
    {
        var png = PngDecoder.Read(path);
        int height = size ?? png.Height, width = size ?? png.Width;
        var gray = ImagePixels.FromPng(png, 1, height, width, ImageBackground.Black);
        for (int i = 0; i < gray.Length; i++) gray[i] = gray[i] >= 0f ? 1f : 0f;
        return new Tensor(gray, 1, 1, height, width);
    }
}
