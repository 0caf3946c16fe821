using System.Text;
using System.Text.RegularExpressions;
using Loom.Core;
using Loom.Text.Tokenizers;

namespace Loom.Tests.Text;

public class PreTokenizerTests
{
    // Letters of every case class, marks, numbers of every kind, each kind of white space, contractions' parts.
    private static readonly string[] Alphabet =
    [
        "a", "b", "s", "t", "d", "m", "l", "v", "e", "r", "S", "T", "L", "V", "E", "R", "D", "M", "A", "é", "É", "ß",
        "ǅ", "ʰ", "中", "文", "\u0301", "\u0308", "0", "1", "9", "٣", "Ⅻ", "½", " ", " ", " ", "\t", "\n", "\r", "\v",
        "\f", "'", "'", "!", ".", "/", "-", "\"", "\u00A0", "\u2003", "\u3000", "\u0085", "$", "€", "_",
    ];

    public static TheoryData<string, string> Patterns => new()
    {
        { PreTokenizerPatterns.R50k, PreTokenizerPatterns.R50k },
        // .NET has no possessive quantifiers; this older spelling of cl100k matches the same.
        {
            PreTokenizerPatterns.Cl100k,
            @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
        },
        { PreTokenizerPatterns.O200k, PreTokenizerPatterns.O200k },
        { PreTokenizerPatterns.Qwen2, PreTokenizerPatterns.Qwen2 },
    };

    /// <summary>
    /// The hand-written state machine against .NET's regex engine on random text from the characters where the
    /// two engines agree (the BMP: .NET does not see astral letters as letters).
    /// </summary>
    [Theory]
    [MemberData(nameof(Patterns))]
    public void State_machine_splits_like_the_regex(string pattern, string netPattern)
    {
        var machine = PreTokenizer.FromPattern(pattern);
        Assert.True(PreTokenizerPatterns.IsHandWritten(pattern));
        var regex = new RegexPreTokenizerProbe(netPattern);
        var random = new LoomRandom(3);
        for (int iteration = 0; iteration < 3000; iteration++)
        {
            var text = new StringBuilder();
            int length = 1 + random.NextInt(12);
            for (int i = 0; i < length; i++) text.Append(Alphabet[random.NextInt(Alphabet.Length)]);
            string s = text.ToString();
            Assert.Equal(regex.Pieces(s), Pieces(machine, s));
        }
    }

    [Fact]
    public void Astral_letters_are_letters()
    {
        // U+1D400.. are mathematical bold letters (Lu, Ll) outside the BMP: one word with its leading space.
        var cl100k = PreTokenizer.FromPattern(PreTokenizerPatterns.Cl100k);
        Assert.Equal(["x", " 𝐀𝐁𝐜", "!"], Pieces(cl100k, "x 𝐀𝐁𝐜!"));
        var o200k = PreTokenizer.FromPattern(PreTokenizerPatterns.O200k);
        Assert.Equal([" 𝐀𝐁𝐜"], Pieces(o200k, " 𝐀𝐁𝐜"));
    }

    [Fact]
    public void Each_pattern_has_its_own_rules()
    {
        var r50k = PreTokenizer.FromPattern(PreTokenizerPatterns.R50k);
        var cl100k = PreTokenizer.FromPattern(PreTokenizerPatterns.Cl100k);
        var o200k = PreTokenizer.FromPattern(PreTokenizerPatterns.O200k);
        var qwen = PreTokenizer.FromPattern(PreTokenizerPatterns.Qwen2);
        Assert.Equal(["don", "'t", " DON", "'T"], Pieces(cl100k, "don't DON'T"));
        Assert.Equal(["don", "'t", " DON", "'", "T"], Pieces(r50k, "don't DON'T"));
        Assert.Equal(["don't", " DON'T"], Pieces(o200k, "don't DON'T"));
        Assert.Equal(["Hello", "WORLDAgain", " ABC", "&"], Pieces(o200k, "HelloWORLDAgain ABC&"));
        Assert.Equal(["12345", " 678"], Pieces(r50k, "12345 678"));
        Assert.Equal(["123", "45", " ", "678"], Pieces(cl100k, "12345 678"));
        Assert.Equal(["1", "2", "3"], Pieces(qwen, "123"));
        Assert.Equal(["a", "  \n\n", "  ", " b"], Pieces(cl100k, "a  \n\n   b"));
        Assert.Equal(["a", "  ", " b", "   "], Pieces(r50k, "a   b   "));
        Assert.Equal(["(x", "))/\n"], Pieces(o200k, "(x))/\n"));
    }

    [Fact]
    public void Other_patterns_run_on_the_regex_engine_with_isolated_gaps()
    {
        var digits = PreTokenizer.FromPattern(@"\d+");
        Assert.False(PreTokenizerPatterns.IsHandWritten(@"\d+"));
        Assert.Equal(["ab", "12", "c", "3"], Pieces(digits, "ab12c3"));
        var e = Assert.Throws<LoomException>(() => PreTokenizer.FromPattern("(unclosed"));
        Assert.Equal(LoomErrorCode.NotSupported, e.Code);
    }

    private static List<string> Pieces(PreTokenizer pre, string text)
    {
        var ends = new List<int>();
        pre.Split(text, ends);
        var pieces = new List<string>();
        int start = 0;
        foreach (int end in ends)
        {
            pieces.Add(text[start..end]);
            start = end;
        }
        return pieces;
    }

    /// <summary>The regex run plainly: every match is a piece (these patterns leave no gaps).</summary>
    private sealed class RegexPreTokenizerProbe(string pattern)
    {
        private readonly Regex _regex = new(pattern, RegexOptions.CultureInvariant);

        public List<string> Pieces(string text) => [.. _regex.Matches(text).Select(m => m.Value)];
    }
}
