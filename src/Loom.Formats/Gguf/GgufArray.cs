using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Loom.Formats.Gguf;

/// <summary>
/// A GGUF array: one element type and its items as a typed .NET array (byte[], uint[], string[], …; nested arrays
/// as GgufArray[]).
/// </summary>
/// <remarks>
/// An array read from a file keeps only where its items lie in the memory map until <see cref="Items"/> is first
/// asked for: a vocabulary's 32k–150k token texts would otherwise sit on the managed heap as that many strings
/// (megabytes) for as long as the file is open, though the tokenizer reads them once and an LLM's forward pass never.
/// The file validated every item's bounds when it was opened; when it is disposed, arrays not yet read take a copy of
/// their bytes (far smaller than the strings), so values held beyond the file keep working.
/// </remarks>
public sealed class GgufArray
{
    private System.Array? _items;
    // Where the unread items lie: in the map (offset, byte length), or in a copy taken when the file was disposed.
    private readonly GgufMapping? _mapping;
    private readonly long _offset;
    private readonly long _byteLength;
    private byte[]? _copy;

    private GgufArray(GgufValueType elementType, System.Array items)
    {
        ElementType = elementType;
        _items = items;
        Count = items.Length;
    }

    /// <summary>An array whose <paramref name="count"/> items take file bytes [offset, offset + byteLength).</summary>
    internal GgufArray(GgufValueType elementType, int count, GgufMapping mapping, long offset, long byteLength)
    {
        ElementType = elementType;
        Count = count;
        _mapping = mapping;
        _offset = offset;
        _byteLength = byteLength;
    }

    /// <summary>Called by the file before it unmaps: unread items move to a managed copy of their bytes.</summary>
    internal void DetachFromMap()
    {
        if (_items is null && _copy is null && _mapping is not null) _copy = _mapping.Bytes(_offset, _byteLength).ToArray();
    }

    /// <summary>Bytes [start, start + count) of the items' encoding.</summary>
    private ReadOnlySpan<byte> Source(long start, long count) =>
        _copy is { } copy ? copy.AsSpan(checked((int)start), checked((int)count)) : _mapping!.Bytes(_offset + start, count);

    public GgufValueType ElementType { get; }
    public System.Array Items => _items ?? Materialize();
    public int Count { get; }

    public static GgufArray Of<T>(T[] items) =>
        new(GgufValue.TypeOf(typeof(T)), items ?? throw new ArgumentNullException(nameof(items)));

    /// <summary>Calls <paramref name="action"/> with each string item in order, decoded as <see cref="Items"/> would
    /// decode it, without creating the strings (or keeping them) when they are still only in the map.</summary>
    internal void ForEachString(GgufStringAction action)
    {
        if (_items is string[] strings)
        {
            for (int i = 0; i < strings.Length; i++) action(i, strings[i]);
            return;
        }
        char[] buffer = ArrayPool<char>.Shared.Rent(256);
        try
        {
            long position = 0;
            for (int i = 0; i < Count; i++)
            {
                var bytes = NextString(ref position);
                int most = GgufCursor.LenientUtf8.GetMaxCharCount(bytes.Length);
                if (most > buffer.Length)
                {
                    ArrayPool<char>.Shared.Return(buffer);
                    buffer = ArrayPool<char>.Shared.Rent(most);
                }
                int n = GgufCursor.LenientUtf8.GetChars(bytes, buffer);
                action(i, buffer.AsSpan(0, n));
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private System.Array Materialize()
    {
        var items = Read(Count);
        // Two threads may both read the map; every reader then sees the first array stored.
        return Interlocked.CompareExchange(ref _items, items, null) ?? items;
    }

    /// <summary>The first <paramref name="count"/> items, read from the map.</summary>
    private System.Array Read(int count) => ElementType switch
    {
        GgufValueType.UInt8 => Copy<byte>(count),
        GgufValueType.Int8 => Copy<sbyte>(count),
        GgufValueType.UInt16 => Copy<ushort>(count),
        GgufValueType.Int16 => Copy<short>(count),
        GgufValueType.UInt32 => Copy<uint>(count),
        GgufValueType.Int32 => Copy<int>(count),
        GgufValueType.Float32 => Copy<float>(count),
        GgufValueType.UInt64 => Copy<ulong>(count),
        GgufValueType.Int64 => Copy<long>(count),
        GgufValueType.Float64 => Copy<double>(count),
        GgufValueType.String => Strings(count),
        _ => throw new InvalidOperationException($"GGUF arrays of {ElementType} are read when the file is opened"),
    };

    private unsafe T[] Copy<T>(int count) where T : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(Source(0, (long)count * sizeof(T))).ToArray();

    private string[] Strings(int count)
    {
        var strings = new string[count];
        long position = 0;
        for (int i = 0; i < strings.Length; i++) strings[i] = GgufCursor.LenientUtf8.GetString(NextString(ref position));
        return strings;
    }

    /// <summary>The string (uint64 length + bytes) at <paramref name="position"/> in the items' bytes, which moves
    /// past it.</summary>
    private ReadOnlySpan<byte> NextString(ref long position)
    {
        long length = Unsafe.ReadUnaligned<long>(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(Source(position, 8)));
        var bytes = Source(position + 8, length);
        position += 8 + length;
        return bytes;
    }

    public override string ToString()
    {
        // Only the items shown are read from the map: describing a file must not pull its vocabulary onto the heap.
        var first = (_items ?? Read(Math.Min(Count, 5))).Cast<object>().Take(5).Select(o => o switch
        {
            string s => $"\"{(s.Length > 24 ? s[..24] + "…" : s)}\"",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => o.ToString(),
        });
        return $"{ElementType.ToString().ToLowerInvariant()}[{Count}] [{string.Join(", ", first)}{(Count > 5 ? ", …" : "")}]";
    }
}

/// <summary>Receives one string item of a GGUF array (valid only during the call).</summary>
public delegate void GgufStringAction(int index, ReadOnlySpan<char> text);
