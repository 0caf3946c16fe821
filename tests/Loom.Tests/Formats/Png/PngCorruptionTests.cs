using System.Buffers.Binary;
using Loom.Core;
using Loom.Formats.Png;

namespace Loom.Tests.Formats.Png;

public class PngCorruptionTests
{
    private const string Name = "bad-file.png";

    private static LoomException Fails(byte[] file)
    {
        var e = Assert.Throws<LoomException>(() => PngDecoder.Decode(file, Name));
        Assert.Equal(LoomErrorCode.InvalidFormat, e.Code);
        Assert.StartsWith(Name + ":", e.Message);
        return e;
    }

    private static byte[] Scanlines(int width, int height, int bytesPerRow) => new byte[height * (1 + bytesPerRow)];

    private static byte[] Rgb(int width, int height) =>
        PngTestFiles.Build(PngTestFiles.Header(width, height, 8, 2), Scanlines(width, height, 3 * width));

    [Fact]
    public void BadSignature()
    {
        var file = Rgb(2, 2);
        file[1] = (byte)'X';
        Assert.Contains("bad signature", Fails(file).Message);
        Assert.Contains("bad signature", Fails([1, 2, 3]).Message);
    }

    [Fact]
    public void CrcMismatchNamesTheChunk()
    {
        var file = Rgb(2, 2);
        file[8 + 8 + 13 + 4 + 8 + 2] ^= 0x40; // a byte inside the IDAT data
        Assert.Contains("CRC mismatch in chunk 'IDAT'", Fails(file).Message);
        file = Rgb(2, 2);
        file[8 + 8 + 3] ^= 1; // IHDR's width
        Assert.Contains("CRC mismatch in chunk 'IHDR'", Fails(file).Message);
    }

    [Fact]
    public void MissingIhdrIdatIend()
    {
        var idat = PngTestFiles.Chunk("IDAT", PngTestFiles.Zlib(Scanlines(1, 1, 3)));
        var ihdr = PngTestFiles.Chunk("IHDR", PngTestFiles.Header(1, 1, 8, 2));
        var iend = PngTestFiles.Chunk("IEND", []);
        Assert.Contains("missing IHDR", Fails(PngTestFiles.File(idat, iend)).Message);
        Assert.Contains("missing IHDR", Fails(PngTestFiles.File()).Message);
        Assert.Contains("missing IDAT", Fails(PngTestFiles.File(ihdr, iend)).Message);
        Assert.Contains("missing IEND", Fails(PngTestFiles.File(ihdr, idat)).Message);
    }

    [Theory]
    [InlineData(1, 8, "unsupported colour type 1")]
    [InlineData(5, 8, "unsupported colour type 5")]
    [InlineData(3, 16, "colour type 3 (Palette) and bit depth 16")]
    [InlineData(2, 4, "colour type 2 (Rgb) and bit depth 4")]
    [InlineData(6, 1, "colour type 6 (Rgba) and bit depth 1")]
    [InlineData(0, 3, "colour type 0 (Gray) and bit depth 3")]
    public void UnsupportedColorTypeAndDepthCombinationsSayWhich(int colorType, int depth, string expected)
    {
        var file = PngTestFiles.Build(PngTestFiles.Header(2, 2, depth, colorType), Scanlines(2, 2, 8));
        Assert.Contains(expected, Fails(file).Message);
    }

    [Fact]
    public void WrongDecompressedSize()
    {
        var header = PngTestFiles.Header(4, 4, 8, 0);
        Assert.Contains("wrong decompressed size", Fails(PngTestFiles.Build(header, Scanlines(4, 3, 4))).Message);
        Assert.Contains("wrong decompressed size", Fails(PngTestFiles.Build(header, Scanlines(4, 5, 4))).Message);
        // A header asking for far more pixels than the data could ever inflate to is refused without allocating it.
        Assert.Contains("cannot inflate", Fails(PngTestFiles.Build(PngTestFiles.Header(30000, 30000, 8, 6), Scanlines(4, 4, 4))).Message);
    }

    [Fact]
    public void BadFilterByteNamesTheRow()
    {
        var raw = Scanlines(3, 4, 3);
        raw[2 * 4] = 7; // row 2's filter byte
        Assert.Contains("bad filter byte 7 on row 2", Fails(PngTestFiles.Build(PngTestFiles.Header(3, 4, 8, 0), raw)).Message);
    }

    [Fact]
    public void PaletteIndexOutOfRange()
    {
        var raw = new byte[] { 0, 0, 1, 2 };
        var file = PngTestFiles.Build(PngTestFiles.Header(3, 1, 8, 3), raw, 1, PngTestFiles.Chunk("PLTE", [1, 1, 1, 2, 2, 2]));
        Assert.Contains("palette index 2 out of range at pixel (2, 0)", Fails(file).Message);
        var noPalette = PngTestFiles.Build(PngTestFiles.Header(3, 1, 8, 3), raw);
        Assert.Contains("needs a PLTE", Fails(noPalette).Message);
    }

    [Fact]
    public void UnknownCriticalChunkIsAnErrorAndUnknownAncillaryIsSkipped()
    {
        var header = PngTestFiles.Header(1, 1, 8, 0);
        Assert.Contains("unknown critical chunk 'ABCD'",
            Fails(PngTestFiles.Build(header, [0, 9], 1, PngTestFiles.Chunk("ABCD", [1]))).Message);
        Assert.Equal(new ushort[] { 9 }, PngDecoder.Decode(PngTestFiles.Build(header, [0, 9], 1, PngTestFiles.Chunk("abCD", [1])), Name).Samples);
    }

    [Fact]
    public void CutAtEveryByteOnlyEverThrowsLoomExceptionNamingTheFile()
    {
        var image = PngTestFiles.RandomImage(6, 5, 4, 8, seed: 12);
        var file = PngEncoder.Encode(image);
        for (int length = 0; length < file.Length; length++)
        {
            var e = Fails(file[..length]);
            if (ChunkBoundaries(file).Contains(length) && length > 8)
                Assert.Matches("missing|truncated", e.Message);
        }
    }

    [Fact]
    public void RandomByteFlipsOnlyEverThrowLoomExceptionNamingTheFile()
    {
        var image = PngTestFiles.RandomImage(7, 6, 3, 8, seed: 13);
        var file = PngEncoder.Encode(image, new PngEncodeOptions { ColorType = PngColorType.Palette });
        var rng = new LoomRandom(99);
        for (int trial = 0; trial < 400; trial++)
        {
            var copy = (byte[])file.Clone();
            int flips = 1 + rng.NextInt(3);
            for (int f = 0; f < flips; f++) copy[rng.NextInt(copy.Length)] ^= (byte)(1 + rng.NextInt(255));
            // Half the trials fix the CRCs afterwards, so the damage reaches the header, palette, zlib and filter code.
            if (trial % 2 == 1) FixCrcs(copy);
            try { PngDecoder.Decode(copy, Name); }
            catch (LoomException e) { Assert.StartsWith(Name + ":", e.Message); }
        }
    }

    private static HashSet<int> ChunkBoundaries(byte[] file)
    {
        var result = new HashSet<int> { 8 };
        for (int at = 8; at + 8 <= file.Length;)
        {
            at += 12 + BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
            result.Add(at);
        }
        return result;
    }

    private static void FixCrcs(byte[] file)
    {
        for (int at = 8; at + 12 <= file.Length;)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at));
            if (length > file.Length - at - 12) return;
            BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(at + 8 + (int)length), PngCrc.Compute(file.AsSpan(at + 4, 4 + (int)length)));
            at += 12 + (int)length;
        }
    }
}
