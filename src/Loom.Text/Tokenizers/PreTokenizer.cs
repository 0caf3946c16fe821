namespace Loom.Text.Tokenizers;

/// <summary>
/// Splits text into pieces before byte-pair merging; merges never cross a piece boundary. Implementations follow a
/// regex exactly (the one <see cref="Pattern"/> names), so the ids match the tokenizer that regex came from.
/// </summary>
public abstract class PreTokenizer
{
    /// <summary>The regex this pre-tokenizer implements; saved into tokenizer.json.</summary>
    public abstract string Pattern { get; }

    /// <summary>Appends the exclusive end (a char index into <paramref name="text"/>) of each piece, in order; the
    /// pieces cover the text without gaps.</summary>
    public abstract void Split(ReadOnlySpan<char> text, List<int> pieceEnds);

    /// <summary>
    /// The fastest exact implementation of <paramref name="pattern"/>: the hand-written state machine for the
    /// GPT-2, cl100k, o200k and Qwen/Llama-3 patterns, otherwise the .NET regex engine.
    /// </summary>
    public static PreTokenizer FromPattern(string pattern) =>
        PreTokenizerPatterns.TryGetRules(pattern, out var rules)
            ? new GptPatternPreTokenizer(pattern, rules)
            : new RegexPreTokenizer(pattern);
}
