using System.Text.RegularExpressions;
using Loom.Core;

namespace Loom.Text.Tokenizers;

/// <summary>
/// Any other pre-tokenization regex, run by .NET's engine with Hugging Face's "Isolated" split: every match is a
/// piece and so is every gap between matches. Two differences from the Rust/Oniguruma engines the patterns were
/// written for: .NET matches UTF-16 units, so <c>\p{L}</c> misses letters outside the BMP, and it has no possessive
/// quantifiers. The GPT-family patterns avoid both by running on <see cref="GptPatternPreTokenizer"/>.
/// </summary>
internal sealed class RegexPreTokenizer : PreTokenizer
{
    private readonly Regex _regex;

    public RegexPreTokenizer(string pattern)
    {
        Pattern = pattern;
        try
        {
            _regex = new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            throw new LoomException(LoomErrorCode.NotSupported,
                $"pre-tokenizer regex '{pattern}': .NET cannot compile it ({e.Message}); the hand-written patterns are "
                + "GPT-2/r50k, cl100k, o200k and Qwen2", e);
        }
    }

    public override string Pattern { get; }

    public override void Split(ReadOnlySpan<char> text, List<int> pieceEnds)
    {
        int last = 0;
        foreach (ValueMatch m in _regex.EnumerateMatches(text))
        {
            if (m.Length == 0) continue;
            if (m.Index > last) pieceEnds.Add(m.Index);
            last = m.Index + m.Length;
            pieceEnds.Add(last);
        }
        if (last < text.Length) pieceEnds.Add(text.Length);
    }
}
