using System.Buffers;
using System.Text;
using Loom.Core;
using Loom.Formats.Gguf;

namespace Loom.Text.Tokenizers.Gguf;

/// <summary>
/// The tokenizer a GGUF file describes, giving llama.cpp's ids and pieces: <c>gpt2</c> byte-level BPE with the
/// pre-tokenizer <c>tokenizer.ggml.pre</c> names, or <c>llama</c> SentencePiece with scores and byte fallback.
/// <see cref="Tokenize(string, bool, bool)"/> is llama_tokenize(text, add_special, parse_special);
/// <see cref="TokenToPiece"/> and <see cref="Detokenize"/> are llama_token_to_piece and llama_detokenize.
/// </summary>
/// <remarks>
/// llama.cpp quirks kept on purpose: no Unicode normalisation (Qwen's NFC is not applied); control-looking tokens
/// re-typed CONTROL (<see cref="GgufVocabulary.ForcedControl"/>); SentencePiece puts a space before the text and
/// after every special token; USER_DEFINED tokens are matched even without parse_special.
/// </remarks>
public sealed class GgufTokenizer : ITokenizer
{
    [ThreadStatic] private static List<SpecialTokenPartitioner.Fragment>? t_fragments;

    private readonly SpecialTokenPartitioner _partitioner;
    private readonly BpeTokenizer? _bpe;
    private readonly SentencePieceEncoder? _spm;
    // token_to_piece(special: true) of every id, all in one buffer (a byte[] per token cost ~1 MB for 32k tokens):
    // piece i is _pieceBytes[Start(i)..Start(i + 1)]; a negative start (~start, the piece empty) where it is the
    // encoder's bytes (normal BPE tokens), which saves copying 150k tokens' bytes.
    private readonly byte[] _pieceBytes;
    private readonly int[] _pieceStarts;
    private readonly Dictionary<string, int> _specialTokens = new(StringComparer.Ordinal);

    private GgufTokenizer(GgufVocabulary vocabulary)
    {
        Vocabulary = vocabulary;
        _partitioner = new SpecialTokenPartitioner(vocabulary);
        if (vocabulary.Model == "gpt2")
        {
            var (pre, ignoreMerges) = LlamaCppPreTokenizers.For(vocabulary.Pre, vocabulary.Source);
            _bpe = new BpeTokenizer("gguf:gpt2", GgufByteLevelEncoder.Build(vocabulary, ignoreMerges), pre);
        }
        else if (vocabulary.Model == "llama")
        {
            _spm = new SentencePieceEncoder(vocabulary);
        }
        else
        {
            throw new LoomException(LoomErrorCode.NotSupported,
                $"{vocabulary.Source}: tokenizer.ggml.model '{vocabulary.Model}' is not supported; supported: {string.Join(", ", SupportedModels)}");
        }
        int n = vocabulary.Tokens.Count;
        _pieceStarts = new int[n + 1];
        var pieces = new ArrayBufferWriter<byte>(n * 4 + 16);
        for (int id = 0; id < n; id++)
        {
            bool fromEncoder = _bpe is not null && vocabulary.Types[id] == GgufTokenType.Normal && _bpe.Encoder.Contains(id);
            _pieceStarts[id] = fromEncoder ? ~pieces.WrittenCount : pieces.WrittenCount;
            if (!fromEncoder) WritePiece(id, pieces);
            if (vocabulary.Types[id] is GgufTokenType.Control or GgufTokenType.UserDefined or GgufTokenType.Unknown)
                _specialTokens[vocabulary.Tokens[id]] = id;
        }
        _pieceStarts[n] = pieces.WrittenCount;
        _pieceBytes = pieces.WrittenSpan.ToArray();
    }

    /// <summary>The <c>tokenizer.ggml.model</c> values Loom reads.</summary>
    public static IReadOnlyList<string> SupportedModels { get; } = ["gpt2", "llama"];

    /// <summary>The tokenizer of <paramref name="file"/>; a LoomException for a model or pre-tokenizer Loom lacks.</summary>
    public static GgufTokenizer FromGguf(GgufFile file) => new(GgufVocabulary.FromGguf(file));

