namespace Loom.Text.Sampling;

/// <summary>
/// A language model as the generation loop sees it: feed tokens, get the logits of the next one. Loom's transformer
/// (with its KV cache) and the GGUF engine both implement it, so they share <see cref="TextGenerator"/>.
/// </summary>
public interface ILogitSource
{
    /// <summary>The most tokens (prompt and generated) one sequence may hold.</summary>
    int ContextLength { get; }

    /// <summary>Starts a new sequence (empties the KV cache).</summary>
    void Reset();

    /// <summary>Appends <paramref name="newTokens"/> to the sequence and returns the logits (one per vocabulary token)
    /// for the token after the last of them. The span is valid until the next call.</summary>
    ReadOnlySpan<float> Forward(ReadOnlySpan<int> newTokens);
}
