using Loom.Formats.Png;
using Loom.Tensors;
using Loom.Training.Images;

namespace Loom.Tests.Training.Images;

public class ImageFilesTests
{
    [Fact]
    public void SaveThenLoadGivesTheSameEightBitImage()
    {
        using var folder = new TempImageFolder();
        var values = Enumerable.Range(0, 4 * 3 * 5).Select(i => (float)((i * 37 % 256) / 127.5 - 1)).ToArray();
        string path = folder.Path_("one.png");
        ImageFiles.SaveTensor(path, Tensor.FromArray(values, 1, 4, 3, 5));
        var loaded = ImageFiles.LoadTensor(path, channels: 4);
        Assert.Equal([1, 4, 3, 5], loaded.ShapeArray);
        for (int i = 0; i < values.Length; i++) Assert.Equal(values[i], loaded.AsSpan()[i], 1e-6f);
        Assert.Equal([1, 3, 2, 2], ImageFiles.LoadTensor(path, size: 2).ShapeArray);
    }

    [Fact]
    public void MaskIsOneWhereWhiteAndOpaque()
    {
        using var folder = new TempImageFolder();
        // white opaque, white transparent, black opaque, mid gray (128) opaque
        ushort[] samples = [255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 255, 128, 128, 128, 255];
        string path = folder.Write("mask.png", new PngImage(2, 2, 4, 8, samples));
        var mask = ImageFiles.LoadMask(path);
        Assert.Equal([1, 1, 2, 2], mask.ShapeArray);
        Assert.Equal([1f, 0f, 0f, 1f], mask.ToArray());
        Assert.Equal([1, 1, 4, 4], ImageFiles.LoadMask(path, 4).ShapeArray);
    }
}
