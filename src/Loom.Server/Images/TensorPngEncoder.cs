using Loom.Formats.Png;
using Loom.Tensors;
using Loom.Training.Images;

namespace Loom.Server.Images;

/// <summary>The default <see cref="IPngEncoder"/>: image <c>index</c> of [n, C, H, W] in [-1, 1] as an 8-bit PNG
/// (Loom.Training's pixel conversion, Loom.Formats' encoder).</summary>
public sealed class TensorPngEncoder : IPngEncoder
{
    public byte[] Encode(Tensor images, int index)
    {
        int channels = images.Size(1), height = images.Size(2), width = images.Size(3);
        int plane = channels * height * width;
        var pixels = images.Contiguous().AsSpan().Slice(index * plane, plane);
        return PngEncoder.Encode(ImagePixels.ToPng(pixels, channels, height, width));
    }
}
