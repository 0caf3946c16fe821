using System.Buffers;

namespace Loom.Text.Tokenizers;

/// <summary>
/// Finds special tokens in text: the leftmost occurrence of any, the longest where several start at one place
/// (Hugging Face's added-token matching; tiktoken's special tokens never overlap, so it agrees there).
/// </summary>
internal sealed class SpecialTokenMatcher
{
    private readonly (string Text, int Id)[] _byLengthDescending;
    private readonly SearchValues<string>? _search;

    public SpecialTokenMatcher(IReadOnlyDictionary<string, int> specialTokens)
    {
        _byLengthDescending = specialTokens.Where(p => p.Key.Length > 0)
            .Select(p => (p.Key, p.Value))
            .OrderByDescending(p => p.Key.Length).ThenBy(p => p.Key, StringComparer.Ordinal).ToArray();
        if (_byLengthDescending.Length > 0)
            _search = SearchValues.Create(_byLengthDescending.Select(p => p.Text).ToArray(), StringComparison.Ordinal);
    }

    public bool IsEmpty => _search is null;

    /// <summary>The next special token in <paramref name="text"/>: where it starts, its length and id.</summary>
    public bool TryFind(ReadOnlySpan<char> text, out int index, out int length, out int id)
    {
        index = _search is null ? -1 : text.IndexOfAny(_search);
        if (index >= 0)
        {
            var rest = text[index..];
            foreach (var (token, tokenId) in _byLengthDescending)
            {
                if (!rest.StartsWith(token, StringComparison.Ordinal)) continue;
                length = token.Length;
                id = tokenId;
                return true;
            }
        }
        length = id = 0;
        return false;
    }
}
