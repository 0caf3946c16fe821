namespace Loom.Text.Tokenizers;

/// <summary>What <see cref="BpeTrainer"/> trains towards.</summary>
public sealed record BpeTrainerOptions
{
    /// <summary>Total ids: 256 byte tokens + merges + special tokens.</summary>
    public required int VocabSize { get; init; }

    /// <summary>Pre-tokenization regex; merges never cross its pieces. cl100k's keeps words, numbers (in threes),
    /// punctuation and whitespace apart.</summary>
    public string Pattern { get; init; } = PreTokenizerPatterns.Cl100k;

    /// <summary>Special tokens, given the ids after the merged tokens; their text in the corpus is not learned.</summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = [];

    /// <summary>A pair seen fewer times than this is never merged: a token for a one-off string is memorization,
    /// not compression.</summary>
    public int MinPairFrequency { get; init; } = 2;

    /// <summary>Told the number of merges done so far, every few merges.</summary>
    public IProgress<int>? Progress { get; init; }
}
