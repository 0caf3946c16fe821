using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Loom.Text.Tokenizers;

/// <summary>
/// A hand-written matcher for the GPT-family pre-tokenization regexes (<see cref="PreTokenizerPatterns"/>). It
/// walks code points (so astral letters count as letters, which .NET's UTF-16 regex cannot do) and tries the
/// pattern's alternatives in order at each position, exactly as a backtracking regex engine would: the first
/// alternative that matches wins, and within it the greedy quantifiers give back only what the next item needs.
/// </summary>
internal sealed class GptPatternPreTokenizer(string pattern, GptPatternRules rules) : PreTokenizer
{
    public override string Pattern => pattern;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Split(ReadOnlySpan<char> text, List<int> pieceEnds)
    {
        int i = 0;
        while (i < text.Length)
        {
            i = NextEnd(text, i);
            pieceEnds.Add(i);
        }
    }

    /// <summary>The end of the piece that starts at <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int NextEnd(ReadOnlySpan<char> s, int i)
    {
        CharClass k = CharClasses.At(s, i, out int len);
        char c = s[i];

        if (c == '\'' && rules.Contractions != ContractionRule.TrailingAnyCase)
        {
            int n = ContractionLength(s, i, rules.Contractions == ContractionRule.LeadingAnyCase);
            if (n > 0) return i + n;
        }

        int end = WordEnd(s, i, k, len);
        if (end >= 0) return end;

        if (k == CharClass.Number) return NumberEnd(s, i);
        if (rules.SpacedNumbers && c == ' ' && NextClass(s, i + 1) == CharClass.Number) return NumberEnd(s, i + 1);

        end = PunctuationEnd(s, i, k, c);
        if (end >= 0) return end;

        Debug.Assert(k.IsWhiteSpace(), "every code point is a letter, number, other or white space");
        return k.IsWhiteSpace() ? WhiteSpaceEnd(s, i) : i + len;
    }

    private int WordEnd(ReadOnlySpan<char> s, int i, CharClass k, int len)
    {
        switch (rules.Letters)
        {
            case LetterRule.OptionalSpace: // ' ?\p{L}+'
                if (k.IsLetter()) return LetterRunEnd(s, i + len);
                if (s[i] == ' ' && NextClass(s, i + 1).IsLetter()) return LetterRunEnd(s, i + 1);
                return -1;
            case LetterRule.OptionalPrefix: // '[^\r\n\p{L}\p{N}]?\p{L}+'
                if (k.IsLetter()) return LetterRunEnd(s, i + len);
                if (k.IsWordPrefix() && NextClass(s, i + len).IsLetter()) return LetterRunEnd(s, i + len);
                return -1;
            default:
                return CaseSplitWordEnd(s, i, k, len);
        }
    }

    /// <summary>
    /// o200k's first two alternatives, each tried with the optional prefix taken and then without it:
    /// <c>P?U*W+C?</c> then <c>P?U+W*C?</c>, where U = [Lu Lt Lm Lo M], W = [Ll Lm Lo M], C = a contraction.
    /// </summary>
    private static int CaseSplitWordEnd(ReadOnlySpan<char> s, int i, CharClass k, int len)
    {
        int end;
        bool prefix = k.IsWordPrefix();
        if (prefix && (end = UpperThenLowerEnd(s, i + len)) >= 0) return end;
        if ((k.IsUpperPart() || k.IsLowerPart()) && (end = UpperThenLowerEnd(s, i)) >= 0) return end;
        if (prefix && (end = UpperRunEnd(s, i + len)) >= 0) return end;
        if (k.IsUpperPart() && (end = UpperRunEnd(s, i)) >= 0) return end;
        return -1;
    }

    /// <summary><c>U*W+C?</c> at <paramref name="p"/>: U* greedy, giving back code points until W+ can start.</summary>
    private static int UpperThenLowerEnd(ReadOnlySpan<char> s, int p)
    {
        int q = p;
        while (q < s.Length && CharClasses.At(s, q, out int l).IsUpperPart()) q += l;
        for (int w = q; ; w = PreviousIndex(s, w))
        {
            if (w < s.Length && CharClasses.At(s, w, out int l).IsLowerPart())
            {
                int e = w + l;
                while (e < s.Length && CharClasses.At(s, e, out int l2).IsLowerPart()) e += l2;
                return e + ContractionLength(s, e, ignoreCase: true);
            }
            if (w == p) return -1;
        }
    }

