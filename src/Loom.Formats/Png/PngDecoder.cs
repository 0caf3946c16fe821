using System.IO.Compression;
using Loom.Core;

namespace Loom.Formats.Png;

/// <summary>
/// Reads PNG files of every colour type and legal bit depth, palettes with transparency, every filter, Adam7
/// interlacing and any number of IDAT chunks. Every chunk's CRC is checked; ancillary chunks other than tRNS are
/// skipped. Anything malformed throws <see cref="LoomException"/> (InvalidFormat) naming the file and the problem.
/// </summary>
public static class PngDecoder
{
    /// <summary>The eight bytes every PNG file starts with.</summary>
    public static ReadOnlySpan<byte> Signature => [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>Images with more samples than this are refused before allocating (a hostile header could ask for
    /// terabytes).</summary>
    public const long MaxSamples = 1L << 28;

    public static PngImage Read(string path)
    {
        if (!File.Exists(path)) throw new LoomException(LoomErrorCode.FileNotFound, $"{path}: no such PNG file");
        return Decode(File.ReadAllBytes(path), path);
    }

    /// <summary>Decodes <paramref name="data"/>; <paramref name="sourceName"/> (a path) is named in errors.</summary>
    public static PngImage Decode(ReadOnlySpan<byte> data, string sourceName)
    {
        var chunks = PngChunks.Parse(data, sourceName);
        var header = chunks.Header;
        long expected = header.FilteredSize();
        // Deflate expands at most ~1032:1, so a header that asks for more than that cannot be satisfied: refuse it
        // before allocating what a hostile size field asks for.
        if (expected > 1032L * chunks.CompressedData.Length + 1024)
            throw LoomException.Format(sourceName,
                $"wrong decompressed size: {chunks.CompressedData.Length} compressed bytes cannot inflate to the {expected} bytes a {header.Width}×{header.Height} image needs");
        long samples = (long)header.Width * header.Height * OutputChannels(header.ColorType, chunks.HasTransparency);
        if (samples > MaxSamples)
            throw new LoomException(LoomErrorCode.NotSupported,
                $"{sourceName}: image {header.Width}×{header.Height} is larger than Loom decodes ({MaxSamples} samples)");
        byte[] filtered = Inflate(chunks.CompressedData, expected, sourceName);
        return new PngPixelExpander(header, chunks, sourceName).Expand(filtered);
    }

    internal static int OutputChannels(PngColorType type, bool transparency) => type switch
    {
        PngColorType.Gray => transparency ? 2 : 1,
        PngColorType.GrayAlpha => 2,
        PngColorType.Rgb or PngColorType.Palette => transparency ? 4 : 3,
        _ => 4,
    };

    private static byte[] Inflate(byte[] compressed, long expected, string sourceName)
    {
        var output = new byte[expected];
        try
        {
            using var zlib = new ZLibStream(new MemoryStream(compressed, writable: false), CompressionMode.Decompress);
            int read = zlib.ReadAtLeast(output, output.Length, throwOnEndOfStream: false);
            if (read < output.Length)
                throw LoomException.Format(sourceName,
                    $"wrong decompressed size: image data inflates to {read} bytes, the header's size needs {expected}");
            Span<byte> probe = stackalloc byte[1];
            if (zlib.Read(probe) > 0)
                throw LoomException.Format(sourceName,
                    $"wrong decompressed size: image data inflates to more than the {expected} bytes the header's size needs");
        }
        catch (InvalidDataException e)
        {
            throw LoomException.Format(sourceName, $"IDAT: corrupt zlib data ({e.Message})");
        }
        return output;
    }
}
