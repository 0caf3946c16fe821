using System.Text;

namespace Loom.Text.Tokenizers;

/// <summary>
/// Decodes tokens one at a time as a model emits them. A byte-level token can end halfway through a UTF-8
/// character (an emoji is often three tokens); the decoder holds those bytes back and emits text only once a
/// character is complete, so streamed output never shows a broken character. Not thread-safe: one per stream.
/// </summary>
public sealed class StreamingDecoder(ITokenizer tokenizer)
{
    // Invalid sequences become U+FFFD, exactly as ITokenizer.Decode does for the whole text.
    private readonly Decoder _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetDecoder();
    private char[] _chars = new char[64];

    /// <summary>The text completed by token <paramref name="id"/>; empty while a character is incomplete.</summary>
    public string Push(int id) => Convert(tokenizer.TokenBytes(id), flush: false);

    /// <summary>The text completed by <paramref name="ids"/>.</summary>
    public string Push(ReadOnlySpan<int> ids)
    {
        var text = new StringBuilder();
        foreach (int id in ids) text.Append(Push(id));
        return text.ToString();
    }

    /// <summary>Ends the stream: any held-back bytes of an unfinished character come out as U+FFFD.</summary>
    public string Flush() => Convert([], flush: true);

    private string Convert(ReadOnlySpan<byte> bytes, bool flush)
    {
        int count = _utf8.GetCharCount(bytes, flush);
        if (count > _chars.Length) _chars = new char[Math.Max(count, _chars.Length * 2)];
        int written = _utf8.GetChars(bytes, _chars, flush);
        return new string(_chars, 0, written);
    }
}
