using Loom.Core;

namespace Loom.Text.Tokenizers.Gguf;

/// <summary>
/// The pre-tokenizer each <c>tokenizer.ggml.pre</c> name selects in llama.cpp, built from Loom's splitters: the
/// GPT-2 and Llama-3 patterns and Qwen2's single-digit variant run on the hand-written state machine, the extra
/// stages of "default" and "smollm" on .NET regexes.
/// </summary>
public static class LlamaCppPreTokenizers
{
    // Llama 3's pattern; llama.cpp spells the contractions as [sS]-classes, which is the same language.
    private const string Llama3 =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The names this class knows.</summary>
    public static IReadOnlyList<string> Supported { get; } =
        ["default", "gpt-2", "llama-bpe", "llama3", "llama-v3", "qwen2", "smollm", "starcoder"];

    /// <summary>
    /// The splitter for <paramref name="pre"/>, and whether llama.cpp skips merging for a piece that is itself a
    /// token (its ignore_merges, set for Llama 3 only).
    /// </summary>
    public static (PreTokenizer PreTokenizer, bool IgnoreMerges) For(string pre, string source)
    {
        var gpt2 = PreTokenizer.FromPattern(PreTokenizerPatterns.R50k);
        return pre switch
        {
            "gpt-2" => (gpt2, false),
            "llama-bpe" or "llama3" or "llama-v3" => (PreTokenizer.FromPattern(Llama3), true),
            "qwen2" => (PreTokenizer.FromPattern(PreTokenizerPatterns.Qwen2), false),
            // Each digit on its own, then GPT-2's splitting inside the rest.
            "smollm" or "starcoder" => (new StagedPreTokenizer(PreTokenizer.FromPattern(@"\p{N}"), gpt2), false),
            // llama.cpp's fallback for BPE files without a known pre-tokenizer: punctuation runs, GPT-2, number
            // runs, then groups of three ASCII digits.
            "default" => (new StagedPreTokenizer(PreTokenizer.FromPattern(@"[\p{P}\$\+<=>\^~\|]+"), gpt2,
                PreTokenizer.FromPattern(@"\p{N}+"), PreTokenizer.FromPattern("[0-9][0-9][0-9]")), false),
            _ => throw new LoomException(LoomErrorCode.NotSupported,
                $"{source}: tokenizer.ggml.pre '{pre}' is not supported; supported: {string.Join(", ", Supported)}"),
        };
    }
}
