namespace Loom.Text.Tokenizers;

/// <summary>
/// Text to token ids and back. Every Loom tokenizer (character, trained BPE, tiktoken, Hugging Face) implements it,
/// and the samplers, trainers and the GGUF engine use nothing else.
/// </summary>
/// <remarks>
/// Special tokens (end-of-text markers, chat delimiters) are recognised in the input only when the caller asks
/// (<c>allowSpecial</c>); otherwise their text encodes as ordinary characters, so text from users cannot forge a
/// control token. Decoding always writes a special token as its text.
/// </remarks>
public interface ITokenizer
{
    /// <summary>What this is, stable across save/load: "char", "bpe", "tiktoken:cl100k_base", "huggingface:bpe".</summary>
    string Kind { get; }

    /// <summary>One more than the largest id this tokenizer produces (special tokens included).</summary>
    int VocabSize { get; }

    /// <summary>The special tokens: their text and id.</summary>
    IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>Encodes with special tokens read as plain text.</summary>
    int[] Encode(string text);

    /// <summary>Encodes; with <paramref name="allowSpecial"/> the special tokens' text becomes their ids.</summary>
    int[] Encode(string text, bool allowSpecial);

    /// <summary>Appends the ids of <paramref name="text"/> to <paramref name="output"/>, allocating little.</summary>
    void Encode(ReadOnlySpan<char> text, List<int> output, bool allowSpecial = false);

    /// <summary>The text of <paramref name="ids"/>; byte sequences that are not valid UTF-8 become U+FFFD.</summary>
    string Decode(ReadOnlySpan<int> ids);

    /// <summary>The exact bytes of <paramref name="ids"/> (byte-level tokens may end inside a UTF-8 character).</summary>
    byte[] DecodeBytes(ReadOnlySpan<int> ids);

    /// <summary>The bytes of one token; see <see cref="StreamingDecoder"/> for decoding a stream of them.</summary>
    ReadOnlySpan<byte> TokenBytes(int id);

    /// <summary>Writes <c>tokenizer.json</c> into <paramref name="directory"/> (atomically); <see cref="TokenizerFile.Load"/>
    /// reads it back.</summary>
    void Save(string directory);
}