    public GgufVocabulary Vocabulary { get; }

    public string Kind => "gguf:" + Vocabulary.Model;
    public int VocabSize => _pieceStarts.Length - 1;
    public IReadOnlyDictionary<string, int> SpecialTokens => _specialTokens;
    public int BosId => Vocabulary.BosId;
    public int EosId => Vocabulary.EosId;
    public bool AddBos => Vocabulary.AddBos;
    public bool AddEos => Vocabulary.AddEos;

    public GgufTokenType TokenType(int id) => Vocabulary.Types[CheckId(id)];

    /// <summary>Whether llama.cpp stops generating at <paramref name="id"/>.</summary>
    public bool IsEndOfGeneration(int id) => Vocabulary.EndOfGeneration.Contains(id);

    /// <summary>llama_tokenize: <paramref name="addSpecial"/> adds BOS/EOS where the file asks for them;
    /// <paramref name="parseSpecial"/> reads control tokens' text in the input as those tokens.</summary>
    public int[] Tokenize(string text, bool addSpecial, bool parseSpecial)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        Tokenize(text, ids, addSpecial, parseSpecial);
        return [.. ids];
    }

    public void Tokenize(ReadOnlySpan<char> text, List<int> output, bool addSpecial, bool parseSpecial)
    {
        ArgumentNullException.ThrowIfNull(output);
        var fragments = t_fragments ??= [];
        _partitioner.Partition(text, parseSpecial, fragments);
        if (addSpecial && Vocabulary.AddBos) output.Add(Vocabulary.BosId);
        bool afterSpecial = true; // SentencePiece: the start counts as "after a special token"
        foreach (var fragment in fragments)
        {
            if (fragment.Token >= 0)
            {
                output.Add(fragment.Token);
                afterSpecial = true;
                continue;
            }
            var raw = text.Slice(fragment.Start, fragment.Length);
            if (_bpe is not null) _bpe.Encode(raw, output);
            else EncodeSentencePiece(raw, Vocabulary.AddSpacePrefix && afterSpecial, output);
            afterSpecial = false;
        }
        if (addSpecial && Vocabulary.AddEos) output.Add(Vocabulary.EosId);
    }

    private void EncodeSentencePiece(ReadOnlySpan<char> raw, bool spacePrefix, List<int> output)
    {
        int length = raw.Length + (spacePrefix ? 1 : 0);
        char[]? rented = null;
        Span<char> escaped = length <= 256 ? stackalloc char[length] : (rented = ArrayPool<char>.Shared.Rent(length));
        escaped = escaped[..length];
        if (spacePrefix) escaped[0] = ' ';
        raw.CopyTo(escaped[(spacePrefix ? 1 : 0)..]);
        escaped.Replace(' ', '▁'); // llama_escape_whitespace
        _spm!.Encode(escaped, output);
        if (rented is not null) ArrayPool<char>.Shared.Return(rented);
    }

    /// <summary>
    /// llama_token_to_piece: CONTROL and UNKNOWN tokens are empty unless <paramref name="special"/>; byte tokens
    /// are their byte; ▁ is a space (SentencePiece); up to <paramref name="lstrip"/> leading spaces are dropped.
    /// </summary>
    public ReadOnlySpan<byte> TokenToPiece(int id, bool special, int lstrip = 0)
    {
        var type = Vocabulary.Types[CheckId(id)];
        if (!special && type is GgufTokenType.Control or GgufTokenType.Unknown) return [];
        var piece = TokenBytes(id);
        for (int i = 0; i < lstrip && piece.Length > 0 && piece[0] == (byte)' '; i++) piece = piece[1..];
        return piece;
    }

    /// <summary>
    /// llama_detokenize: with <paramref name="removeSpecial"/> a leading BOS and trailing EOS are dropped (where the
    /// file adds them); with SentencePiece's space prefix the first piece loses one leading space — except when a
    /// BOS came first (llama.cpp's quirk: after a BOS, rendered or removed, the space stays).
    /// </summary>
    public byte[] Detokenize(ReadOnlySpan<int> ids, bool removeSpecial, bool unparseSpecial)
    {
        bool removeSpace = Vocabulary.AddSpacePrefix;
        if (removeSpecial && Vocabulary.AddBos && ids.Length > 0 && ids[0] == Vocabulary.BosId)
        {
            removeSpace = false;
            ids = ids[1..];
        }
        if (removeSpecial && Vocabulary.AddEos && ids.Length > 0 && ids[^1] == Vocabulary.EosId) ids = ids[..^1];
        var bytes = new List<byte>(ids.Length * 4);
        foreach (int id in ids)
        {
            bytes.AddRange(TokenToPiece(id, unparseSpecial, removeSpace ? 1 : 0));
            removeSpace = false;
        }
        return [.. bytes];
    }

    public int[] Encode(string text) => Tokenize(text, addSpecial: false, parseSpecial: false);

    public int[] Encode(string text, bool allowSpecial) => Tokenize(text, addSpecial: false, parseSpecial: allowSpecial);

    public void Encode(ReadOnlySpan<char> text, List<int> output, bool allowSpecial = false) =>
        Tokenize(text, output, addSpecial: false, parseSpecial: allowSpecial);

    /// <summary>Every token's piece with specials rendered (token_to_piece(special: true)), as llama.cpp prints them.</summary>
    public string Decode(ReadOnlySpan<int> ids) => Encoding.UTF8.GetString(DecodeBytes(ids));

    public byte[] DecodeBytes(ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>(ids.Length * 4);
        foreach (int id in ids) bytes.AddRange(TokenBytes(id));
        return [.. bytes];
    }

    public ReadOnlySpan<byte> TokenBytes(int id)
    {
        int start = _pieceStarts[CheckId(id)];
        if (start < 0) return _bpe!.Encoder.TokenBytes(id);
        int end = _pieceStarts[id + 1];
        return _pieceBytes.AsSpan(start, (end < 0 ? ~end : end) - start);
    }

    public void Save(string directory) =>
        throw new LoomException(LoomErrorCode.NotSupported,
            "a GGUF tokenizer lives in its GGUF file's metadata; Loom does not write it as tokenizer.json");

    private int CheckId(int id) =>
        (uint)id < (uint)VocabSize
            ? id
            : throw LoomException.Argument($"{Kind}: token id {id} is not in the vocabulary (ids 0..{VocabSize - 1})");

    /// <summary>Appends token_to_piece(special: true) before any stripping.</summary>
    private void WritePiece(int id, ArrayBufferWriter<byte> output)
    {
        var text = Vocabulary.TokenText(id);
        switch (Vocabulary.Types[id])
        {
            case GgufTokenType.Control or GgufTokenType.Unknown or GgufTokenType.UserDefined:
                WriteUtf8(text, output);
                break;
            case GgufTokenType.Normal when _bpe is not null:
                if (ByteLevelAlphabet.Decode(text) is { } bytes) output.Write(bytes);
                else WriteUtf8(text, output);
                break;
            case GgufTokenType.Normal:
                Span<char> spaced = text.Length <= 256 ? stackalloc char[text.Length] : new char[text.Length];
                text.CopyTo(spaced);
                spaced.Replace('▁', ' ');
                WriteUtf8(spaced, output);
                break;
            case GgufTokenType.Byte when _spm is not null && text.Length == 6 && text.StartsWith("<0x", StringComparison.Ordinal)
                && byte.TryParse(text.Slice(3, 2), System.Globalization.NumberStyles.HexNumber, null, out byte b):
                output.Write([b]);
                break;
            default: // unused, undefined, and byte tokens of a BPE vocabulary render as nothing in llama.cpp
                break;
        }
    }

    private static void WriteUtf8(ReadOnlySpan<char> text, ArrayBufferWriter<byte> output)
    {
        int count = Encoding.UTF8.GetBytes(text, output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length)));
        output.Advance(count);
    }
}
