using Loom.Text.Sampling;

namespace Loom.Text.Constraints;

/// <summary>
/// Enforces a <see cref="JsonRecognizer"/> on tokens: a token is allowed iff its bytes keep the output a valid prefix
/// (bytes, so tokens that split a multi-byte character are judged correctly); end-of-generation tokens only once the
/// document is complete. Masking walks the vocabulary's <see cref="TokenTrie"/> depth first, feeding one byte per
/// edge to immutable recognizer states, so a rejected prefix prunes its whole subtree. Since the masked logits go
/// through the normal sampler chain, sampling is exactly from the model's distribution restricted to valid tokens
/// (greedy = highest valid logit).
/// </summary>
public sealed class JsonTokenConstraint : ITokenConstraint
{
    private readonly JsonRecognizer _recognizer;
    private readonly TokenTrie _trie;
    private readonly Func<int, byte[]> _bytesOf;
    private readonly IReadOnlySet<int> _endOfGeneration;
    private JsonRecognizer.State _state;
    private bool[] _allowed = [];

    public JsonTokenConstraint(JsonRecognizer recognizer, int vocabularySize, Func<int, byte[]> bytesOf, IReadOnlySet<int> endOfGeneration)
    {
        _recognizer = recognizer;
        _trie = TokenTrie.For(vocabularySize, bytesOf);
        _bytesOf = bytesOf;
        _endOfGeneration = endOfGeneration;
        _state = recognizer.Start;
    }

    /// <summary>True once the root value has closed; generation stops there.</summary>
    public bool IsComplete => _state.IsClosed;

    /// <summary>True when the text so far is a whole document (end of generation would be allowed).</summary>
    public bool IsDocumentComplete => _state.IsComplete;

    public void Mask(Span<float> logits)
    {
        if (_allowed.Length != logits.Length) _allowed = new bool[logits.Length];
        else Array.Clear(_allowed);
        Walk(0, _state, logits.Length);
        bool any = false;
        for (int t = 0; t < logits.Length; t++)
        {
            if (_endOfGeneration.Contains(t)) _allowed[t] = _state.IsComplete;
            if (!_allowed[t]) logits[t] = float.NegativeInfinity;
            else any = true;
        }
        // Never leave nothing: a vocabulary lacking a needed byte can only end the generation.
        if (!any) foreach (int t in _endOfGeneration) if (t < logits.Length) logits[t] = 0;
    }

    private void Walk(int node, JsonRecognizer.State state, int limit)
    {
        for (int i = _trie.TokenStart[node]; i < _trie.TokenStart[node + 1]; i++)
            if (_trie.Tokens[i] < limit) _allowed[_trie.Tokens[i]] = true;
        for (int c = _trie.ChildStart[node]; c < _trie.ChildStart[node + 1]; c++)
            if (_recognizer.Feed(state, _trie.ChildBytes[c]) is { } next) Walk(_trie.ChildNodes[c], next, limit);
    }

    public void Accept(int token)
    {
        if (_endOfGeneration.Contains(token)) return;
        _state = _recognizer.Feed(_state, _bytesOf(token))
            ?? throw new InvalidOperationException($"token {token} was chosen although the JSON constraint masked it");
    }
}
