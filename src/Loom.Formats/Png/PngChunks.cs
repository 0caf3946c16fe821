using System.Buffers.Binary;
using Loom.Core;

namespace Loom.Formats.Png;

/// <summary>
/// The chunk layer of a PNG: walks length/type/data/CRC records, checks each CRC, and keeps what decoding needs —
/// IHDR, PLTE, tRNS and the concatenated IDAT data. Validates order and presence (IHDR first, IDAT, IEND).
/// </summary>
internal sealed class PngChunks
{
    public PngHeader Header { get; private set; }
    public byte[] CompressedData { get; private set; } = [];

    /// <summary>RGB triples, or null without PLTE.</summary>
    public byte[]? Palette { get; private set; }
    public int PaletteEntries => Palette is null ? 0 : Palette.Length / 3;

    /// <summary>Raw tRNS bytes (a gray or RGB key, or one alpha per palette entry), or null.</summary>
    public byte[]? Transparency { get; private set; }
    public bool HasTransparency => Transparency is not null;

    public static PngChunks Parse(ReadOnlySpan<byte> data, string file)
    {
        if (data.Length < 8 || !data[..8].SequenceEqual(PngDecoder.Signature))
            throw LoomException.Format(file, $"not a PNG file: bad signature (expected 89 50 4E 47 0D 0A 1A 0A, found {Convert.ToHexString(data[..Math.Min(8, data.Length)])})");
        var result = new PngChunks();
        var idat = new List<(int Offset, int Length)>();
        bool sawHeader = false, sawEnd = false;
        int position = 8;
        while (!sawEnd)
        {
            if (position == data.Length)
                throw LoomException.Format(file, sawHeader
                    ? (idat.Count == 0 ? "missing IDAT chunk (and IEND): the file ends after " + position + " bytes" : $"missing IEND chunk: the file ends after {position} bytes (truncated?)")
                    : "missing IHDR chunk: the file holds only the signature");
            if (data.Length - position < 8)
                throw LoomException.Format(file, $"truncated chunk header at offset {position}: {data.Length - position} bytes remain, a header needs 8");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[position..]);
            var typeBytes = data.Slice(position + 4, 4);
            string type = ChunkName(typeBytes);
            if (!IsValidType(typeBytes))
                throw LoomException.Format(file, $"bad chunk type bytes {Convert.ToHexString(typeBytes)} at offset {position}");
            if (length > int.MaxValue)
                throw LoomException.Format(file, $"chunk '{type}' at offset {position} declares {length} bytes, more than 2^31 − 1");
            if (data.Length - position - 12 < length)
                throw LoomException.Format(file, $"truncated chunk '{type}' at offset {position}: it declares {length} data bytes plus 4 CRC bytes, only {Math.Max(0, data.Length - position - 8)} bytes remain");
            var body = data.Slice(position + 8, (int)length);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(data[(position + 8 + (int)length)..]);
            uint computed = PngCrc.Compute(data.Slice(position + 4, 4 + (int)length));
            if (stored != computed)
                throw LoomException.Format(file, $"CRC mismatch in chunk '{type}' at offset {position}: stored {stored:X8}, computed {computed:X8}");

            if (!sawHeader && type != "IHDR")
                throw LoomException.Format(file, $"missing IHDR chunk: the first chunk is '{type}'");
            switch (type)
            {
                case "IHDR":
                    if (sawHeader) throw LoomException.Format(file, "a second IHDR chunk");
                    result.Header = ParseHeader(body, file);
                    sawHeader = true;
                    break;
                case "PLTE":
                    result.ParsePalette(body, file, idat.Count > 0);
                    break;
                case "tRNS":
                    result.ParseTransparency(body, file);
                    break;
                case "IDAT":
                    idat.Add((position + 8, (int)length));
                    break;
                case "IEND":
                    sawEnd = true;
                    break;
                default:
                    // Bit 5 of the first byte clear = critical: a decoder must not guess at what it cannot read.
                    if ((typeBytes[0] & 0x20) == 0)
                        throw LoomException.Format(file, $"unknown critical chunk '{type}' at offset {position}");
                    break;
            }
            position += 12 + (int)length;
        }
        if (idat.Count == 0) throw LoomException.Format(file, "missing IDAT chunk: the file holds no image data");
        if (result.Header.ColorType == PngColorType.Palette && result.Palette is null)
            throw LoomException.Format(file, "colour type 3 (palette) needs a PLTE chunk, none found");
        result.CompressedData = Concatenate(data, idat);
        return result;
    }

    private static PngHeader ParseHeader(ReadOnlySpan<byte> body, string file)
    {
        if (body.Length != 13) throw LoomException.Format(file, $"IHDR holds {body.Length} bytes, expected 13");
        uint width = BinaryPrimitives.ReadUInt32BigEndian(body);
        uint height = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
        int depth = body[8], colorType = body[9], compression = body[10], filter = body[11], interlace = body[12];
        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
            throw LoomException.Format(file, $"IHDR: size {width}×{height} is outside 1..2^31 − 1");
        if (colorType is not (0 or 2 or 3 or 4 or 6))
            throw LoomException.Format(file, $"IHDR: unsupported colour type {colorType} (PNG defines 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA)");
        var type = (PngColorType)colorType;
        if (!PngColorTypes.IsLegal(type, depth))
            throw LoomException.Format(file, $"IHDR: unsupported combination of colour type {colorType} ({type}) and bit depth {depth}; that colour type allows {PngColorTypes.LegalDepths(type)}");
        if (compression != 0) throw LoomException.Format(file, $"IHDR: unknown compression method {compression}, expected 0");
        if (filter != 0) throw LoomException.Format(file, $"IHDR: unknown filter method {filter}, expected 0");
        if (interlace > 1) throw LoomException.Format(file, $"IHDR: unknown interlace method {interlace}, expected 0 or 1");
        return new PngHeader((int)width, (int)height, depth, type, interlace == 1);
    }

    private void ParsePalette(ReadOnlySpan<byte> body, string file, bool afterData)
    {
        if (Palette is not null) throw LoomException.Format(file, "a second PLTE chunk");
        if (afterData) throw LoomException.Format(file, "PLTE chunk after IDAT");
        if (body.Length % 3 != 0 || body.Length == 0 || body.Length > 768)
            throw LoomException.Format(file, $"PLTE holds {body.Length} bytes, expected 3 × (1..256)");
        if (Header.ColorType is PngColorType.Gray or PngColorType.GrayAlpha)
            throw LoomException.Format(file, $"PLTE chunk in a {Header.ColorType} image");
        if (Header.ColorType == PngColorType.Palette && body.Length / 3 > 1 << Header.BitDepth)
            throw LoomException.Format(file, $"PLTE has {body.Length / 3} entries, more than a {Header.BitDepth}-bit index can address");
        Palette = body.ToArray();
    }

    private void ParseTransparency(ReadOnlySpan<byte> body, string file)
    {
        switch (Header.ColorType)
        {
            case PngColorType.Gray when body.Length != 2:
                throw LoomException.Format(file, $"tRNS for a gray image holds {body.Length} bytes, expected 2");
            case PngColorType.Rgb when body.Length != 6:
                throw LoomException.Format(file, $"tRNS for an RGB image holds {body.Length} bytes, expected 6");
            case PngColorType.Palette when Palette is null:
                throw LoomException.Format(file, "tRNS chunk before PLTE");
            case PngColorType.Palette when body.Length > PaletteEntries:
                throw LoomException.Format(file, $"tRNS holds {body.Length} alphas, the palette only {PaletteEntries} entries");
            case PngColorType.GrayAlpha or PngColorType.Rgba:
                return; // not allowed there by the specification; the alpha channel already says it all, so ignore it
        }
        Transparency = body.ToArray();
    }

    private static byte[] Concatenate(ReadOnlySpan<byte> data, List<(int Offset, int Length)> parts)
    {
        var result = new byte[parts.Sum(p => (long)p.Length)];
        int at = 0;
        foreach (var (offset, length) in parts)
        {
            data.Slice(offset, length).CopyTo(result.AsSpan(at));
            at += length;
        }
        return result;
    }

    private static bool IsValidType(ReadOnlySpan<byte> type)
    {
        foreach (byte b in type)
            if (!(b is >= (byte)'A' and <= (byte)'Z' || b is >= (byte)'a' and <= (byte)'z')) return false;
        return true;
    }

    private static string ChunkName(ReadOnlySpan<byte> type)
    {
        Span<char> chars = stackalloc char[4];
        for (int i = 0; i < 4; i++) chars[i] = type[i] is >= 32 and < 127 ? (char)type[i] : '?';
        return new string(chars);
    }
}
