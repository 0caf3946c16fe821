using Loom.Core;

namespace Loom.Text.Tokenizers;

/// <summary>
/// What a tiktoken rank file does not say: its encoding's pre-tokenization pattern and special tokens (as
/// tiktoken_ext/openai_public.py defines them).
/// </summary>
public sealed record TiktokenEncoding(string Name, string Pattern, IReadOnlyDictionary<string, int> SpecialTokens)
{
    public const string EndOfText = "<|endoftext|>";
    public const string FimPrefix = "<|fim_prefix|>";
    public const string FimMiddle = "<|fim_middle|>";
    public const string FimSuffix = "<|fim_suffix|>";
    public const string EndOfPrompt = "<|endofprompt|>";

    /// <summary>GPT-2 / GPT-3 (50,257 ids).</summary>
    public static TiktokenEncoding R50kBase { get; } = new("r50k_base", PreTokenizerPatterns.R50k,
        new Dictionary<string, int> { [EndOfText] = 50256 });

    /// <summary>GPT-3.5 / GPT-4 (100,277 ids).</summary>
    public static TiktokenEncoding Cl100kBase { get; } = new("cl100k_base", PreTokenizerPatterns.Cl100k,
        new Dictionary<string, int>
        {
            [EndOfText] = 100257, [FimPrefix] = 100258, [FimMiddle] = 100259, [FimSuffix] = 100260, [EndOfPrompt] = 100276,
        });

    /// <summary>GPT-4o (200,019 ids).</summary>
    public static TiktokenEncoding O200kBase { get; } = new("o200k_base", PreTokenizerPatterns.O200k,
        new Dictionary<string, int> { [EndOfText] = 199999, [EndOfPrompt] = 200018 });

    public static IReadOnlyList<TiktokenEncoding> Known { get; } = [R50kBase, Cl100kBase, O200kBase];

    public static TiktokenEncoding ForName(string name) =>
        Known.FirstOrDefault(e => e.Name == name)
        ?? throw new LoomException(LoomErrorCode.NotSupported,
            $"tiktoken encoding '{name}' is not known; known: {string.Join(", ", Known.Select(e => e.Name))}");
}
