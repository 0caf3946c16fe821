using Loom.Core;
using Loom.Text.Tokenizers;

namespace Loom.Tests.Text;

public class CharTokenizerTests
{
    [Fact]
    public void Vocabulary_is_the_sorted_distinct_code_points_and_round_trips()
    {
        const string corpus = "héllo wörld 😀 中文\n😀";
        var tokenizer = CharTokenizer.Build(corpus);
        // A surrogate pair is one character: 😀 has one id, and it sorts last (U+1F600).
        Assert.Equal(["\n", " ", "d", "h", "l", "o", "r", "w", "é", "ö", "中", "文", "😀"], tokenizer.Characters);
        Assert.Equal(13, tokenizer.VocabSize);
        Assert.Equal("😀", tokenizer.Symbol(12));
        int[] ids = tokenizer.Encode(corpus);
        Assert.Equal(corpus.EnumerateRunes().Count(), ids.Length);
        Assert.Equal(corpus, tokenizer.Decode(ids));
        Assert.Equal("char", tokenizer.Kind);
    }

    [Fact]
    public void Unknown_character_names_the_code_point_and_position()
    {
        var tokenizer = CharTokenizer.Build("abc");
        var e = Assert.Throws<LoomException>(() => tokenizer.Encode("abxc"));
        Assert.Equal(LoomErrorCode.InvalidArgument, e.Code);
        Assert.Contains("U+0078", e.Message);
        Assert.Contains("position 2", e.Message);
        var astral = Assert.Throws<LoomException>(() => tokenizer.Encode("ab😀"));
        Assert.Contains("U+1F600", astral.Message);
    }

    [Fact]
    public void Special_tokens_follow_the_characters_and_need_allow_special()
    {
        var tokenizer = CharTokenizer.Build("ann\nbob\n", ["\n", "<|end|>"]);
        // "\n" is a special token, so it is not also an ordinary character.
        Assert.Equal(["a", "b", "n", "o"], tokenizer.Characters);
        Assert.Equal(4, tokenizer.SpecialTokens["\n"]);
        Assert.Equal(5, tokenizer.SpecialTokens["<|end|>"]);
        Assert.Equal([0, 2, 2, 4, 1, 3, 1, 5], tokenizer.Encode("ann\nbob<|end|>", allowSpecial: true));
        Assert.Equal("ann\nbob<|end|>", tokenizer.Decode([0, 2, 2, 4, 1, 3, 1, 5]));
        var e = Assert.Throws<LoomException>(() => tokenizer.Encode("ann\n"));
        Assert.Contains("U+000A", e.Message);
        Assert.Contains("allowSpecial", e.Message);
    }

    [Fact]
    public void Save_and_load_give_the_same_tokenizer()
    {
        var tokenizer = CharTokenizer.Build("the \"quick\" brown fox\t😀\\", ["<|end|>"]);
        string dir = Directory.CreateTempSubdirectory("loom-char").FullName;
        try
        {
            tokenizer.Save(dir);
            var loaded = Assert.IsType<CharTokenizer>(TokenizerFile.Load(dir));
            Assert.Equal(tokenizer.Characters, loaded.Characters);
            Assert.Equal(tokenizer.SpecialTokens, loaded.SpecialTokens);
            string text = "fox \"brown\"<|end|>😀\\";
            Assert.Equal(tokenizer.Encode(text, allowSpecial: true), loaded.Encode(text, allowSpecial: true));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Decoding_an_unknown_id_is_an_error()
    {
        var tokenizer = CharTokenizer.Build("ab");
        Assert.Contains("token id 7", Assert.Throws<LoomException>(() => tokenizer.Decode([0, 7])).Message);
    }
}
