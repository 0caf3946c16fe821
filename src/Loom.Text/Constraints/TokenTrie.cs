using System.Runtime.CompilerServices;

namespace Loom.Text.Constraints;

/// <summary>
/// Every token's bytes in a prefix tree, so masking walks shared prefixes once: a recognizer state that rejects
/// a byte rejects every token below it at once. Built once per vocabulary and cached (per byte-lookup delegate).
/// </summary>
public sealed class TokenTrie
{
    private static readonly ConditionalWeakTable<object, TokenTrie> Cache = new();

    // Node n's children are ChildBytes/ChildNodes[ChildStart[n] .. ChildStart[n+1]); its tokens Tokens[TokenStart[n] ..].
    internal readonly int[] ChildStart, ChildNodes, TokenStart, Tokens;
    internal readonly byte[] ChildBytes;

    public int VocabularySize { get; }

    private TokenTrie(int size, Func<int, byte[]> bytesOf)
    {
        VocabularySize = size;
        var children = new List<SortedDictionary<byte, int>> { new() };
        var ends = new List<List<int>> { new() };
        for (int t = 0; t < size; t++)
        {
            byte[] bytes = bytesOf(t);
            if (bytes.Length == 0) continue; // an empty piece makes no progress; never allowed
            int node = 0;
            foreach (byte b in bytes)
            {
                if (!children[node].TryGetValue(b, out int child))
                {
                    child = children.Count;
                    children.Add(new());
                    ends.Add(new());
                    children[node][b] = child;
                }
                node = child;
            }
            ends[node].Add(t);
        }
        int n = children.Count;
        ChildStart = new int[n + 1];
        TokenStart = new int[n + 1];
        for (int i = 0; i < n; i++)
        {
            ChildStart[i + 1] = ChildStart[i] + children[i].Count;
            TokenStart[i + 1] = TokenStart[i] + ends[i].Count;
        }
        ChildBytes = new byte[ChildStart[n]];
        ChildNodes = new int[ChildStart[n]];
        Tokens = new int[TokenStart[n]];
        for (int i = 0; i < n; i++)
        {
            int c = ChildStart[i];
            foreach (var (b, child) in children[i])
            {
                ChildBytes[c] = b;
                ChildNodes[c++] = child;
            }
            ends[i].CopyTo(Tokens, TokenStart[i]);
        }
    }

    /// <summary>The trie for a vocabulary, built on first use and shared by every request on the same model.</summary>
    public static TokenTrie For(int size, Func<int, byte[]> bytesOf) =>
        Cache.GetValue(bytesOf, _ => new TokenTrie(size, bytesOf));
}
