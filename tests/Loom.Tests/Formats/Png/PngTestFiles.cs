using System.Buffers.Binary;
using System.IO.Compression;
using Loom.Core;
using Loom.Formats.Png;

namespace Loom.Tests.Formats.Png;

/// <summary>Builds PNG files by hand — IHDR fields, raw (already filtered) scanlines, chunks with their CRCs — so the
/// decoder is tested without the encoder.</summary>
public static class PngTestFiles
{
    public static byte[] Chunk(string type, ReadOnlySpan<byte> data)
    {
        var result = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(result, data.Length);
        for (int i = 0; i < 4; i++) result[4 + i] = (byte)type[i];
        data.CopyTo(result.AsSpan(8));
        BinaryPrimitives.WriteUInt32BigEndian(result.AsSpan(8 + data.Length), PngCrc.Compute(result.AsSpan(4, 4 + data.Length)));
        return result;
    }

    public static byte[] Header(int width, int height, int bitDepth, int colorType, int interlace = 0)
    {
        var h = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(h, width);
        BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(4), height);
        h[8] = (byte)bitDepth;
        h[9] = (byte)colorType;
        h[12] = (byte)interlace;
        return h;
    }

    public static byte[] Zlib(ReadOnlySpan<byte> raw)
    {
        using var buffer = new MemoryStream();
        using (var z = new ZLibStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) z.Write(raw);
        return buffer.ToArray();
    }

    /// <summary>Signature + the given chunks, in order.</summary>
    public static byte[] File(params byte[][] chunks)
    {
        using var s = new MemoryStream();
        s.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        foreach (var c in chunks) s.Write(c);
        return s.ToArray();
    }

    /// <summary>A complete file: IHDR, optional extra chunks (PLTE, tRNS, ancillary), the raw scanlines zlibbed into
    /// <paramref name="idatParts"/> IDAT chunks, IEND.</summary>
    public static byte[] Build(byte[] header, byte[] filteredScanlines, int idatParts = 1, params byte[][] beforeData)
    {
        var compressed = Zlib(filteredScanlines);
        var chunks = new List<byte[]> { Chunk("IHDR", header) };
        chunks.AddRange(beforeData);
        int part = (compressed.Length + idatParts - 1) / idatParts;
        for (int at = 0; at < compressed.Length; at += part)
            chunks.Add(Chunk("IDAT", compressed.AsSpan(at, Math.Min(part, compressed.Length - at))));
        chunks.Add(Chunk("IEND", []));
        return File(chunks.ToArray());
    }

    public static PngImage RandomImage(int width, int height, int channels, int sampleBits, ulong seed, int levels = 0)
    {
        var rng = new LoomRandom(seed);
        int max = sampleBits == 16 ? 65536 : 256;
        var samples = new ushort[width * height * channels];
        for (int i = 0; i < samples.Length; i++)
        {
            int v = (int)(rng.NextDouble() * max);
            // levels > 0: only values a low bit depth can hold (multiples of 255 / (levels − 1)).
            if (levels > 0) v = (int)(rng.NextDouble() * levels) * (255 / (levels - 1));
            samples[i] = (ushort)v;
        }
        return new PngImage(width, height, channels, sampleBits, samples);
    }
}
