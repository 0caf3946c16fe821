using Loom.Core;
using Loom.Formats.Png;

namespace Loom.Tests.Formats.Png;

/// <summary>Decoding files assembled by hand (PngTestFiles + PngReference), independent of the encoder.</summary>
public class PngHandMadeFileTests
{
    private static int[][] RandomRows(int width, int height, int samplesPerPixel, int depth, ulong seed)
    {
        var rng = new LoomRandom(seed);
        return Enumerable.Range(0, height).Select(_ =>
            Enumerable.Range(0, width * samplesPerPixel).Select(_ => rng.NextInt(1 << depth)).ToArray()).ToArray();
    }

    private static int[] Flatten(int[][] rows) => rows.SelectMany(r => r).ToArray();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void EachFilterTypeDecodes(int filter)
    {
        // RGB 8-bit (3 bytes per pixel), RGBA 16-bit (8 bytes per pixel) and 2-bit gray (filters step by 1 byte).
        foreach (var (colorType, spp, depth) in new[] { (2, 3, 8), (6, 4, 16), (0, 1, 2) })
        {
            var rows = RandomRows(7, 5, spp, depth, seed: (ulong)(filter * 10 + depth));
            var file = PngTestFiles.Build(PngTestFiles.Header(7, 5, depth, colorType),
                PngReference.Scanlines(rows, 7, spp, depth, interlaced: false, _ => filter));
            var image = PngDecoder.Decode(file, "filter.png");
            int scale = depth == 2 ? 85 : 1;
            Assert.Equal(Flatten(rows).Select(v => v * scale), image.Samples.Select(v => (int)v));
        }
    }

    [Fact]
    public void RowsWithDifferentFiltersAndSeveralIdatChunksAndAncillaryChunksDecode()
    {
        var rows = RandomRows(10, 12, 4, 8, seed: 3);
        var text = PngTestFiles.Chunk("tEXt", "Comment\0made by hand"u8);
        var file = PngTestFiles.Build(PngTestFiles.Header(10, 12, 8, 6),
            PngReference.Scanlines(rows, 10, 4, 8, interlaced: false, r => r % 5), idatParts: 4, text);
        Assert.Equal(Flatten(rows), PngDecoder.Decode(file, "multi.png").Samples.Select(v => (int)v));
    }

    [Theory]
    [InlineData(1, 1, 0, 1, 8)]
    [InlineData(3, 2, 6, 4, 8)]
    [InlineData(9, 9, 2, 3, 16)]
    [InlineData(17, 5, 0, 1, 1)]
    [InlineData(6, 13, 0, 1, 4)]
    [InlineData(8, 8, 4, 2, 16)]
    public void Adam7InterlacedDecodesEqualToTheSameImageNotInterlaced(int width, int height, int colorType, int spp, int depth)
    {
        var rows = RandomRows(width, height, spp, depth, seed: (ulong)(width * 31 + height));
        var plain = PngTestFiles.Build(PngTestFiles.Header(width, height, depth, colorType),
            PngReference.Scanlines(rows, width, spp, depth, interlaced: false, r => r % 5));
        var interlaced = PngTestFiles.Build(PngTestFiles.Header(width, height, depth, colorType, interlace: 1),
            PngReference.Scanlines(rows, width, spp, depth, interlaced: true, r => (r + 2) % 5), idatParts: 2);
        var a = PngDecoder.Decode(plain, "plain.png");
        var b = PngDecoder.Decode(interlaced, "adam7.png");
        Assert.True(b.Interlaced);
        Assert.Equal(a.Samples, b.Samples);
        int scale = depth < 8 ? 255 / ((1 << depth) - 1) : 1;
        Assert.Equal(Flatten(rows).Select(v => v * scale), b.Samples.Select(v => (int)v));
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 0)]
    [InlineData(4, 0)]
    [InlineData(8, 1)]
    public void LowDepthGrayScalesExactlyTo8Bits(int depth, int interlace)
    {
        var rows = RandomRows(13, 3, 1, depth, seed: (ulong)depth);
        var file = PngTestFiles.Build(PngTestFiles.Header(13, 3, depth, 0, interlace),
            PngReference.Scanlines(rows, 13, 1, depth, interlace == 1, _ => 0));
        var image = PngDecoder.Decode(file, "gray.png");
        Assert.Equal(1, image.Channels);
        Assert.Equal(8, image.SampleBits);
        Assert.Equal(Flatten(rows).Select(v => v * 255 / ((1 << depth) - 1)), image.Samples.Select(v => (int)v));
    }

    [Fact]
    public void PaletteWithTrnsExpandsToRgbaAndEntriesPastTrnsAreOpaque()
    {
        byte[] plte = [255, 0, 0, 0, 255, 0, 0, 0, 255];
        byte[] trns = [0, 128]; // red transparent, green half, blue (not listed) opaque
        var rows = new[] { new[] { 0, 1, 2 }, new[] { 2, 2, 1 } };
        var file = PngTestFiles.Build(PngTestFiles.Header(3, 2, 2, 3), PngReference.Scanlines(rows, 3, 1, 2, false, r => r),
            1, PngTestFiles.Chunk("PLTE", plte), PngTestFiles.Chunk("tRNS", trns));
        var image = PngDecoder.Decode(file, "pal.png");
        Assert.Equal(4, image.Channels);
        Assert.Equal(PngColorType.Palette, image.ColorType);
        ushort[] expected = [255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 255, 0, 128];
        Assert.Equal(expected, image.Samples);
    }

    [Fact]
    public void PaletteWithoutTrnsIsRgb()
    {
        var file = PngTestFiles.Build(PngTestFiles.Header(2, 1, 8, 3), PngReference.Scanlines([[1, 0]], 2, 1, 8, false, _ => 0),
            1, PngTestFiles.Chunk("PLTE", [1, 2, 3, 4, 5, 6]));
        Assert.Equal(new ushort[] { 4, 5, 6, 1, 2, 3 }, PngDecoder.Decode(file, "p.png").Samples);
    }

    [Fact]
    public void GrayAndRgbTrnsKeysBecomeAlpha()
    {
        var gray = PngTestFiles.Build(PngTestFiles.Header(3, 1, 4, 0), PngReference.Scanlines([[5, 7, 15]], 3, 1, 4, false, _ => 1),
            1, PngTestFiles.Chunk("tRNS", [0, 7]));
        Assert.Equal(new ushort[] { 85, 255, 119, 0, 255, 255 }, PngDecoder.Decode(gray, "g.png").Samples);

        var rgb = PngTestFiles.Build(PngTestFiles.Header(2, 1, 16, 2),
            PngReference.Scanlines([[1000, 2000, 3000, 1000, 2000, 3001]], 2, 3, 16, false, _ => 4),
            1, PngTestFiles.Chunk("tRNS", [0x03, 0xE8, 0x07, 0xD0, 0x0B, 0xB8]));
        Assert.Equal(new ushort[] { 1000, 2000, 3000, 0, 1000, 2000, 3001, 65535 }, PngDecoder.Decode(rgb, "rgb.png").Samples);
    }
}
