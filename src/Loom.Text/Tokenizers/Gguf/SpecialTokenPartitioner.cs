namespace Loom.Text.Tokenizers.Gguf;

/// <summary>
/// llama.cpp's first tokenization step (tokenizer_st_partition): special token texts are cut out of the input,
/// longest token first, each at every non-overlapping occurrence left to right inside the text still unclaimed.
/// USER_DEFINED tokens are always cut out; CONTROL and UNKNOWN tokens only when parsing specials.
/// </summary>
internal sealed class SpecialTokenPartitioner
{
    private readonly (string Text, int Id, bool OnlyWhenParsing)[] _tokens;

    public SpecialTokenPartitioner(GgufVocabulary vocabulary)
    {
        var list = new List<(string, int, bool)>();
        for (int id = 0; id < vocabulary.Tokens.Count; id++)
        {
            var type = vocabulary.Types[id];
            if (type is GgufTokenType.Control or GgufTokenType.Unknown or GgufTokenType.UserDefined)
                list.Add((vocabulary.Tokens[id], id, type != GgufTokenType.UserDefined));
        }
        _tokens = [.. list.OrderByDescending(t => t.Item1.Length).ThenBy(t => t.Item2)];
    }

    public bool HasAlwaysMatched => _tokens.Any(t => !t.OnlyWhenParsing);

    /// <summary>A fragment: raw text [Start, Start + Length), or a token when Token ≥ 0.</summary>
    public readonly record struct Fragment(int Start, int Length, int Token);

    public void Partition(ReadOnlySpan<char> text, bool parseSpecial, List<Fragment> fragments)
    {
        fragments.Clear();
        if (text.IsEmpty) return;
        fragments.Add(new Fragment(0, text.Length, -1));
        foreach (var (token, id, onlyWhenParsing) in _tokens)
        {
            if (onlyWhenParsing && !parseSpecial) continue;
            for (int f = 0; f < fragments.Count; f++)
            {
                var fragment = fragments[f];
                if (fragment.Token >= 0 || fragment.Length < token.Length) continue;
                var raw = text.Slice(fragment.Start, fragment.Length);
                int at = raw.IndexOf(token, StringComparison.Ordinal);
                if (at < 0) continue;
                // Replace this fragment with: text before, the token, and the rest (which the loop visits next).
                fragments.RemoveAt(f);
                int insert = f;
                if (at > 0) fragments.Insert(insert++, new Fragment(fragment.Start, at, -1));
                fragments.Insert(insert++, new Fragment(fragment.Start + at, token.Length, id));
                int restStart = fragment.Start + at + token.Length, restLength = fragment.Length - at - token.Length;
                if (restLength > 0) fragments.Insert(insert, new Fragment(restStart, restLength, -1));
                f = insert - 1; // the loop's f++ lands on the rest
            }
        }
    }
}
