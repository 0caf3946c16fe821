namespace Loom.Text.Tokenizers.Gguf;

/// <summary>
/// Token texts llama.cpp recognises when it loads a vocabulary, whatever their type in the GGUF: end-of-generation
/// markers and fill-in-the-middle markers. llama.cpp re-types such a token to CONTROL when the file says otherwise
/// (it logs "control-looking token … will be overridden"), which changes how it is parsed and decoded, so a
/// tokenizer that must give llama.cpp's ids has to do the same.
/// </summary>
internal static class LlamaCppSpecialTokenTexts
{
    /// <summary>Texts that end generation (llama.cpp's EOG set is these, the fill-in-the-middle pad/repo/separator
    /// tokens, and EOS).</summary>
    public static readonly string[] EndOfGeneration =
    [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<end_of_turn>", "<|endoftext|>",
        "<|eom_id|>", "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>", "</s>",
    ];

    /// <summary>Fill-in-the-middle markers, one group per role; the first token found in each group is re-typed.
    /// Pad, repository and file-separator markers also end generation.</summary>
    public static readonly string[] FimPrefix = ["<|fim_prefix|>", "<fim-prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>"];
    public static readonly string[] FimSuffix = ["<|fim_suffix|>", "<fim-suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>"];
    public static readonly string[] FimMiddle = ["<|fim_middle|>", "<fim-middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>"];
    public static readonly string[] FimPad = ["<|fim_pad|>", "<fim-pad>", "<PAD>"];
    public static readonly string[] FimRepo = ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"];
    public static readonly string[] FimSeparator = ["<|file_sep|>", "<fim-sep>", "<SEP>"];
}
