using Loom.Inference;
using Loom.Text.Sampling;

namespace Loom.Cli;

/// <summary>
/// An <see cref="ILogitSource"/> over one <see cref="LlmSession"/> that keeps the KV cache across
/// <see cref="Reset"/>: when the next sequence starts with tokens already in the cache (a chat's history, re-rendered
/// each turn), the session rewinds to the end of the shared prefix and processes only the rest, as llama.cpp's chat
/// reuses its cache. At least one token is always fed, since the logits after the last one are needed.
/// </summary>
public sealed class PrefixReusingSession(LlmSession session) : ILogitSource
{
    private readonly List<int> _held = []; // the tokens whose keys and values the session holds, in order
    private bool _fresh = true;            // Reset was called: the next Forward starts a sequence

    public int ContextLength => session.ContextLength;

    /// <summary>Tokens the last sequence reused from the cache instead of processing them again.</summary>
    public int ReusedTokens { get; private set; }

    public void Reset() => _fresh = true;

    public ReadOnlySpan<float> Forward(ReadOnlySpan<int> newTokens)
    {
        if (_fresh)
        {
            _fresh = false;
            int shared = 0;
            while (shared < _held.Count && shared < newTokens.Length - 1 && _held[shared] == newTokens[shared]) shared++;
            session.Rewind(shared);
            _held.RemoveRange(shared, _held.Count - shared);
            ReusedTokens = shared;
            newTokens = newTokens[shared..];
        }
        var logits = session.Forward(newTokens);
        foreach (int id in newTokens) _held.Add(id);
        return logits;
    }
}
