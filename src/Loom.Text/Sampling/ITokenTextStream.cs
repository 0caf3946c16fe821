namespace Loom.Text.Sampling;

/// <summary>
/// Streaming detokenisation as the generation loop needs it: text completed by each token, and what is left at the
/// end. Defined here so the loop does not depend on a tokenizer type; wrap a tokenizer's streaming decoder with
/// <see cref="DelegateTextStream"/>.
/// </summary>
public interface ITokenTextStream
{
    /// <summary>The text completed by <paramref name="token"/> (empty while, say, a UTF-8 character is incomplete).</summary>
    string Push(int token);

    /// <summary>Ends the stream and returns anything held back.</summary>
    string Flush();
}

/// <summary>An <see cref="ITokenTextStream"/> from two delegates, e.g. a StreamingDecoder's Push and Flush.</summary>
public sealed class DelegateTextStream(Func<int, string> push, Func<string> flush) : ITokenTextStream
{
    public string Push(int token) => push(token);

    public string Flush() => flush();
}
