using System.Runtime.CompilerServices;
using System.Text;
using Loom.Core;

namespace Loom.Formats.Gguf;

/// <summary>
/// Reads little-endian GGUF header fields from a mapped file (a pointer and a 64-bit length, as files may exceed
/// 2 GB), checking every read against the end so a truncated file fails with the offset and what was being read.
/// </summary>
internal sealed unsafe class GgufCursor
{
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);
    /// <summary>How metadata strings are decoded: invalid bytes become U+FFFD.</summary>
    internal static readonly Encoding LenientUtf8 = new UTF8Encoding(false, throwOnInvalidBytes: false);

    private readonly byte* _base;

    public GgufCursor(byte* start, long length, string file) : this(new GgufMapping(start, length, file))
    {
    }

    public GgufCursor(GgufMapping mapping)
    {
        Mapping = mapping;
        _base = mapping.Start;
        Length = mapping.Length;
        File = mapping.File;
    }

    /// <summary>The mapped file, which arrays read lazily keep.</summary>
    public GgufMapping Mapping { get; }
    public string File { get; }
    public long Length { get; }
    public long Position { get; set; }
    public long Remaining => Length - Position;

    public LoomException Error(string message) => LoomException.Format(File, message);

    // `suffix` is appended to `what` only when a message is built: a vocabulary's 150k strings would otherwise
    // allocate 150k messages that are never shown.
    private byte* Take(long count, string what, string? suffix = null)
    {
        if (count > Remaining)
            throw Error($"truncated: {what}{suffix} needs {count} bytes at offset {Position}, but the file ends at {Length}");
        byte* p = _base + Position;
        Position += count;
        return p;
    }

    public T Read<T>(string what) where T : unmanaged => Unsafe.ReadUnaligned<T>(Take(sizeof(T), what));

    /// <summary>A uint64 count that must fit the remaining bytes at <paramref name="minBytesEach"/> bytes per item, so
    /// an absurd count fails before anything is allocated for it.</summary>
    public long ReadCount(string what, long minBytesEach, string? suffix = null)
    {
        ulong count = Unsafe.ReadUnaligned<ulong>(Take(sizeof(ulong), what, suffix));
        if (count > (ulong)(Remaining / Math.Max(1, minBytesEach)))
            throw Error($"{what}{suffix} is {count}, but only {Remaining} bytes remain at offset {Position} (at least {minBytesEach} bytes per item)");
        return (long)count;
    }

    /// <summary>Moves past <paramref name="count"/> bytes (an array's items read later from the map).</summary>
    public void Skip(long count, string what) => Take(count, what);

    /// <summary>A GGUF string (uint64 byte length + bytes). Keys and tensor names must be valid UTF-8; metadata values
    /// are decoded leniently (invalid bytes become U+FFFD) because llama.cpp accepts arbitrary bytes there.</summary>
    public string ReadString(string what, bool strict)
    {
        var bytes = ReadStringBytes(what);
        if (!strict) return LenientUtf8.GetString(bytes);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Error($"{what} is not valid UTF-8 (at offset {Position - bytes.Length})");
        }
    }

    /// <summary>A GGUF string's bytes in the map (checked against the end, not decoded).</summary>
    public ReadOnlySpan<byte> ReadStringBytes(string what)
    {
        long length = ReadCount(what, 1, ": string length");
        if (length > int.MaxValue) throw Error($"{what}: a string of {length} bytes exceeds the 2 GB limit");
        return new ReadOnlySpan<byte>(Take(length, what), (int)length);
    }

    public ReadOnlySpan<byte> Span(long offset, long length) => new(_base + offset, checked((int)length));
}
