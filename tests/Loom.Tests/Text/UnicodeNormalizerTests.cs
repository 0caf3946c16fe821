using Loom.Text.Tokenizers;

namespace Loom.Tests.Text;

public class UnicodeNormalizerTests
{
    [Theory]
    [InlineData("e\u0301", "\u00e9")] // composes
    [InlineData("\u00e9", "\u00e9")] // already composed
    [InlineData("a\u0301\u0323", "\u1ea1\u0301")] // marks reordered by class: dot below (220) joins first
    [InlineData("\u212b", "\u00c5")] // singleton decomposition: Angstrom sign becomes Å
    [InlineData("\u0915\u093c", "\u0915\u093c")] // composition exclusion: stays decomposed (U+0958 is excluded)
    [InlineData("\u0958", "\u0915\u093c")]
    [InlineData("\u1100\u1161\u11a8", "\uac01")] // Hangul L V T compose to one syllable
    [InlineData("\uac00\u11a8", "\uac01")]
    [InlineData("\u1e9b\u0323", "\u1e9b\u0323")] // long s with dot above, then dot below (UAX #15 example)
    [InlineData("A\u030a\u0301x", "\u01fa" + "x")]
    [InlineData("\U0001D15E", "\U0001D157\U0001D165")] // excluded astral musical symbol stays decomposed
    public void Normalizes_to_nfc(string input, string expected) =>
        Assert.Equal(expected, UnicodeNormalizer.ToNfc(input));

    [Fact]
    public void Long_text_is_normalized_only_around_unstable_characters()
    {
        string[] parts = ["plain words — ’quoted’ ", "e\u0301", " middle 中文 ", "\u1100\u1161", "x\u0301\u0323", " 😀 tail", "\u212b"];
        string text = string.Concat(Enumerable.Repeat(string.Concat(parts), 50));
        string expected = string.Concat(Enumerable.Repeat(string.Concat(parts.Select(UnicodeNormalizer.ToNfc)), 50));
        Assert.Equal(expected, UnicodeNormalizer.ToNfc(text));
        Assert.Contains("\u00e9", expected);
        Assert.Contains("x\u0323\u0301", expected); // no composite: reordered only
        Assert.True(UnicodeNormalizer.IsQuickNfc("plain words — ’quoted’ 中文 😀"));
    }

    [Fact]
    public void Text_below_U0300_is_returned_as_is()
    {
        string text = "plain ASCII and Latin-1: café";
        Assert.True(UnicodeNormalizer.IsQuickNfc(text));
        Assert.Same(text, UnicodeNormalizer.ToNfc(text));
        Assert.False(UnicodeNormalizer.IsQuickNfc("e\u0301"));
        Assert.Equal(230, UnicodeNormalizer.CombiningClass(0x301));
        Assert.Equal(0, UnicodeNormalizer.CombiningClass('a'));
    }
}
