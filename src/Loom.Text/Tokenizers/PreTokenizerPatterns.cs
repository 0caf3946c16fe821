namespace Loom.Text.Tokenizers;

/// <summary>
/// The pre-tokenization regexes of the GPT family, and the rules of <see cref="GptPatternPreTokenizer"/> that
/// reproduce each. Equivalent spellings of one pattern (tiktoken rewrote some with possessive quantifiers, Hugging
/// Face files spell contractions differently) map to the same rules.
/// </summary>
public static class PreTokenizerPatterns
{
    /// <summary>GPT-2, r50k_base, p50k_base.</summary>
    public const string R50k = @"'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>cl100k_base (GPT-3.5/GPT-4), as tiktoken spells it today.</summary>
    public const string Cl100k =
        @"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+";

    /// <summary>o200k_base (GPT-4o): letter runs split by case, contractions attached, digits in threes.</summary>
    public const string O200k =
        @"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
        + @"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
        + @"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Qwen2/Qwen3: cl100k's pattern with single digits.</summary>
    public const string Qwen2 =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private static readonly GptPatternRules R50kRules = new(ContractionRule.LeadingLowercase, LetterRule.OptionalSpace,
        SpacedNumbers: true, MaxDigits: int.MaxValue, PunctuationTail: "", NewlineRuns: false);

    private static readonly GptPatternRules Cl100kRules = new(ContractionRule.LeadingAnyCase, LetterRule.OptionalPrefix,
        SpacedNumbers: false, MaxDigits: 3, PunctuationTail: "\r\n", NewlineRuns: true);

    private static readonly Dictionary<string, GptPatternRules> Known = new(StringComparer.Ordinal)
    {
        [R50k] = R50kRules,
        [@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"] = R50kRules,
        [Cl100k] = Cl100kRules,
        // The older tiktoken spelling of cl100k, also Llama 3's tokenizer.json.
        [@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"]
            = Cl100kRules,
        [Qwen2] = Cl100kRules with { MaxDigits = 1 },
        [O200k] = new(ContractionRule.TrailingAnyCase, LetterRule.CaseSplit,
            SpacedNumbers: false, MaxDigits: 3, PunctuationTail: "\r\n/", NewlineRuns: true),
    };

    internal static bool TryGetRules(string pattern, out GptPatternRules rules) =>
        Known.TryGetValue(pattern, out rules);

    /// <summary>Whether <paramref name="pattern"/> runs on the hand-written state machine (else on .NET Regex).</summary>
    public static bool IsHandWritten(string pattern) => Known.ContainsKey(pattern);
}

internal enum ContractionRule
{
    /// <summary><c>'s|'t|'re|'ve|'m|'ll|'d</c> as the first alternative, lowercase only (GPT-2).</summary>
    LeadingLowercase,
    /// <summary>The same under <c>(?i:…)</c> (cl100k, Qwen).</summary>
    LeadingAnyCase,
    /// <summary>An optional suffix of the word alternatives, <c>(?i:…)</c> (o200k).</summary>
    TrailingAnyCase,
}

internal enum LetterRule
{
    /// <summary><c> ?\p{L}+</c>.</summary>
    OptionalSpace,
    /// <summary><c>[^\r\n\p{L}\p{N}]?\p{L}+</c>.</summary>
    OptionalPrefix,
    /// <summary>o200k's two alternatives: upper-then-lower and upper-run, each with the optional prefix.</summary>
    CaseSplit,
}

/// <summary>
/// What distinguishes the GPT-family patterns. All of them end with the same whitespace alternatives
/// (<c>\s+(?!\S)|\s+</c>); <paramref name="NewlineRuns"/> adds <c>\s*[\r\n]+</c> before those.
/// </summary>
internal readonly record struct GptPatternRules(
    ContractionRule Contractions,
    LetterRule Letters,
    bool SpacedNumbers,
    int MaxDigits,
    string PunctuationTail,
    bool NewlineRuns);
