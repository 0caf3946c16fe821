using Loom.Core;
using Loom.Tensors;

namespace Loom.Training.Images;

/// <summary>
/// A set of same-size images held in memory as the models see them: channel-major floats in [-1, 1]
/// (pixel / 127.5 − 1 for 8-bit data), one optional caption and one source name (file path) per image. Every image
/// family trains on one of these; readers (the image-folder loader) and built-in datasets produce them.
/// </summary>
public sealed class ImageTensorSet
{
    private readonly float[] _pixels;
    private readonly string?[] _captions;
    private readonly string[] _sources;

    /// <param name="pixels">Count × Channels × Height × Width floats in [-1, 1], image after image.</param>
    /// <param name="captions">One caption (or null) per image; null: no captions at all.</param>
    /// <param name="sources">Where each image came from (a path, or "shapes#12"); null: "#index".</param>
    public ImageTensorSet(float[] pixels, int count, int channels, int height, int width,
        IReadOnlyList<string?>? captions = null, IReadOnlyList<string>? sources = null)
    {
        if (count < 0 || channels < 1 || height < 1 || width < 1)
            throw LoomException.Argument($"images: bad shape count={count} channels={channels} height={height} width={width}");
        if (pixels.Length != (long)count * channels * height * width)
            throw LoomException.Argument($"images: expected {count}×{channels}×{height}×{width} = {(long)count * channels * height * width} floats, found {pixels.Length}");
        if (captions is not null && captions.Count != count)
            throw LoomException.Argument($"images: expected {count} captions, found {captions.Count}");
        if (sources is not null && sources.Count != count)
            throw LoomException.Argument($"images: expected {count} source names, found {sources.Count}");
        _pixels = pixels;
        Count = count;
        Channels = channels;
        Height = height;
        Width = width;
        HasCaptions = captions is not null;
        _captions = captions?.ToArray() ?? new string?[count];
        _sources = sources?.ToArray() ?? Enumerable.Range(0, count).Select(i => $"#{i}").ToArray();
    }

    public int Count { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }

    /// <summary>Floats in one image (Channels × Height × Width).</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>Whether captions were given (some may still be null: an image without one).</summary>
    public bool HasCaptions { get; }

    /// <summary>All pixels, image after image, channel-major, in [-1, 1].</summary>
    public ReadOnlySpan<float> Pixels => _pixels;

    /// <summary>One image's pixels (Channels × Height × Width).</summary>
    public ReadOnlySpan<float> Image(int index) => _pixels.AsSpan(index * ImageSize, ImageSize);

    public string? Caption(int index) => _captions[index];

    public string Source(int index) => _sources[index];

    /// <summary>
    /// The images at <paramref name="indices"/> as one [n, C, H, W] tensor; with <paramref name="flip"/> each image is
    /// mirrored left-right with probability ½ (one draw per image, so the same generator state gives the same batch).
    /// </summary>
    public Tensor Batch(ReadOnlySpan<int> indices, LoomRandom? flip = null)
    {
        int size = ImageSize;
        var data = new float[indices.Length * size];
        for (int b = 0; b < indices.Length; b++)
        {
            int index = indices[b];
            if ((uint)index >= (uint)Count) throw LoomException.Argument($"images: index {index} is outside 0..{Count - 1}");
            var source = Image(index);
            var target = data.AsSpan(b * size, size);
            if (flip is not null && flip.NextDouble() < 0.5) MirrorInto(source, target);
            else source.CopyTo(target);
        }
        return Tensor.FromArray(data, indices.Length, Channels, Height, Width);
    }

    /// <summary>The images at <paramref name="indices"/>'s captions, in order (null where an image has none).</summary>
    public string?[] Captions(ReadOnlySpan<int> indices)
    {
        var result = new string?[indices.Length];
        for (int i = 0; i < indices.Length; i++) result[i] = _captions[indices[i]];
        return result;
    }

    private void MirrorInto(ReadOnlySpan<float> source, Span<float> target)
    {
        for (int row = 0; row < Channels * Height; row++)
        {
            var from = source.Slice(row * Width, Width);
            var to = target.Slice(row * Width, Width);
            for (int x = 0; x < Width; x++) to[x] = from[Width - 1 - x];
        }
    }
}