    /// <summary><c>U+W*C?</c> at <paramref name="p"/>.</summary>
    private static int UpperRunEnd(ReadOnlySpan<char> s, int p)
    {
        int q = p;
        while (q < s.Length && CharClasses.At(s, q, out int l).IsUpperPart()) q += l;
        if (q == p) return -1;
        while (q < s.Length && CharClasses.At(s, q, out int l).IsLowerPart()) q += l;
        return q + ContractionLength(s, q, ignoreCase: true);
    }

    private static int LetterRunEnd(ReadOnlySpan<char> s, int p)
    {
        while (p < s.Length && CharClasses.At(s, p, out int l).IsLetter()) p += l;
        return p;
    }

    /// <summary><c>\p{N}{1,max}</c> (or <c>\p{N}+</c>) from <paramref name="p"/>, which holds a number.</summary>
    private int NumberEnd(ReadOnlySpan<char> s, int p)
    {
        int count = 0;
        while (count < rules.MaxDigits && p < s.Length && CharClasses.At(s, p, out int l) == CharClass.Number)
        {
            p += l;
            count++;
        }
        return p;
    }

    /// <summary><c> ?[^\s\p{L}\p{N}]+</c> followed by any run of the pattern's tail characters.</summary>
    private int PunctuationEnd(ReadOnlySpan<char> s, int i, CharClass k, char c)
    {
        int p;
        if (k.IsOther()) p = i;
        else if (c == ' ' && NextClass(s, i + 1).IsOther()) p = i + 1;
        else return -1;
        while (p < s.Length && CharClasses.At(s, p, out int l).IsOther()) p += l;
        string tail = rules.PunctuationTail;
        if (tail.Length > 0)
            while (p < s.Length && tail.Contains(s[p])) p++;
        return p;
    }

    /// <summary>
    /// The whitespace alternatives: <c>\s*[\r\n]+</c> (up to the last newline of the run) where the pattern has it,
    /// then <c>\s+(?!\S)</c> (the run, leaving its last character to prefix the next word), then <c>\s+</c>.
    /// </summary>
    private int WhiteSpaceEnd(ReadOnlySpan<char> s, int i)
    {
        int j = i;
        int lastNewline = -1;
        // Every White_Space code point is in the BMP: one char each.
        while (j < s.Length && CharClasses.Of(s[j]).IsWhiteSpace())
        {
            if (s[j] is '\r' or '\n') lastNewline = j;
            j++;
        }
        if (rules.NewlineRuns && lastNewline >= 0) return lastNewline + 1;
        if (j == s.Length || j - i == 1) return j;
        return j - 1;
    }

    /// <summary>Length of <c>'s|'t|'re|'ve|'m|'ll|'d</c> at <paramref name="i"/>, or 0.</summary>
    private static int ContractionLength(ReadOnlySpan<char> s, int i, bool ignoreCase)
    {
        if (i + 1 >= s.Length || s[i] != '\'') return 0;
        char a = Fold(s[i + 1], ignoreCase);
        if (a is 's' or 't' or 'm' or 'd') return 2;
        if (i + 2 >= s.Length) return 0;
        char b = Fold(s[i + 2], ignoreCase);
        return (a, b) is ('l', 'l') or ('v', 'e') or ('r', 'e') ? 3 : 0;
    }

    /// <summary>Simple case folding for the contraction letters; U+017F (long s) folds to s, as in Unicode.</summary>
    private static char Fold(char c, bool ignoreCase)
    {
        if (!ignoreCase) return c;
        if (c is >= 'A' and <= 'Z') return (char)(c + 32);
        return c == '\u017F' ? 's' : c;
    }

    private static CharClass NextClass(ReadOnlySpan<char> s, int p) =>
        p < s.Length ? CharClasses.At(s, p, out _) : CharClass.End;

    private static int PreviousIndex(ReadOnlySpan<char> s, int index) =>
        index >= 2 && char.IsLowSurrogate(s[index - 1]) && char.IsHighSurrogate(s[index - 2]) ? index - 2 : index - 1;
}
