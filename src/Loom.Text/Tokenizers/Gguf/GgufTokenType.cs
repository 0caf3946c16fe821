namespace Loom.Text.Tokenizers.Gguf;

/// <summary>
/// The token types of <c>tokenizer.ggml.token_type</c> (llama.cpp's LLAMA_TOKEN_TYPE_* values, which the GGUF
/// stores as int32). They decide which tokens are matched as specials and how each token decodes.
/// </summary>
public enum GgufTokenType
{
    Undefined = 0,
    Normal = 1,
    Unknown = 2,
    /// <summary>BOS/EOS, chat delimiters: matched only when parsing specials, decoded as empty unless asked.</summary>
    Control = 3,
    /// <summary>Added tokens that are text: always cut out of the input before merging, decoded as their text.</summary>
    UserDefined = 4,
    Unused = 5,
    /// <summary>SentencePiece byte fallback <c>&lt;0xXX&gt;</c>.</summary>
    Byte = 6,
}
