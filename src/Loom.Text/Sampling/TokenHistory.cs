using Loom.Core;

namespace Loom.Text.Sampling;

/// <summary>
/// How often each token occurred among the last <see cref="Window"/> accepted tokens: what the repetition, presence
/// and frequency penalties read. Counts live in a dictionary so a step visits only the tokens that occurred, and a
/// ring buffer remembers which token leaves the window next. After warm-up accepting a token allocates nothing.
/// </summary>
public sealed class TokenHistory
{
    private readonly Dictionary<int, int> _counts;
    private readonly int[] _ring;
    private int _next;
    private int _filled;

    /// <param name="window">−1: every accepted token counts; 0: none (nothing is recorded); N: the last N.</param>
    public TokenHistory(int window)
    {
        if (window < -1) throw LoomException.Argument($"TokenHistory: window must be -1, 0 or more, found {window}");
        Window = window;
        _ring = window > 0 ? new int[window] : [];
        _counts = new Dictionary<int, int>(window > 0 ? Math.Min(window, 1024) : 0);
    }

    public int Window { get; }

    /// <summary>How many distinct tokens are in the window.</summary>
    public int DistinctCount => _counts.Count;

    /// <summary>How many times <paramref name="token"/> occurs in the window.</summary>
    public int CountOf(int token) => _counts.GetValueOrDefault(token);

    public void Accept(int token)
    {
        if (token < 0) throw LoomException.Argument($"TokenHistory.Accept: token ids are 0 or more, found {token}");
        if (Window == 0) return;
        if (Window > 0)
        {
            if (_filled == Window) Decrement(_ring[_next]);
            else _filled++;
            _ring[_next] = token;
            _next = (_next + 1) % Window;
        }
        _counts[token] = _counts.GetValueOrDefault(token) + 1;
    }

    public void Clear()
    {
        _counts.Clear();
        _next = 0;
        _filled = 0;
    }

    /// <summary>Distinct tokens with their counts, in no particular order; a struct enumerator, so no allocation.</summary>
    public Dictionary<int, int>.Enumerator GetEnumerator() => _counts.GetEnumerator();

    public TokenHistory Clone()
    {
        var copy = new TokenHistory(Window);
        foreach (var (token, count) in _counts) copy._counts[token] = count;
        _ring.CopyTo(copy._ring, 0);
        copy._next = _next;
        copy._filled = _filled;
        return copy;
    }

    private void Decrement(int token)
    {
        int count = _counts[token] - 1;
        if (count == 0) _counts.Remove(token);
        else _counts[token] = count;
    }
}
