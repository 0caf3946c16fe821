using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Loom.Core;

namespace Loom.Text.Tokenizers;

/// <summary>
/// Byte-level BPE: special tokens are cut out first (when allowed), the rest is optionally NFC-normalized, split
/// by the <see cref="PreTokenizer"/>, and each piece's UTF-8 bytes are merged by the <see cref="BytePairEncoder"/>.
/// Every byte has a token, so any text encodes and decodes losslessly. One class serves tiktoken encodings,
/// Hugging Face tokenizer.json files and Loom's own trained vocabularies; they differ only in their parts.
/// Thread-safe: encoding shares only a concurrent piece cache.
/// </summary>
public sealed class BpeTokenizer : ITokenizer
{
    // Pieces that need merging are cached up to this many chars (words repeat; long runs rarely do), up to this
    // many entries; a piece that is one token is found faster without the cache.
    private const int CacheMaxChars = 24;
    private const int CacheCapacity = 1 << 16;

    [ThreadStatic] private static List<int>? t_pieceEnds;

    private readonly Dictionary<int, byte[]> _specialBytes = [];
    private readonly SpecialTokenMatcher _specialMatcher;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;
    private int _cacheSize;

    public BpeTokenizer(string kind, BytePairEncoder encoder, PreTokenizer preTokenizer,
        IReadOnlyDictionary<string, int>? specialTokens = null, bool normalizeNfc = false)
    {
        Kind = kind;
        Encoder = encoder;
        PreTokenizer = preTokenizer;
        NormalizesToNfc = normalizeNfc;
        var specials = new Dictionary<string, int>(specialTokens ?? new Dictionary<string, int>(), StringComparer.Ordinal);
        int vocab = encoder.IdCount;
        foreach (var (text, id) in specials)
        {
            if (text.Length == 0 || id < 0)
                throw LoomException.Argument($"{kind}: special token '{text}' (id {id}) needs text and a non-negative id");
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            // A GPT-2 style vocabulary may hold the special token itself; any other collision is a broken file.
            if (encoder.Contains(id) && !encoder.TokenBytes(id).SequenceEqual(bytes))
                throw LoomException.Argument($"{kind}: special token '{text}' has id {id}, which is already a vocabulary token");
            if (!_specialBytes.TryAdd(id, bytes))
                throw LoomException.Argument($"{kind}: two special tokens share id {id}");
            vocab = Math.Max(vocab, id + 1);
        }
        SpecialTokens = specials;
        VocabSize = vocab;
        _specialMatcher = new SpecialTokenMatcher(specials);
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public string Kind { get; }

    public int VocabSize { get; }

    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

    public BytePairEncoder Encoder { get; }

    public PreTokenizer PreTokenizer { get; }

    /// <summary>Whether text is normalized to NFC before splitting (Qwen does; tiktoken does not).</summary>
    public bool NormalizesToNfc { get; }

    public int[] Encode(string text) => Encode(text, allowSpecial: false);

    public int[] Encode(string text, bool allowSpecial)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        Encode(text.AsSpan(), ids, allowSpecial);
        return [.. ids];
    }

    public void Encode(ReadOnlySpan<char> text, List<int> output, bool allowSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!allowSpecial || _specialMatcher.IsEmpty)
        {
            EncodeOrdinary(text, output);
            return;
        }
        while (_specialMatcher.TryFind(text, out int index, out int length, out int id))
        {
            EncodeOrdinary(text[..index], output);
            output.Add(id);
            text = text[(index + length)..];
        }
        EncodeOrdinary(text, output);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EncodeOrdinary(ReadOnlySpan<char> text, List<int> output)
    {
        if (text.IsEmpty) return;
        if (NormalizesToNfc && !UnicodeNormalizer.IsQuickNfc(text)) text = UnicodeNormalizer.ToNfc(text);
        var ends = t_pieceEnds ??= [];
        ends.Clear();
        PreTokenizer.Split(text, ends);
        Span<byte> buffer = stackalloc byte[512];
        int start = 0;
        foreach (int end in ends)
        {
            EncodePiece(text[start..end], output, buffer);
            start = end;
        }
        if (ends.Capacity > 1 << 20) t_pieceEnds = null; // keep up to 4 MB for the next call, not more
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EncodePiece(ReadOnlySpan<char> piece, List<int> output, Span<byte> buffer)
    {
        byte[]? rented = null;
        int maxBytes = Encoding.UTF8.GetMaxByteCount(piece.Length);
        Span<byte> utf8 = maxBytes <= buffer.Length ? buffer : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        utf8 = utf8[..Encoding.UTF8.GetBytes(piece, utf8)];
        int whole = Encoder.TryWholePiece(utf8);
        if (whole >= 0)
        {
            output.Add(whole);
        }
        else if (piece.Length <= CacheMaxChars)
        {
            if (_cacheLookup.TryGetValue(piece, out int[]? cached))
            {
                output.AddRange(cached);
            }
            else
            {
                int before = output.Count;
                Encoder.EncodeByMerging(utf8, output);
                // ConcurrentDictionary.Count takes every lock, so the size is tracked here instead.
                if (_cacheSize < CacheCapacity && _cacheLookup.TryAdd(piece, output.GetRange(before, output.Count - before).ToArray()))
                    Interlocked.Increment(ref _cacheSize);
            }
        }
        else
        {
            Encoder.EncodeByMerging(utf8, output);
        }
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
    }

    public string Decode(ReadOnlySpan<int> ids) => Encoding.UTF8.GetString(DecodeBytes(ids));

    public byte[] DecodeBytes(ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>(ids.Length * 4);
        foreach (int id in ids) bytes.AddRange(TokenBytes(id));
        return [.. bytes];
    }

    public ReadOnlySpan<byte> TokenBytes(int id)
    {
        if (_specialBytes.TryGetValue(id, out byte[]? special)) return special;
        if (!Encoder.Contains(id))
            throw LoomException.Argument($"{Kind}: token id {id} is not in the vocabulary (ids 0..{VocabSize - 1})");
        return Encoder.TokenBytes(id);
    }

    public void Save(string directory) => HuggingFaceTokenizerWriter.Write(this, directory);
}
