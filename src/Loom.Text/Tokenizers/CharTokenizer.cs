using System.Buffers;
using System.Text;
using Loom.Core;

namespace Loom.Text.Tokenizers;

/// <summary>
/// One token per Unicode character (a surrogate pair is one character). The vocabulary is the corpus's distinct
/// characters in code-point order, ids 0..n-1, followed by the special tokens in the order given. A special token
/// that is a single character (a "\n" separator, say) is not also an ordinary character: it has one id, reached
/// by encoding with <c>allowSpecial</c>.
/// </summary>
public sealed class CharTokenizer : ITokenizer
{
    private readonly string[] _symbols; // by id: characters, then special tokens
    private readonly byte[][] _utf8;
    private readonly int[] _ascii = new int[128];
    private readonly Dictionary<int, int> _nonAscii = [];
    private readonly SpecialTokenMatcher _specialMatcher;

    /// <param name="characters">The ordinary characters by id, each one code point.</param>
    /// <param name="specialTokens">Special tokens, ids following the characters.</param>
    public CharTokenizer(IReadOnlyList<string> characters, IReadOnlyList<string>? specialTokens = null)
    {
        specialTokens ??= [];
        _symbols = [.. characters, .. specialTokens];
        _utf8 = [.. _symbols.Select(Encoding.UTF8.GetBytes)];
        Array.Fill(_ascii, -1);
        for (int id = 0; id < characters.Count; id++)
        {
            string c = characters[id];
            if (Rune.DecodeFromUtf16(c, out Rune rune, out int used) != OperationStatus.Done || used != c.Length)
                throw LoomException.Argument($"char tokenizer: vocabulary entry {id} '{c}' is not exactly one character");
            bool fresh = rune.Value < 128 ? _ascii[rune.Value] < 0 : !_nonAscii.ContainsKey(rune.Value);
            if (!fresh) throw LoomException.Argument($"char tokenizer: character U+{rune.Value:X4} is listed twice");
            if (rune.Value < 128) _ascii[rune.Value] = id;
            else _nonAscii[rune.Value] = id;
        }
        var specials = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < specialTokens.Count; i++)
        {
            if (string.IsNullOrEmpty(specialTokens[i]) || !specials.TryAdd(specialTokens[i], characters.Count + i))
                throw LoomException.Argument($"char tokenizer: special token {i} '{specialTokens[i]}' is empty or repeated");
        }
        CharacterCount = characters.Count;
        SpecialTokens = specials;
        _specialMatcher = new SpecialTokenMatcher(specials);
    }

    /// <summary>
    /// The vocabulary of <paramref name="corpus"/>: its distinct characters (minus any that is itself one of the
    /// <paramref name="specialTokens"/>), sorted by code point.
    /// </summary>
    public static CharTokenizer Build(string corpus, IReadOnlyList<string>? specialTokens = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var distinct = new SortedSet<int>();
        foreach (Rune rune in corpus.EnumerateRunes()) distinct.Add(rune.Value);
        var exclude = (specialTokens ?? []).ToHashSet(StringComparer.Ordinal);
        var characters = distinct.Select(char.ConvertFromUtf32).Where(c => !exclude.Contains(c)).ToList();
        return new CharTokenizer(characters, specialTokens);
    }

    public string Kind => "char";

    public int VocabSize => _symbols.Length;

    /// <summary>Number of ordinary characters (ids below it); special tokens follow.</summary>
    public int CharacterCount { get; }

    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>The text of token <paramref name="id"/>: a character or a special token.</summary>
    public string Symbol(int id) => (uint)id < (uint)_symbols.Length
        ? _symbols[id]
        : throw LoomException.Argument($"char tokenizer: token id {id} is not in the vocabulary (ids 0..{VocabSize - 1})");

    public int[] Encode(string text) => Encode(text, allowSpecial: false);

    public int[] Encode(string text, bool allowSpecial)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length);
        Encode(text.AsSpan(), ids, allowSpecial);
        return [.. ids];
    }

    public void Encode(ReadOnlySpan<char> text, List<int> output, bool allowSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        int offset = 0;
        while (allowSpecial && _specialMatcher.TryFind(text[offset..], out int index, out int length, out int id))
        {
            EncodeCharacters(text, offset, offset + index, output);
            output.Add(id);
            offset += index + length;
        }
        EncodeCharacters(text, offset, text.Length, output);
    }

    private void EncodeCharacters(ReadOnlySpan<char> text, int start, int end, List<int> output)
    {
        for (int i = start; i < end;)
        {
            char c = text[i];
            if (c < 128)
            {
                int ascii = _ascii[c];
                if (ascii < 0) throw UnknownCharacter(i, c);
                output.Add(ascii);
                i++;
                continue;
            }
            var status = Rune.DecodeFromUtf16(text[i..end], out Rune rune, out int used);
            int codePoint = status == OperationStatus.Done ? rune.Value : c; // a lone surrogate reports itself
            if (status != OperationStatus.Done || !_nonAscii.TryGetValue(codePoint, out int id))
                throw UnknownCharacter(i, codePoint);
            output.Add(id);
            i += used;
        }
    }

    private LoomException UnknownCharacter(int index, int codePoint)
    {
        bool scalar = codePoint is < 0xD800 or > 0xDFFF;
        string shown = scalar && codePoint >= 0x20 && codePoint != 0x7F ? $" '{char.ConvertFromUtf32(codePoint)}'" : "";
        string special = scalar && SpecialTokens.ContainsKey(char.ConvertFromUtf32(codePoint))
            ? " (it is a special token: encode with allowSpecial)" : "";
        return LoomException.Argument(
            $"char tokenizer: character U+{codePoint:X4}{shown} at position {index} is not in the vocabulary "
            + $"of {CharacterCount} characters{special}");
    }

    public string Decode(ReadOnlySpan<int> ids)
    {
        var builder = new StringBuilder(ids.Length);
        foreach (int id in ids) builder.Append(Symbol(id));
        return builder.ToString();
    }

    public byte[] DecodeBytes(ReadOnlySpan<int> ids) => Encoding.UTF8.GetBytes(Decode(ids));

    public ReadOnlySpan<byte> TokenBytes(int id)
    {
        Symbol(id); // validates the id
        return _utf8[id];
    }

    public void Save(string directory) => HuggingFaceTokenizerWriter.Write(this, directory);

    /// <summary>The ordinary characters by id.</summary>
    public IReadOnlyList<string> Characters => _symbols[..CharacterCount];
}
