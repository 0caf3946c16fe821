using Loom.Core;
using Loom.Formats.Png;
using Loom.Tensors;

namespace Loom.Training.Images;

/// <summary>
/// Sample grids: n images in [-1, 1] laid out in rows of <c>columns</c> (default ⌈√n⌉) with <c>padding</c> white
/// (opaque) pixels between and around them, as one 8-bit PNG of the images' channel count (1, 3 or 4).
/// </summary>
public static class ImageGrid
{
    public const int DefaultPadding = 2;

    /// <param name="images">[n, C, H, W] with C = 1, 3 or 4.</param>
    public static void Write(string path, Tensor images, int? columns = null, int padding = DefaultPadding) =>
        PngEncoder.Write(path, Compose(images, columns, padding));

    public static void Write(string path, ImageTensorSet images, int? columns = null, int padding = DefaultPadding, int? count = null) =>
        PngEncoder.Write(path, Compose(images, columns, padding, count));

    public static PngImage Compose(Tensor images, int? columns = null, int padding = DefaultPadding)
    {
        if (images.Rank != 4)
            throw LoomException.Shape("image grid", $"expected [n, C, H, W], found rank {images.Rank} ({images})");
        var data = images.Contiguous().AsSpan();
        return Compose(data, images.Size(0), images.Size(1), images.Size(2), images.Size(3), columns, padding);
    }

    /// <param name="count">How many of the set's first images to show; null: all.</param>
    public static PngImage Compose(ImageTensorSet images, int? columns = null, int padding = DefaultPadding, int? count = null)
    {
        int n = Math.Min(count ?? images.Count, images.Count);
        return Compose(images.Pixels[..(n * images.ImageSize)], n, images.Channels, images.Height, images.Width, columns, padding);
    }

    public static PngImage Compose(ReadOnlySpan<float> pixels, int count, int channels, int height, int width, int? columns, int padding)
    {
        if (count < 1) throw LoomException.Argument("image grid: no images to lay out");
        if (channels is not (1 or 3 or 4)) throw LoomException.Argument($"image grid: channels must be 1, 3 or 4, found {channels}");
        if (padding is < 0 or > 64) throw LoomException.Argument($"image grid: padding must be 0..64 pixels, found {padding}");
        int cols = columns ?? (int)Math.Ceiling(Math.Sqrt(count));
        if (cols < 1) throw LoomException.Argument($"image grid: columns must be positive, found {cols}");
        cols = Math.Min(cols, count);
        int rows = (count + cols - 1) / cols;
        int gridWidth = cols * width + (cols + 1) * padding, gridHeight = rows * height + (rows + 1) * padding;
        var samples = new ushort[(long)gridWidth * gridHeight * channels];
        Array.Fill(samples, (ushort)255);
        int imageSize = channels * height * width;
        for (int i = 0; i < count; i++)
        {
            var image = pixels.Slice(i * imageSize, imageSize);
            int left = padding + (i % cols) * (width + padding), top = padding + (i / cols) * (height + padding);
            for (int c = 0; c < channels; c++)
            for (int y = 0; y < height; y++)
            {
                var row = image.Slice((c * height + y) * width, width);
                long at = ((long)(top + y) * gridWidth + left) * channels + c;
                for (int x = 0; x < width; x++) samples[at + (long)x * channels] = ImagePixels.ToByte(row[x]);
            }
        }
        return new PngImage(gridWidth, gridHeight, channels, 8, samples);
    }
}
