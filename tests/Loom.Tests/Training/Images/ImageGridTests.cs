using Loom.Core;
using Loom.Formats.Png;
using Loom.Tensors;
using Loom.Training.Images;

namespace Loom.Tests.Training.Images;

public class ImageGridTests
{
    [Theory]
    [InlineData(5, null, 2, 3, 2)]
    [InlineData(5, 5, 1, 5, 1)]
    [InlineData(4, null, 0, 2, 2)]
    [InlineData(1, null, 2, 1, 1)]
    [InlineData(3, 10, 1, 3, 1)]
    public void GridSizeFollowsColumnsAndPadding(int n, int? columns, int padding, int expectedColumns, int expectedRows)
    {
        var images = Tensor.FromArray(new float[n * 3 * 4 * 6], n, 3, 4, 6);
        var grid = ImageGrid.Compose(images, columns, padding);
        Assert.Equal(expectedColumns * 6 + (expectedColumns + 1) * padding, grid.Width);
        Assert.Equal(expectedRows * 4 + (expectedRows + 1) * padding, grid.Height);
        Assert.Equal(3, grid.Channels);
    }

    [Fact]
    public void ImagesLandInTheirCellsAndPaddingIsWhite()
    {
        var rng = new LoomRandom(3);
        var data = Enumerable.Range(0, 3 * 4 * 2 * 3).Select(_ => rng.NextSingle() * 2 - 1).ToArray();
        var grid = ImageGrid.Compose(Tensor.FromArray(data, 3, 4, 2, 3), columns: 2, padding: 1);
        Assert.Equal((9, 7, 4), (grid.Width, grid.Height, grid.Channels));
        for (int i = 0; i < 3; i++)
        for (int c = 0; c < 4; c++)
        for (int y = 0; y < 2; y++)
        for (int x = 0; x < 3; x++)
        {
            int gx = 1 + (i % 2) * 4 + x, gy = 1 + (i / 2) * 3 + y;
            Assert.Equal(ImagePixels.ToByte(data[((i * 4 + c) * 2 + y) * 3 + x]), grid[gx, gy, c]);
        }
        Assert.All(Enumerable.Range(0, 4), c => Assert.Equal(255, grid[0, 0, c]));
        Assert.All(Enumerable.Range(0, 4), c => Assert.Equal(255, grid[8, 6, c])); // the empty fourth cell
    }

    [Fact]
    public void WritesAPngFromAnImageSet()
    {
        var set = new ImageTensorSet(Enumerable.Range(0, 6 * 16).Select(i => i % 3 - 1f).ToArray(), 6, 1, 4, 4);
        string path = Path.Combine(Path.GetTempPath(), $"loom-grid-{Guid.NewGuid():N}.png");
        try
        {
            ImageGrid.Write(path, set, padding: 2);
            var png = PngDecoder.Read(path);
            Assert.Equal((3 * 4 + 4 * 2, 2 * 4 + 3 * 2, 1), (png.Width, png.Height, png.Channels));
        }
        finally { File.Delete(path); }
        Assert.Throws<LoomException>(() => ImageGrid.Compose(Tensor.FromArray(new float[8], 2, 4)));
    }

    [Fact]
    public void ToByteRoundsAndClamps()
    {
        Assert.Equal(0, ImagePixels.ToByte(-3f));
        Assert.Equal(255, ImagePixels.ToByte(2f));
        Assert.Equal(0, ImagePixels.ToByte(float.NaN));
        for (int v = 0; v < 256; v++) Assert.Equal(v, ImagePixels.ToByte((float)(v / 127.5 - 1)));
    }
}
