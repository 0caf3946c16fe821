using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Loom.Text.Tokenizers;

/// <summary>
/// The character classes the GPT-family pre-tokenizer patterns distinguish (<c>\p{L}</c> split by case for o200k,
/// <c>\p{M}</c>, <c>\p{N}</c>, <c>\s</c> with <c>\r\n</c> apart, everything else). One lookup replaces several regex
/// class tests per character.
/// </summary>
internal enum CharClass : byte
{
    /// <summary>Anything else: punctuation, symbols, controls, unassigned, U+FFFD for invalid UTF-16.</summary>
    Other,
    /// <summary>Lu, Lt: letters that only the "upper" half of o200k's case split accepts.</summary>
    LetterUpper,
    /// <summary>Ll: letters that only the "lower" half accepts.</summary>
    LetterLower,
    /// <summary>Lm, Lo: letters both halves accept (modifier letters, CJK, scripts without case).</summary>
    LetterUncased,
    /// <summary>Mn, Mc, Me: not <c>\p{L}</c>, but o200k treats marks as part of words.</summary>
    Mark,
    /// <summary>Nd, Nl, No.</summary>
    Number,
    /// <summary>White_Space other than \r and \n.</summary>
    Space,
    /// <summary>\r or \n, which several patterns single out.</summary>
    Newline,
    /// <summary>Past the end of the text: no class test matches it.</summary>
    End,
}

internal static class CharClasses
{
    private static readonly CharClass[] Ascii = BuildAscii();

    private static CharClass[] BuildAscii()
    {
        var table = new CharClass[128];
        for (int c = 0; c < 128; c++) table[c] = ClassifySlow(c);
        return table;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CharClass Of(int codePoint) => codePoint < 128 ? Ascii[codePoint] : ClassifySlow(codePoint);

    /// <summary>Class and length (1 or 2 UTF-16 units) of the code point at <paramref name="index"/>; a lone
    /// surrogate reads as U+FFFD, the character UTF-8 encoding will replace it with.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CharClass At(ReadOnlySpan<char> text, int index, out int length)
    {
        char c = text[index];
        if (c < 128) { length = 1; return Ascii[c]; }
        if (!char.IsSurrogate(c)) { length = 1; return ClassifySlow(c); }
        Rune.DecodeFromUtf16(text[index..], out Rune rune, out length);
        return ClassifySlow(rune.Value);
    }

    /// <summary>Unicode White_Space: the code points regex engines match with <c>\s</c> in Unicode mode.</summary>
    public static bool IsWhiteSpace(int c) =>
        c is (>= 0x09 and <= 0x0D) or 0x20 or 0x85 or 0xA0 or 0x1680 or (>= 0x2000 and <= 0x200A)
            or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000;

    private static CharClass ClassifySlow(int c)
    {
        if (c is '\r' or '\n') return CharClass.Newline;
        if (IsWhiteSpace(c)) return CharClass.Space;
        return CharUnicodeInfo.GetUnicodeCategory(c) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.TitlecaseLetter => CharClass.LetterUpper,
            UnicodeCategory.LowercaseLetter => CharClass.LetterLower,
            UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CharClass.LetterUncased,
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                => CharClass.Mark,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
                => CharClass.Number,
            _ => CharClass.Other,
        };
    }

    public static bool IsLetter(this CharClass k) => k is CharClass.LetterUpper or CharClass.LetterLower or CharClass.LetterUncased;

    public static bool IsWhiteSpace(this CharClass k) => k is CharClass.Space or CharClass.Newline;

    /// <summary><c>[^\s\p{L}\p{N}]</c>: punctuation, symbols and marks.</summary>
    public static bool IsOther(this CharClass k) => k is CharClass.Other or CharClass.Mark;

    /// <summary><c>[^\r\n\p{L}\p{N}]</c>: what may prefix a word in cl100k and o200k.</summary>
    public static bool IsWordPrefix(this CharClass k) => k is CharClass.Other or CharClass.Mark or CharClass.Space;

    /// <summary>o200k's <c>[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]</c>.</summary>
    public static bool IsUpperPart(this CharClass k) => k is CharClass.LetterUpper or CharClass.LetterUncased or CharClass.Mark;

    /// <summary>o200k's <c>[\p{Ll}\p{Lm}\p{Lo}\p{M}]</c>.</summary>
    public static bool IsLowerPart(this CharClass k) => k is CharClass.LetterLower or CharClass.LetterUncased or CharClass.Mark;
}
