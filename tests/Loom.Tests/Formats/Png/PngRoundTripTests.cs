using Loom.Core;
using Loom.Formats.Png;

namespace Loom.Tests.Formats.Png;

public class PngRoundTripTests
{
    [Fact]
    public void CrcMatchesTheSpecificationsKnownValueForIend() =>
        Assert.Equal(0xAE426082u, PngCrc.Compute("IEND"u8));

    [Theory]
    [InlineData(1, 8)]
    [InlineData(1, 16)]
    [InlineData(2, 8)]
    [InlineData(2, 16)]
    [InlineData(3, 8)]
    [InlineData(3, 16)]
    [InlineData(4, 8)]
    [InlineData(4, 16)]
    public void PlainColorTypesRoundTripExactly(int channels, int bits)
    {
        var image = PngTestFiles.RandomImage(13, 7, channels, bits, seed: (ulong)(channels * 100 + bits));
        var decoded = PngDecoder.Decode(PngEncoder.Encode(image), "test.png");
        Assert.Equal(PngImage.PlainColorType(channels), decoded.ColorType);
        Assert.Equal(bits, decoded.BitDepth);
        Assert.Equal((image.Width, image.Height, image.Channels, image.SampleBits), (decoded.Width, decoded.Height, decoded.Channels, decoded.SampleBits));
        Assert.Equal(image.Samples, decoded.Samples);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void LowDepthGrayRoundTrips(int depth)
    {
        var image = PngTestFiles.RandomImage(11, 6, 1, 8, seed: (ulong)depth, levels: 1 << depth);
        var bytes = PngEncoder.Encode(image, new PngEncodeOptions { BitDepth = depth });
        var decoded = PngDecoder.Decode(bytes, "gray.png");
        Assert.Equal(PngColorType.Gray, decoded.ColorType);
        Assert.Equal(depth, decoded.BitDepth);
        Assert.Equal(image.Samples, decoded.Samples);
    }

    [Theory]
    [InlineData(3, 2, 1)]
    [InlineData(3, 4, 2)]
    [InlineData(4, 16, 4)]
    [InlineData(4, 200, 8)]
    [InlineData(3, 100, 8)]
    public void PalettesRoundTripAtTheSmallestDepthWithAlphaInTrns(int channels, int colors, int expectedDepth)
    {
        var rng = new LoomRandom((ulong)colors);
        var palette = Enumerable.Range(0, colors).Select(_ => Enumerable.Range(0, channels).Select(_ => (ushort)rng.NextInt(256)).ToArray()).ToArray();
        // Every colour appears (so the palette really has that many), then random picks.
        int width = 17, height = Math.Max(3, (colors + 16) / 17 + 1);
        var samples = new ushort[width * height * channels];
        for (int p = 0; p < width * height; p++) palette[p < colors ? p : rng.NextInt(colors)].CopyTo(samples, p * channels);
        var image = new PngImage(width, height, channels, 8, samples);
        var distinct = Enumerable.Range(0, width * height).Select(p => string.Join(",", samples.Skip(p * channels).Take(channels))).Distinct().Count();

        var decoded = PngDecoder.Decode(PngEncoder.Encode(image, new PngEncodeOptions { ColorType = PngColorType.Palette }), "p.png");
        Assert.Equal(PngColorType.Palette, decoded.ColorType);
        Assert.Equal(distinct <= 2 ? 1 : distinct <= 4 ? 2 : distinct <= 16 ? 4 : 8, decoded.BitDepth);
        Assert.True(decoded.BitDepth <= expectedDepth);
        bool anyTransparent = channels == 4 && Enumerable.Range(0, width * height).Any(p => samples[p * 4 + 3] != 255);
        Assert.Equal(anyTransparent ? 4 : 3, decoded.Channels);
        for (int p = 0; p < width * height; p++)
        {
            for (int c = 0; c < channels; c++) Assert.Equal(samples[p * channels + c], decoded.Samples[p * decoded.Channels + c]);
            if (decoded.Channels == 4 && channels == 3) Assert.Equal(255, decoded.Samples[p * 4 + 3]);
        }
    }

    [Fact]
    public void EightBitSamplesWidenExactlyTo16Bits()
    {
        var image = PngTestFiles.RandomImage(5, 4, 3, 8, seed: 9);
        var decoded = PngDecoder.Decode(PngEncoder.Encode(image, new PngEncodeOptions { BitDepth = 16 }), "w.png");
        Assert.Equal(16, decoded.BitDepth);
        Assert.Equal(image.Samples.Select(v => (ushort)(v * 257)), decoded.Samples);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void EveryForcedFilterRoundTrips(int filter)
    {
        var image = PngTestFiles.RandomImage(9, 6, 4, 16, seed: 40 + (ulong)filter);
        var decoded = PngDecoder.Decode(PngEncoder.Encode(image, new PngEncodeOptions { Filter = (byte)filter }), "f.png");
        Assert.Equal(image.Samples, decoded.Samples);
    }

    [Fact]
    public void EncodingIsDeterministicAndWriteGoesToDisk()
    {
        var image = PngTestFiles.RandomImage(16, 16, 4, 8, seed: 5);
        Assert.Equal(PngEncoder.Encode(image), PngEncoder.Encode(image));
        string path = Path.Combine(Path.GetTempPath(), $"loom-png-{Guid.NewGuid():N}.png");
        try
        {
            PngEncoder.Write(path, image);
            Assert.Equal(PngEncoder.Encode(image), File.ReadAllBytes(path));
            Assert.Equal(image.Samples, PngDecoder.Read(path).Samples);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void EncoderRefusesWhatTheFormatCannotHold()
    {
        var gray = new PngImage(2, 1, 1, 8, [0, 100]);
        var e = Assert.Throws<LoomException>(() => PngEncoder.Encode(gray, new PngEncodeOptions { BitDepth = 2 }));
        Assert.Contains("not a multiple of 85", e.Message);
        var many = PngTestFiles.RandomImage(40, 40, 3, 8, seed: 1);
        Assert.Contains("more than 256", Assert.Throws<LoomException>(() => PngEncoder.Encode(many, new PngEncodeOptions { ColorType = PngColorType.Palette })).Message);
    }
}
