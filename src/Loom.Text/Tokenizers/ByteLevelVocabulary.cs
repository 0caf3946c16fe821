using Loom.Core;

namespace Loom.Text.Tokenizers;

/// <summary>
/// Byte-level BPE vocabularies written as strings in GPT-2's alphabet (<see cref="ByteLevelAlphabet"/>), the form
/// both tokenizer.json and GGUF (tokenizer.ggml.tokens / tokenizer.ggml.merges) use, turned into an encoder.
/// </summary>
public static class ByteLevelVocabulary
{
    /// <summary>Splits a merge written "a b". Byte-level tokens never contain a space (the space byte is "Ġ").</summary>
    public static bool TrySplitMerge(string merge, out string left, out string right)
    {
        int space = merge.IndexOf(' ', 1);
        bool ok = space > 0 && space < merge.Length - 1 && merge.IndexOf(' ', space + 1) < 0;
        (left, right) = ok ? (merge[..space], merge[(space + 1)..]) : ("", "");
        return ok;
    }

    /// <summary>A merge-list encoder: <paramref name="tokensById"/> (null for unused ids), merges in priority order.</summary>
    public static BytePairEncoder ToEncoder(IReadOnlyList<string?> tokensById, IReadOnlyList<(string Left, string Right)> merges,
        bool ignoreMerges, string source)
    {
        var tokens = DecodeTokens(tokensById, source);
        var ids = new Dictionary<string, int>(tokensById.Count, StringComparer.Ordinal);
        for (int id = 0; id < tokensById.Count; id++)
            if (tokensById[id] is { } text) ids[text] = id;
        var mergeIds = new List<(int, int)>(merges.Count);
        for (int i = 0; i < merges.Count; i++)
        {
            var (left, right) = merges[i];
            if (!ids.TryGetValue(left, out int l) || !ids.TryGetValue(right, out int r))
                throw LoomException.Format(source, $"merge {i} ('{left}', '{right}') names a token that is not in the vocabulary");
            mergeIds.Add((l, r));
        }
        return BytePairEncoder.FromMerges(tokens, mergeIds, ignoreMerges, source);
    }

    /// <summary>A tiktoken-rule encoder: the id of each token is its rank.</summary>
    public static BytePairEncoder ToRankEncoder(IReadOnlyList<string?> tokensById, string source) =>
        BytePairEncoder.FromRanks(DecodeTokens(tokensById, source), source);

    private static List<byte[]?> DecodeTokens(IReadOnlyList<string?> tokensById, string source)
    {
        var tokens = new List<byte[]?>(tokensById.Count);
        for (int id = 0; id < tokensById.Count; id++)
        {
            string? text = tokensById[id];
            tokens.Add(text is null ? null : ByteLevelAlphabet.Decode(text)
                ?? throw new LoomException(LoomErrorCode.NotSupported,
                    $"{source}: token '{text}' (id {id}) is not in the byte-level alphabet; Loom reads byte-level BPE only"));
        }
        return tokens;
    }
}
