using System.Collections;
using Loom.Formats.Gguf;

namespace Loom.Text.Tokenizers.Gguf;

/// <summary>
/// A GGUF string array (token texts, merges) held compactly: every text in one UTF-16 buffer with start offsets, and
/// an open-addressing index from text to the last id holding it (llama.cpp fills its token map in id order, so a
/// text held twice maps to the later id). For a 32k vocabulary that is about 0.8 MB where 32k strings and a
/// Dictionary&lt;string, int&gt; took about 2.4 MB.
/// </summary>
internal sealed class GgufTextTable : IReadOnlyList<string>
{
    private readonly char[] _chars;
    private readonly int[] _starts; // Count + 1 entries: text i is _chars[_starts[i].._starts[i + 1]]
    private readonly int[] _slots;  // id + 1, or 0 for an empty slot; a power of two, at most half full
    private readonly int _mask;

    private GgufTextTable(char[] chars, int[] starts, bool indexed)
    {
        _chars = chars;
        _starts = starts;
        Count = starts.Length - 1;
        if (!indexed)
        {
            _slots = [];
            return;
        }
        _slots = new int[Math.Max(16, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Count * 2))];
        _mask = _slots.Length - 1;
        for (int id = 0; id < Count; id++)
        {
            var text = Text(id);
            int slot = (int)Hash(text) & _mask;
            while (_slots[slot] != 0 && !Text(_slots[slot] - 1).SequenceEqual(text)) slot = (slot + 1) & _mask;
            _slots[slot] = id + 1;
        }
    }

    /// <summary>The strings of <paramref name="key"/> in <paramref name="file"/> (decoded as the file decodes
    /// metadata strings), or null when the key is missing; <paramref name="fill"/> names each empty text's stand-in
    /// (null keeps it empty). <paramref name="indexed"/> builds the text → id index.</summary>
    public static GgufTextTable? FromGguf(GgufFile file, string key, Func<int, string>? fill, bool indexed)
    {
        // Two passes over the mapped strings: the exact size first, so nothing is copied twice or over-allocated.
        int count = 0;
        long total = 0;
        if (!file.TryForEachString(key, (i, text) =>
        {
            count++;
            total += text.Length == 0 && fill is not null ? fill(i).Length : text.Length;
        }))
            return null;
        var chars = new char[checked((int)total)];
        var starts = new int[count + 1];
        int at = 0;
        file.TryForEachString(key, (i, text) =>
        {
            var piece = text.Length == 0 && fill is not null ? fill(i).AsSpan() : text;
            starts[i] = at;
            piece.CopyTo(chars.AsSpan(at));
            at += piece.Length;
        });
        starts[count] = at;
        return new GgufTextTable(chars, starts, indexed);
    }

    /// <summary>A table of <paramref name="texts"/> (tests, and files whose array is already read).</summary>
    public static GgufTextTable Of(IReadOnlyList<string> texts, bool indexed)
    {
        var starts = new int[texts.Count + 1];
        for (int i = 0; i < texts.Count; i++) starts[i + 1] = checked(starts[i] + texts[i].Length);
        var chars = new char[starts[^1]];
        for (int i = 0; i < texts.Count; i++) texts[i].CopyTo(chars.AsSpan(starts[i]));
        return new GgufTextTable(chars, starts, indexed);
    }

    public int Count { get; }

    /// <summary>Text <paramref name="index"/>, without creating a string.</summary>
    public ReadOnlySpan<char> Text(int index) => _chars.AsSpan(_starts[index], _starts[index + 1] - _starts[index]);

    /// <summary>Text <paramref name="index"/> as a new string.</summary>
    public string this[int index] => (uint)index < (uint)Count ? new string(Text(index)) : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>The last id whose text is <paramref name="text"/> (ordinal comparison).</summary>
    public bool TryFind(ReadOnlySpan<char> text, out int id)
    {
        if (_slots.Length == 0) throw new InvalidOperationException("this text table was built without an index");
        for (int slot = (int)Hash(text) & _mask; _slots[slot] != 0; slot = (slot + 1) & _mask)
        {
            int candidate = _slots[slot] - 1;
            if (Text(candidate).SequenceEqual(text))
            {
                id = candidate;
                return true;
            }
        }
        id = -1;
        return false;
    }

    // FNV-1a over the UTF-16 code units: fixed (so the table's layout is the same in every run), cheap for the short
    // texts of a vocabulary. Lookups of arbitrary input cost at most the longest run of occupied slots, which only the
    // vocabulary decides.
    private static uint Hash(ReadOnlySpan<char> text)
    {
        uint h = 2166136261;
        foreach (char c in text) h = (h ^ c) * 16777619;
        return h ^ (h >> 15);
    }

    public IEnumerator<string> GetEnumerator()
    {
        for (int i = 0; i < Count; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
