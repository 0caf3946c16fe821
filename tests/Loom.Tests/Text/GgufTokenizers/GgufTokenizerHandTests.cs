using System.Text;
using Loom.Core;
using Loom.Formats.Gguf;
using Loom.Text.Tokenizers.Gguf;

namespace Loom.Tests.Text.GgufTokenizers;

/// <summary>
/// Hand-built GGUF vocabularies that pin single behaviours: SentencePiece merging by score, byte fallback, the
/// space put after special tokens, user-defined vs control tokens, llama.cpp's detokenize quirks, and errors.
/// </summary>
public sealed class GgufTokenizerHandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"loom-gguftok-{Guid.NewGuid():N}");

    public GgufTokenizerHandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // <unk> <s> </s>, the 256 byte tokens, then pieces with scores; "bc" outranks "ab".
    private static readonly (string Text, float Score, GgufTokenType Type)[] SpmPieces =
    [
        ("▁", -1, GgufTokenType.Normal), ("a", 0, GgufTokenType.Normal), ("b", 0, GgufTokenType.Normal),
        ("c", 0, GgufTokenType.Normal), ("ab", -5, GgufTokenType.Normal), ("bc", -2, GgufTokenType.Normal),
        ("▁a", -3, GgufTokenType.Normal), ("<tool>", 0, GgufTokenType.UserDefined), ("<|ctl|>", 0, GgufTokenType.Control),
    ];

    private const int FirstPiece = 3 + 256;

    private GgufTokenizer Spm(bool? addSpacePrefix = null)
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>" };
        var types = new List<int> { (int)GgufTokenType.Unknown, (int)GgufTokenType.Control, (int)GgufTokenType.Control };
        for (int b = 0; b < 256; b++)
        {
            tokens.Add($"<0x{b:X2}>");
            types.Add((int)GgufTokenType.Byte);
        }
        var scores = Enumerable.Repeat(0f, tokens.Count).ToList();
        foreach (var (text, score, type) in SpmPieces)
        {
            tokens.Add(text);
            scores.Add(score);
            types.Add((int)type);
        }
        var writer = new GgufWriter()
            .Set("general.architecture", GgufValue.String("llama"))
            .Set("tokenizer.ggml.model", GgufValue.String("llama"))
            .Set("tokenizer.ggml.tokens", GgufValue.Array(tokens.ToArray()))
            .Set("tokenizer.ggml.scores", GgufValue.Array(scores.ToArray()))
            .Set("tokenizer.ggml.token_type", GgufValue.Array(types.ToArray()))
            .Set("tokenizer.ggml.bos_token_id", GgufValue.UInt32(1))
            .Set("tokenizer.ggml.eos_token_id", GgufValue.UInt32(2));
        if (addSpacePrefix is { } prefix) writer.Set("tokenizer.ggml.add_space_prefix", GgufValue.Bool(prefix));
        return Load(writer, "spm.gguf");
    }

    private GgufTokenizer Load(GgufWriter writer, string name)
    {
        string path = Path.Combine(_dir, name);
        writer.Write(path);
        using var file = GgufFile.Open(path);
        return GgufTokenizer.FromGguf(file);
    }

    private static int Piece(string text) => FirstPiece + Array.FindIndex(SpmPieces, p => p.Text == text);

    private static int Byte(int b) => 3 + b;

    [Fact]
    public void SentencePieceMergesTheHighestScoringPairFirst()
    {
        var tokenizer = Spm(addSpacePrefix: false);
        // "ab" (-5) and "bc" (-2) compete for the b: the higher score wins although "ab" is further left.
        Assert.Equal([Piece("a"), Piece("bc")], tokenizer.Tokenize("abc", addSpecial: false, parseSpecial: false));
        Assert.Equal([Piece("ab")], tokenizer.Tokenize("ab", addSpecial: false, parseSpecial: false));
    }

    [Fact]
    public void SentencePieceFallsBackToUtf8ByteTokens()
    {
        var tokenizer = Spm(addSpacePrefix: false);
        // 'é' is no piece: its two UTF-8 bytes become <0xC3> <0xA9>.
        Assert.Equal([Piece("a"), Byte(0xC3), Byte(0xA9)], tokenizer.Tokenize("aé", addSpecial: false, parseSpecial: false));
        Assert.Equal("aé", Encoding.UTF8.GetString(tokenizer.Detokenize(tokenizer.Tokenize("aé", false, false), false, false)));
    }

    [Fact]
    public void SentencePiecePrefixesASpaceAtTheStartAndAfterEverySpecialToken()
    {
        var tokenizer = Spm(); // add_space_prefix absent: true for SentencePiece
        Assert.True(tokenizer.Vocabulary.AddSpacePrefix);
        Assert.Equal([1, Piece("▁a"), Piece("<|ctl|>"), Piece("▁a")], tokenizer.Tokenize("a<|ctl|>a", addSpecial: true, parseSpecial: true));
        // Without parse_special the control text is ordinary characters (here all byte fallback) and no BOS is added.
        var plain = tokenizer.Tokenize("a<|ctl|>", addSpecial: false, parseSpecial: false);
        Assert.Equal(Piece("▁a"), plain[0]);
        Assert.Equal(Byte('<'), plain[1]);
        Assert.Equal([Piece("a")], Spm(addSpacePrefix: false).Tokenize("a", false, false));
    }

    [Fact]
    public void UserDefinedTokensAreMatchedEvenWithoutParseSpecial()
    {
        var tokenizer = Spm(addSpacePrefix: false);
        Assert.Equal([Piece("a"), Piece("<tool>"), Piece("▁"), Piece("b")], tokenizer.Tokenize("a<tool> b", false, false));
        Assert.Contains("<tool>", tokenizer.SpecialTokens.Keys);
        Assert.Equal(GgufTokenType.UserDefined, tokenizer.TokenType(Piece("<tool>")));
    }

    [Fact]
    public void ControlTokensRenderOnlyWhenAskedAndBytesAsBytes()
    {
        var tokenizer = Spm();
        Assert.Equal(0, tokenizer.TokenToPiece(1, special: false).Length);
        Assert.Equal("<s>", Encoding.UTF8.GetString(tokenizer.TokenToPiece(1, special: true)));
        Assert.Equal([(byte)0xC3], tokenizer.TokenToPiece(Byte(0xC3), special: false).ToArray());
        Assert.Equal(" a", Encoding.UTF8.GetString(tokenizer.TokenToPiece(Piece("▁a"), special: false)));
        Assert.Equal("a", Encoding.UTF8.GetString(tokenizer.TokenToPiece(Piece("▁a"), special: false, lstrip: 1)));
    }

    [Fact]
    public void DetokenizeDropsTheLeadingSpaceOnlyWithoutABos()
    {
        var tokenizer = Spm();
        var ids = tokenizer.Tokenize("a a", addSpecial: true, parseSpecial: false);
        Assert.Equal(1, ids[0]);
        // llama.cpp's quirk: after a BOS, removed or rendered as nothing, the prefix space is kept.
        Assert.Equal(" a a", Encoding.UTF8.GetString(tokenizer.Detokenize(ids, removeSpecial: true, unparseSpecial: false)));
        Assert.Equal(" a a", Encoding.UTF8.GetString(tokenizer.Detokenize(ids, removeSpecial: false, unparseSpecial: false)));
        Assert.Equal("<s> a a", Encoding.UTF8.GetString(tokenizer.Detokenize(ids, removeSpecial: false, unparseSpecial: true)));
        Assert.Equal("a a", Encoding.UTF8.GetString(tokenizer.Detokenize(ids.AsSpan(1), removeSpecial: false, unparseSpecial: false)));
    }

    [Fact]
    public void UnknownTokenizerModelIsRejectedListingTheSupportedOnes()
    {
        var writer = new GgufWriter()
            .Set("tokenizer.ggml.model", GgufValue.String("bert"))
            .Set("tokenizer.ggml.tokens", GgufValue.Array(new[] { "[PAD]", "a" }));
        var e = Assert.Throws<LoomException>(() => Load(writer, "bert.gguf"));
        Assert.Equal(LoomErrorCode.NotSupported, e.Code);
        Assert.Contains("'bert'", e.Message);
        Assert.Contains("gpt2, llama", e.Message);
    }

    [Fact]
    public void UnknownPreTokenizerIsRejectedListingTheSupportedOnes()
    {
        var writer = new GgufWriter()
            .Set("tokenizer.ggml.model", GgufValue.String("gpt2"))
            .Set("tokenizer.ggml.pre", GgufValue.String("mystery"))
            .Set("tokenizer.ggml.tokens", GgufValue.Array(new[] { "a", "b", "ab" }))
            .Set("tokenizer.ggml.merges", GgufValue.Array(new[] { "a b" }));
        var e = Assert.Throws<LoomException>(() => Load(writer, "mystery.gguf"));
        Assert.Contains("'mystery'", e.Message);
        Assert.Contains("qwen2", e.Message);
    }

    [Fact]
    public void SmolLmSplitsDigitsOneByOneBeforeGpt2Splitting()
    {
        var pre = LlamaCppPreTokenizers.For("smollm", "test").PreTokenizer;
        var ends = new List<int>();
        pre.Split("ab 123 cd", ends);
        // "ab", " ", "1", "2", "3", " cd": GPT-2 alone would keep " 123" together.
        Assert.Equal([2, 3, 4, 5, 6, 9], ends);
    }
}
